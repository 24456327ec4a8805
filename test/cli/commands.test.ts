import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';
import { csvField } from '../../src/cli/export.js';
import { JournalReader } from '../../src/journal/JournalReader.js';
import { BASE, cli, produce, standardRuns, temporaryDirectory, writeJournal } from './fixtures.js';

const RESEARCH = '000003e9ab12cd34ef56ab12cd34ef56';
const BILLING = '000003eaab12cd34ef56ab12cd34ef56';
const TRIAGE = '000003ebab12cd34ef56ab12cd34ef56';

async function journal(options: Parameters<typeof writeJournal>[2] = {}): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await temporaryDirectory();
  await writeJournal(join(dir.path, 'journal'), await produce(standardRuns()), options);
  return { path: join(dir.path, 'journal'), [Symbol.asyncDispose]: dir[Symbol.asyncDispose] };
}

describe('runs', () => {
  test('lists runs newest first, from spans or, without spans, from audit records', async () => {
    await using dir = await journal();
    const result = await cli(['runs', '--dir', dir.path]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatchInlineSnapshot(`
      "RUN               WORKFLOW  STARTED (UTC)        DURATION  STATUS  AGENTS  TOOLS  LLM  ERRORS  TOKENS
      000003ebab12cd34  triage    2026-01-15 12:00:00     3.00s  ok           1      1    1       0      15
      000003eaab12cd34  billing   2026-01-15 11:00:00     1.00s  ok           1      0    1       0     100
      000003e9ab12cd34  research  2026-01-15 10:00:00     2.50s  error        2      2    1       3     160
      "
    `);
  });

  test('--json, filters and limit', async () => {
    await using dir = await journal();
    const all = JSON.parse((await cli(['runs', '--json', '--dir', dir.path])).stdout);
    expect(all.map((r: { runId: string }) => r.runId)).toEqual([TRIAGE, BILLING, RESEARCH]);
    expect(all[2]).toMatchInlineSnapshot(`
      {
        "agentCalls": 2,
        "agents": [
          "planner",
          "writer",
        ],
        "durationMs": 2500,
        "end": "2026-01-15T10:00:02.500Z",
        "errors": 3,
        "inputTokens": 120,
        "llmCalls": 1,
        "outputTokens": 40,
        "runId": "000003e9ab12cd34ef56ab12cd34ef56",
        "service": "swarm-test",
        "source": "spans",
        "start": "2026-01-15T10:00:00.000Z",
        "status": "error",
        "toolCalls": 2,
        "workflow": "research",
      }
    `);
    expect(all[0]).toMatchObject({ workflow: 'triage', source: 'audit', toolCalls: 1, llmCalls: 1, inputTokens: 10, durationMs: 3000 });
    const failed = JSON.parse((await cli(['runs', '--json', '--status', 'error', '--dir', dir.path])).stdout);
    expect(failed.map((r: { runId: string }) => r.runId)).toEqual([RESEARCH]);
    const recent = JSON.parse((await cli(['runs', '--json', '--since', '2026-01-15T10:30:00Z', '--dir', dir.path])).stdout);
    expect(recent).toHaveLength(2);
    const limited = await cli(['runs', '--limit', '1', '--dir', dir.path]);
    expect(limited.stdout).toContain('(1 of 3 runs; --limit 0 shows all)');
    const byWorkflow = JSON.parse((await cli(['runs', '--json', '--workflow', 'billing', '--dir', dir.path])).stdout);
    expect(byWorkflow.map((r: { runId: string }) => r.runId)).toEqual([BILLING]);
  });

  test('audit records alone tell the story: same totals without any trace segment', async () => {
    await using dir = await journal();
    const withSpans = JSON.parse((await cli(['runs', '--json', '--dir', dir.path])).stdout);
    const { unlink } = await import('node:fs/promises');
    await unlink(join(dir.path, 'traces-0000000001.jsonl'));
    const auditOnly = JSON.parse((await cli(['runs', '--json', '--dir', dir.path])).stdout);
    const strip = (runs: Array<Record<string, unknown>>): unknown => runs.map(({ source: _source, ...rest }) => rest);
    expect(strip(auditOnly)).toEqual(strip(withSpans));
    expect(auditOnly.every((r: { source: string }) => r.source === 'audit')).toBe(true);
  });

  test('an empty journal directory has no runs', async () => {
    await using dir = await temporaryDirectory();
    const result = await cli(['runs', '--dir', dir.path]);
    expect(result).toEqual({ code: 0, stdout: `no runs in ${dir.path}\n`, stderr: '' });
  });
});

describe('show', () => {
  test('prints the tree with durations, status and audit events where they happened', async () => {
    await using dir = await journal();
    const result = await cli(['show', '000003e9', '--dir', dir.path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchInlineSnapshot(`
      "run 000003e9ab12cd34ef56ab12cd34ef56  research  error  2.50s
      started 2026-01-15T10:00:00.000Z · agents 2 · tools 2 · llm calls 1 · errors 3 · tokens 120 in / 40 out

      SPAN / EVENT                                                                 START   DURATION  STATUS  WATERFALL
      invoke_workflow research (fetch failed)                                       +0ms      2.50s  error   ██████████████████████████████
      ├─ invoke_agent planner                                                      +10ms      890ms  ok      ███████████
      │  ├─ chat gpt-test                                                          +20ms      400ms  ok      █████
      │  ├─ execute_tool search                                                   +430ms      300ms  ok           ████
      │  └─ ◆ decision success agent=planner use web search, approved by lead     +800ms                              ◆
      └─ invoke_agent writer (fetch failed)                                       +1.00s      1.40s  error               █████████████████
         ├─ ◆ secret.access denied agent=writer key alias "crm, prod"             +1.05s                                 ◆
         └─ execute_tool fetch (fetch failed)                                     +1.10s      1.20s  error                ██████████████
      "
    `);
  });

  test('--json nests spans and attaches audit events to their span', async () => {
    await using dir = await journal();
    const shown = JSON.parse((await cli(['show', RESEARCH.slice(0, 10), '--json', '--dir', dir.path])).stdout);
    expect(shown.runId).toBe(RESEARCH);
    expect(shown.run.status).toBe('error');
    expect(shown.spans).toHaveLength(1);
    const root = shown.spans[0];
    expect(root.name).toBe('invoke_workflow research');
    expect(root.children.map((c: { name: string }) => c.name)).toEqual(['invoke_agent planner', 'invoke_agent writer']);
    const planner = root.children[0];
    expect(planner.events.map((e: { type: string }) => e.type)).toEqual(['decision']);
    expect(planner.children.map((c: { name: string; durationMs: number }) => [c.name, c.durationMs])).toEqual([
      ['chat gpt-test', 400],
      ['execute_tool search', 300],
    ]);
    const writer = root.children[1];
    expect(writer.status).toBe('error');
    expect(writer.events[0]).toMatchObject({ type: 'secret.access', outcome: 'denied', agent: 'writer' });
    expect(shown.events).toEqual([]);
    const all = JSON.parse((await cli(['show', RESEARCH, '--json', '--all-events', '--dir', dir.path])).stdout);
    expect(all.spans[0].events.map((e: { type: string }) => e.type)).toEqual(['run.end']);
  });

  test('an audit-only run is shown from its span-end records', async () => {
    await using dir = await journal();
    const result = await cli(['show', TRIAGE.slice(0, 8), '--dir', dir.path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchInlineSnapshot(`
      "run 000003ebab12cd34ef56ab12cd34ef56  triage  ok  3.00s
      started 2026-01-15T12:00:00.000Z · agents 1 · tools 1 · llm calls 1 · errors 0 · tokens 10 in / 5 out

      SPAN / EVENT                   START   DURATION  STATUS  WATERFALL
      run triage (run.end)            +0ms      3.00s  ok      ██████████████████████████████
      agent sorter (agent.end)      +100ms      2.80s  ok       ████████████████████████████
      tool label (tool.end)         +200ms      500ms  ok        █████
      llm small-model (llm.end)     +800ms      1.00s  ok              ██████████

      (no spans in the journal for this run: rebuilt from its audit records)
      "
    `);
  });

  test('ambiguous and unknown prefixes are clear errors', async () => {
    await using dir = await journal();
    const ambiguous = await cli(['show', '000003e', '--dir', dir.path]);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatchInlineSnapshot(`
      "error: run id prefix '000003e' is ambiguous: it matches 3 runs; give more characters:
        000003e9ab12cd34ef56ab12cd34ef56
        000003eaab12cd34ef56ab12cd34ef56
        000003ebab12cd34ef56ab12cd34ef56
      "
    `);
    const unknown = await cli(['show', 'ffff', '--dir', dir.path]);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe('error: no run with id ffff... in the journal\n');
    const notHex = await cli(['show', 'run-1', '--dir', dir.path]);
    expect(notHex.code).toBe(2);
    expect((await cli(['show', '--dir', dir.path])).code).toBe(2);
  });
});

describe('events', () => {
  test('lists audit events oldest first, newest N', async () => {
    await using dir = await journal();
    const result = await cli(['events', '--limit', '5', '--dir', dir.path]);
    expect(result.stdout).toMatchInlineSnapshot(`
      "TIME (UTC)           TYPE       OUTCOME  AGENT   RUN           DETAIL
      2026-01-15 11:00:01  run.end    success  -       000003eaab12  workflow=billing 1000ms
      2026-01-15 12:00:00  tool.end   success  sorter  000003ebab12  tool=label 500ms
      2026-01-15 12:00:01  llm.end    success  sorter  000003ebab12  model=small-model 1000ms
      2026-01-15 12:00:02  agent.end  success  sorter  000003ebab12  2800ms
      2026-01-15 12:00:03  run.end    success  -       000003ebab12  workflow=triage 3000ms
      "
    `);
  });

  test('filters by tool, by file (the history of one file) and by duration (slow components)', async () => {
    await using dir = await temporaryDirectory();
    const at = (offset: number, path: string, type = 'file.change'): { type: string; at: number; body: string; attributes: Record<string, string> } => ({
      type,
      at: offset,
      body: `${type} ${path}`,
      attributes: type === 'artifact' ? { 'audit.artifact.uri': path } : { 'audit.file.path': path },
    });
    const runs = [
      ...standardRuns(),
      {
        base: BASE + 5 * 3_600_000,
        root: {
          name: 'invoke_workflow edit',
          operation: 'invoke_workflow' as const,
          start: 0,
          end: 9000,
          attributes: { 'gen_ai.workflow.name': 'edit' },
          events: [at(100, '/srv/app/reports/q3.md'), at(200, '/srv/app/notes.md'), at(300, '/srv/app/reports/q3.md', 'artifact'), at(400, 'other-q3.md')],
        },
      },
    ];
    await writeJournal(join(dir.path, 'journal'), await produce(runs));
    const query = async (...args: string[]): Promise<string[]> =>
      JSON.parse((await cli(['events', '--json', '--limit', '0', '--dir', join(dir.path, 'journal'), ...args])).stdout).map(
        (e: { type: string; body: string }) => `${e.type}: ${e.body}`,
      );
    expect(await query('--file', 'reports/q3.md')).toEqual(['file.change: file.change /srv/app/reports/q3.md', 'artifact: artifact /srv/app/reports/q3.md']);
    expect(await query('--file', '/srv/app/notes.md')).toEqual(['file.change: file.change /srv/app/notes.md']);
    expect(await query('--file', 'q3.md')).toHaveLength(2); // a path ending, not a substring: other-q3.md is not it
    expect((await query('--tool', 'label')).map((line) => line.split(':')[0])).toEqual(['tool.end']);
    const slow = JSON.parse((await cli(['events', '--json', '--limit', '0', '--slower-than', '2.9s', '--dir', join(dir.path, 'journal')])).stdout);
    expect(slow.map((e: { type: string; workflow: string; durationSeconds: number }) => [e.type, e.workflow, e.durationSeconds])).toEqual([
      ['run.end', 'triage', 3],
      ['run.end', 'edit', 9],
    ]);
    expect(await query('--type', 'tool.end', '--slower-than', '1h')).toEqual([]);
    expect((await cli(['events', '--slower-than', 'soon', '--dir', join(dir.path, 'journal')])).code).toBe(2);
  });

  test('filters by type (list and prefix), agent, run, outcome, time and text', async () => {
    await using dir = await journal({ batch: 3 });
    const types = async (...args: string[]): Promise<string[]> =>
      JSON.parse((await cli(['events', '--json', '--limit', '0', '--dir', dir.path, ...args])).stdout).map(
        (e: { type: string; agent?: string }) => `${e.type}${e.agent ? `@${e.agent}` : ''}`,
      );
    expect(await types('--type', 'tool.end')).toEqual(['tool.end@planner', 'tool.end@writer', 'tool.end@sorter']);
    expect(await types('--type', 'decision,financial')).toEqual(['decision@planner', 'financial@accountant']);
    expect(await types('-t', 'run.*', '-t', 'secret.access')).toEqual(['secret.access@writer', 'run.end', 'run.end', 'run.end']);
    expect(await types('--agent', 'writer')).toEqual(['secret.access@writer', 'tool.end@writer', 'agent.end@writer']);
    expect(await types('--run', BILLING.slice(0, 8))).toEqual(['financial@accountant', 'llm.end@accountant', 'agent.end@accountant', 'run.end']);
    expect(await types('--outcome', 'failure')).toEqual(['tool.end@writer', 'agent.end@writer', 'run.end']);
    expect(await types('--since', '2026-01-15T11:00:00Z', '--until', '2026-01-15T11:59:59Z')).toHaveLength(4);
    // Relative times count back from the CLI's clock (BASE + 24h in these tests): 13h ago = 21:00.
    expect(await types('--since', '13h')).toEqual([]);
    expect(await types('--since', '24h', '--until', '23h')).toHaveLength(8);
    expect(await types('--text', 'INVOICE')).toEqual(['financial@accountant']);
    expect(await types('--text', 'crm, prod', '--outcome', 'denied')).toEqual(['secret.access@writer']);
    expect(await types('--limit', '2')).toEqual(['agent.end@sorter', 'run.end']);
    const json = JSON.parse((await cli(['events', '--json', '--type', 'decision', '--dir', dir.path])).stdout);
    expect(json[0]).toMatchObject({
      time: '2026-01-15T10:00:00.800Z',
      type: 'decision',
      id: expect.stringMatching(/^evt-/),
      outcome: 'success',
      workflow: 'research',
      agent: 'planner',
      runId: RESEARCH,
      body: 'use web search, approved by lead',
    });
    expect(json[0].location).toMatch(/logs-0000000001\.jsonl:\d+$/);
  });

  test('bad option values are usage errors (exit 2)', async () => {
    await using dir = await journal();
    for (const args of [['--since', 'yesterday'], ['--limit', '-1'], ['--bogus'], ['extra']]) {
      const result = await cli(['events', ...args, '--dir', dir.path]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^swarmtrail events: [\s\S]*(Run 'swarmtrail events --help' for usage\.|Usage: swarmtrail events)/);
    }
  });
});

describe('stats', () => {
  test('totals, error rates, counts by type, percentiles and tokens', async () => {
    await using dir = await journal();
    const stats = JSON.parse((await cli(['stats', '--json', '--dir', dir.path])).stdout);
    expect({ ...stats, journal: undefined }).toMatchInlineSnapshot(`
      {
        "agents": [
          {
            "count": 1,
            "errorRate": 0,
            "errors": 0,
            "maxMs": 800,
            "meanMs": 800,
            "name": "accountant",
            "p50Ms": 796.3,
            "p95Ms": 796.3,
            "p99Ms": 796.3,
          },
          {
            "count": 1,
            "errorRate": 0,
            "errors": 0,
            "maxMs": 890,
            "meanMs": 890,
            "name": "planner",
            "p50Ms": 890,
            "p95Ms": 890,
            "p99Ms": 890,
          },
          {
            "count": 1,
            "errorRate": 0,
            "errors": 0,
            "maxMs": 2800,
            "meanMs": 2800,
            "name": "sorter",
            "p50Ms": 2772.602,
            "p95Ms": 2772.602,
            "p99Ms": 2772.602,
          },
          {
            "count": 1,
            "errorRate": 1,
            "errors": 1,
            "maxMs": 1400,
            "meanMs": 1400,
            "name": "writer",
            "p50Ms": 1386.378,
            "p95Ms": 1386.378,
            "p99Ms": 1386.378,
          },
        ],
        "events": {
          "byOutcome": {
            "denied": 1,
            "failure": 3,
            "success": 12,
          },
          "byType": {
            "agent.end": 4,
            "decision": 1,
            "financial": 1,
            "llm.end": 3,
            "run.end": 3,
            "secret.access": 1,
            "tool.end": 3,
          },
          "last24Hours": 16,
          "total": 16,
        },
        "firstRecord": "2026-01-15T10:00:00.000Z",
        "journal": undefined,
        "lastRecord": "2026-01-15T12:00:03.000Z",
        "models": [
          {
            "calls": 2,
            "inputTokens": 200,
            "model": "gpt-test",
            "outputTokens": 60,
          },
          {
            "calls": 1,
            "inputTokens": 10,
            "model": "small-model",
            "outputTokens": 5,
          },
        ],
        "operations": {
          "byKind": {
            "agent": 4,
            "llm": 3,
            "tool": 3,
            "workflow": 3,
          },
          "errorRate": 0.23076923076923078,
          "errors": 3,
          "source": "spans+audit",
          "total": 13,
        },
        "records": 25,
        "runs": {
          "error": 1,
          "errorRate": 0.3333333333333333,
          "ok": 2,
          "running": 0,
          "total": 3,
        },
        "segments": 2,
        "tools": [
          {
            "count": 1,
            "errorRate": 1,
            "errors": 1,
            "maxMs": 1200,
            "meanMs": 1200,
            "name": "fetch",
            "p50Ms": 1200,
            "p95Ms": 1200,
            "p99Ms": 1200,
          },
          {
            "count": 1,
            "errorRate": 0,
            "errors": 0,
            "maxMs": 500,
            "meanMs": 500,
            "name": "label",
            "p50Ms": 495.077,
            "p95Ms": 495.077,
            "p99Ms": 495.077,
          },
          {
            "count": 1,
            "errorRate": 0,
            "errors": 0,
            "maxMs": 300,
            "meanMs": 300,
            "name": "search",
            "p50Ms": 300,
            "p95Ms": 300,
            "p99Ms": 300,
          },
        ],
        "workflows": [
          {
            "count": 1,
            "errorRate": 0,
            "errors": 0,
            "maxMs": 1000,
            "meanMs": 1000,
            "name": "billing",
            "p50Ms": 990.099,
            "p95Ms": 990.099,
            "p99Ms": 990.099,
          },
          {
            "count": 1,
            "errorRate": 1,
            "errors": 1,
            "maxMs": 2500,
            "meanMs": 2500,
            "name": "research",
            "p50Ms": 2500,
            "p95Ms": 2500,
            "p99Ms": 2500,
          },
          {
            "count": 1,
            "errorRate": 0,
            "errors": 0,
            "maxMs": 3000,
            "meanMs": 3000,
            "name": "triage",
            "p50Ms": 3000,
            "p95Ms": 3000,
            "p99Ms": 3000,
          },
        ],
      }
    `);
    const human = await cli(['stats', '--dir', dir.path]);
    expect(human.stdout).toContain('Runs      3 (ok 2, error 1, running 0); error rate 33.3%');
    expect(human.stdout).toContain('16 audit events, 16 in the last 24 hours');
    // Two days later nothing is recent.
    const later = JSON.parse((await cli(['stats', '--json', '--dir', dir.path], { now: BASE + 3 * 86_400_000 })).stdout);
    expect(later.events.last24Hours).toBe(0);
  });

  test('without spans, operations come from the audit records', async () => {
    await using dir = await journal();
    const { unlink } = await import('node:fs/promises');
    await unlink(join(dir.path, 'traces-0000000001.jsonl'));
    const stats = JSON.parse((await cli(['stats', '--json', '--dir', dir.path])).stdout);
    expect(stats.operations).toEqual({
      source: 'audit',
      total: 13,
      errors: 3,
      errorRate: 3 / 13,
      byKind: { workflow: 3, agent: 4, tool: 3, llm: 3 },
    });
    expect(stats.tools.map((t: { name: string; count: number; errors: number }) => [t.name, t.count, t.errors])).toEqual([
      ['fetch', 1, 1],
      ['label', 1, 0],
      ['search', 1, 0],
    ]);
    expect(stats.models).toEqual([
      { model: 'gpt-test', calls: 2, inputTokens: 200, outputTokens: 60 },
      { model: 'small-model', calls: 1, inputTokens: 10, outputTokens: 5 },
    ]);
  });
});

describe('export', () => {
  test('json is an array of flat records; jsonl one per line', async () => {
    await using dir = await journal();
    const json = JSON.parse((await cli(['export', '--dir', dir.path])).stdout);
    expect(json).toHaveLength(9 + 16);
    expect(json.filter((r: { signal: string }) => r.signal === 'span')).toHaveLength(9);
    const lines = (await cli(['export', '--format', 'jsonl', '--signal', 'logs', '--dir', dir.path])).stdout.trim().split('\n');
    expect(lines).toHaveLength(16);
    expect(JSON.parse(lines[0])).toMatchObject({ signal: 'log', eventType: 'decision', outcome: 'success' });
  });

  test('csv escapes commas, quotes and newlines (RFC 4180)', async () => {
    await using dir = await journal();
    const csv = (await cli(['export', '--format', 'csv', '--signal', 'logs', '--type', 'x', '--dir', dir.path])).code;
    expect(csv).toBe(2); // --type is not an export option
    const result = await cli(['export', '--format', 'csv', '--signal', 'logs', '--dir', dir.path]);
    const rows = parseCsv(result.stdout);
    expect(rows[0].slice(0, 9)).toEqual(['signal', 'time', 'end_time', 'duration_ms', 'trace_id', 'span_id', 'parent_span_id', 'name', 'event_type']);
    expect(rows).toHaveLength(17);
    const header = rows[0];
    const secret = rows.find((row) => row[header.indexOf('event_type')] === 'secret.access')!;
    expect(secret[header.indexOf('body')]).toBe('key alias "crm, prod"');
    expect(result.stdout).toContain('"key alias ""crm, prod"""');
    expect(JSON.parse(secret[header.indexOf('attributes')])).toMatchObject({ 'audit.outcome': 'denied' });
  });

  test('csv neutralises text a spreadsheet would run as a formula; numbers stay numbers', () => {
    expect(csvField('=HYPERLINK("http://evil.test","x")')).toBe(`"'=HYPERLINK(""http://evil.test"",""x"")"`);
    expect(csvField('+1+1')).toBe("'+1+1");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField(-5)).toBe('-5');
    expect(csvField({ k: '=1' })).toBe('"{""k"":""=1""}"');
  });

  test('time range and run filters; --output writes a file', async () => {
    await using dir = await journal();
    const out = join(dir.path, '..', 'billing.json');
    const result = await cli(['export', '--run', BILLING.slice(0, 8), '--output', out, '--dir', dir.path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`exported 7 records (json) to ${out}\n`);
    const records = JSON.parse(await readFile(out, 'utf8'));
    expect(new Set(records.map((r: { traceId: string }) => r.traceId))).toEqual(new Set([BILLING]));
    const ranged = JSON.parse(
      (await cli(['export', '--since', '2026-01-15T12:00:00Z', '--dir', dir.path])).stdout,
    );
    expect(ranged.every((r: { time: string }) => r.time >= '2026-01-15T12:00:00')).toBe(true);
    expect(ranged).toHaveLength(4);
  });

  test('otlp output is OTLP/JSON the reader (and a collector) reads back', async () => {
    await using dir = await journal({ batch: 3 });
    const full = await cli(['export', '--format', 'otlp', '--dir', dir.path]);
    const out = join(dir.path, '..', 'export.jsonl');
    await writeFile(out, full.stdout);
    const reader = new JournalReader(out);
    // A single file holds one signal's lines: traces come first in the export.
    let count = 0;
    for await (const _ of reader.records()) count += 1;
    expect(count).toBe(9);
    const lines = full.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.filter((l) => 'resourceSpans' in l)).toHaveLength(3);
    expect(lines.filter((l) => 'resourceLogs' in l)).toHaveLength(6);
    const filtered = await cli(['export', '--format', 'otlp', '--run', TRIAGE.slice(0, 8), '--dir', dir.path]);
    const kept = filtered.stdout.trim().split('\n').map((line) => JSON.parse(line));
    const ids = kept.flatMap((l) => l.resourceLogs[0].scopeLogs.flatMap((s: { logRecords: Array<{ traceId: string }> }) => s.logRecords.map((r) => r.traceId)));
    expect(ids).toHaveLength(4);
    expect(new Set(ids)).toEqual(new Set([TRIAGE]));
  });
});

describe('global behaviour', () => {
  test('a missing journal: exit 1 and what to do', async () => {
    await using dir = await temporaryDirectory();
    const result = await cli(['runs'], { cwd: dir.path });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: no journal at ${join(dir.path, '.swarmtrail/journal')} (it does not exist).\n` +
        '  The journal is written by an application started with swarmtrail (try `npm run demo`).\n' +
        '  Point the CLI elsewhere with --dir <path> or SWARMTRAIL_JOURNAL_DIR.\n',
    );
  });

  test('SWARMTRAIL_JOURNAL_DIR and relative --dir resolve against cwd', async () => {
    await using dir = await journal();
    const parent = join(dir.path, '..');
    expect((await cli(['runs', '--json'], { cwd: parent, env: { SWARMTRAIL_JOURNAL_DIR: 'journal' } })).code).toBe(0);
    expect((await cli(['runs', '--json', '--dir', 'journal'], { cwd: parent })).code).toBe(0);
    // SWARMTRAIL_DIR is the SDK's trail directory: the journal is its journal/ sub-directory.
    expect(JSON.parse((await cli(['runs', '--json'], { cwd: '/', env: { SWARMTRAIL_DIR: parent } })).stdout)).toHaveLength(3);
    // --dir wins over the environment.
    expect((await cli(['runs', '--dir', join(parent, 'none')], { env: { SWARMTRAIL_JOURNAL_DIR: dir.path } })).code).toBe(1);
    await mkdir(join(parent, '.swarmtrail'), { recursive: true });
    const { rename } = await import('node:fs/promises');
    await rename(dir.path, join(parent, '.swarmtrail', 'journal'));
    const byDefault = JSON.parse((await cli(['runs', '--json'], { cwd: parent })).stdout);
    expect(byDefault).toHaveLength(3);
    await rename(join(parent, '.swarmtrail', 'journal'), dir.path);
  });

  test('corrupt lines are reported on stderr and the command goes on', async () => {
    await using dir = await journal({ batch: 2 });
    const logs = join(dir.path, 'logs-0000000001.jsonl');
    const text = await readFile(logs, 'utf8');
    await writeFile(logs, `not json\n${text}{"resourceLogs":[`);
    for (let round = 0; round < 2; round += 1) {
      // The second round uses the cached summaries and still reports.
      const result = await cli(['runs', '--json', '--dir', dir.path]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toHaveLength(3);
      expect(result.stderr).toBe(
        'warning: skipped 2 unreadable line(s); the rest was read:\n' +
          `  ${logs}:1: not valid JSON (Unexpected token 'o', "not json" is not valid JSON)\n` +
          `  ${logs}:10: unterminated last line (torn write, or still being written)\n`,
      );
    }
  });

  test('colour only on a TTY, never with NO_COLOR or --json', async () => {
    await using dir = await journal();
    const ESC = '\u001b[';
    expect((await cli(['runs', '--dir', dir.path])).stdout).not.toContain(ESC);
    expect((await cli(['runs', '--dir', dir.path], { tty: true })).stdout).toContain(ESC);
    expect((await cli(['runs', '--dir', dir.path], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(ESC);
    expect((await cli(['runs', '--no-color', '--dir', dir.path], { tty: true })).stdout).not.toContain(ESC);
    expect((await cli(['runs', '--json', '--dir', dir.path], { tty: true })).stdout).not.toContain(ESC);
  });

  test('help for everything; unknown commands are usage errors', async () => {
    const general = await cli(['--help']);
    expect(general.code).toBe(0);
    for (const command of COMMANDS) {
      expect(general.stdout).toContain(`  ${command.name}`);
      const help = await cli([command.name, '--help']);
      expect(help.code, command.name).toBe(0);
      expect(help.stdout).toContain(`Usage: swarmtrail ${command.usage}`);
      expect(help.stdout).toContain('--dir <path>');
    }
    expect((await cli([])).code).toBe(2);
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^swarmtrail: unknown command 'frobnicate'/);
  });

  test('the index lives in .index/ next to the segments and follows them', async () => {
    await using dir = await journal();
    await cli(['runs', '--dir', dir.path]);
    expect((await readdir(join(dir.path, '.index'))).sort()).toEqual([
      'logs-0000000001.jsonl.summary.json',
      'traces-0000000001.jsonl.summary.json',
    ]);
  });
});

/** A small RFC 4180 parser, to check the export the way a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += c;
  }
  return rows;
}
