import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonAttributes, OtlpReceiver } from '../helpers/otlpReceiver.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const demo = join(root, 'dist/examples/demo-swarm.js');

describe('the demo swarm exported over OTLP/HTTP JSON', () => {
  const receiver = new OtlpReceiver();
  let stdout = '';
  let cwd = '';

  beforeAll(async () => {
    if (!existsSync(demo)) throw new Error(`${demo} is missing: run \`npm run build\` first (npm test does)`);
    await receiver.start();
    cwd = mkdtempSync(join(tmpdir(), 'swarmtrail-demo-'));
    ({ stdout } = await run(process.execPath, [demo], {
      cwd,
      timeout: 60_000,
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SDK_DISABLED: 'false' },
    }));
  });
  afterAll(async () => {
    await receiver.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('prints the run id and where the trail went', () => {
    expect(stdout).toMatch(/run [0-9a-f]{32} \(research-report\) finished/);
    expect(stdout).toContain(`trail:    OTLP http/json ${receiver.url}`);
  });

  it('sends one trace with the right parent/child tree and GenAI names', () => {
    const spans = receiver.spans();
    const runId = /run ([0-9a-f]{32})/.exec(stdout)![1];
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([runId]));
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const tree = (span: (typeof spans)[number]): string => {
      const parent = byId.get(span.parentSpanId);
      return parent === undefined ? span.name : `${tree(parent)} > ${span.name}`;
    };
    expect(spans.map(tree).sort()).toEqual([
      'invoke_workflow research-report',
      'invoke_workflow research-report > invoke_agent planner',
      'invoke_workflow research-report > invoke_agent planner > chat gpt-4o-mini',
      'invoke_workflow research-report > invoke_agent researcher-1',
      'invoke_workflow research-report > invoke_agent researcher-1 > chat gpt-4o-mini',
      'invoke_workflow research-report > invoke_agent researcher-1 > execute_tool web_search',
      'invoke_workflow research-report > invoke_agent researcher-2',
      'invoke_workflow research-report > invoke_agent researcher-2 > chat gpt-4o-mini',
      'invoke_workflow research-report > invoke_agent researcher-2 > execute_tool web_search',
      'invoke_workflow research-report > invoke_agent researcher-2 > execute_tool web_search',
      'invoke_workflow research-report > invoke_agent researcher-3',
      'invoke_workflow research-report > invoke_agent researcher-3 > chat gpt-4o-mini',
      'invoke_workflow research-report > invoke_agent researcher-3 > execute_tool web_search',
      'invoke_workflow research-report > invoke_agent writer',
      'invoke_workflow research-report > invoke_agent writer > chat gpt-4o-mini',
      'invoke_workflow research-report > invoke_agent writer > execute_tool write_file',
    ]);
    const failed = spans.filter((span) => span.statusCode === 2);
    expect(failed.map((span) => [span.name, span.attributes['error.type']])).toEqual([['execute_tool web_search', 'TransientSearchError']]);
    for (const span of spans.filter((s) => s.name.startsWith('chat '))) {
      expect(span.kind).toBe(3); // CLIENT
      expect(span.attributes['gen_ai.provider.name']).toBe('openai');
      expect(span.attributes['gen_ai.request.model']).toBe('gpt-4o-mini');
      expect(Number(span.attributes['gen_ai.usage.input_tokens'])).toBeGreaterThan(0);
      expect(Number(span.attributes['gen_ai.usage.output_tokens'])).toBeGreaterThan(0);
    }
    expect(spans[0].resource['service.name']).toBe('swarmtrail-demo');
  });

  it('links the researchers and the writer to the planner, and the writer\'s model call to the researchers', () => {
    const spans = receiver.spans();
    // The decoded spans carry no links: read them from the OTLP/JSON requests themselves.
    type JsonLink = { traceId: string; spanId: string; attributes?: Parameters<typeof jsonAttributes>[0] };
    type JsonSpan = { spanId: string; links?: JsonLink[] };
    type JsonTraces = { resourceSpans?: { scopeSpans?: { spans?: JsonSpan[] }[] }[] };
    const linksBySpan = new Map<string, JsonLink[]>();
    for (const request of receiver.on('/v1/traces')) {
      const body = JSON.parse(request.body.toString('utf8')) as JsonTraces;
      for (const resource of body.resourceSpans ?? []) {
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) if ((span.links ?? []).length > 0) linksBySpan.set(span.spanId, span.links!);
        }
      }
    }
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const described = [...linksBySpan.entries()]
      .map(([spanId, links]) => {
        const span = byId.get(spanId)!;
        const parent = byId.get(span.parentSpanId);
        const where = span.name.startsWith('chat ') ? `${parent?.name} > ${span.name}` : span.name;
        const targets = links.map((link) => {
          expect(link.traceId).toBe(span.traceId);
          return `${byId.get(link.spanId)?.name ?? 'unknown span'} (${String(jsonAttributes(link.attributes)['swarmtrail.handoff'])})`;
        });
        return `${where} -> ${targets.sort().join(', ')}`;
      })
      .sort();
    expect(described).toEqual([
      'invoke_agent researcher-1 -> invoke_agent planner (plan)',
      'invoke_agent researcher-2 -> invoke_agent planner (plan)',
      'invoke_agent researcher-3 -> invoke_agent planner (plan)',
      'invoke_agent writer -> invoke_agent planner (plan)',
      'invoke_agent writer > chat gpt-4o-mini -> invoke_agent researcher-1 (finding), invoke_agent researcher-2 (finding), invoke_agent researcher-3 (finding)',
    ]);
  });

  it('sends one audit record per span plus the explicit events, all carrying the trace id', () => {
    const spans = receiver.spans();
    const all = receiver.logRecords();
    const runId = spans[0].traceId;
    // Outside the run: the SDK's system.start/stop records and the final checkpoint of their chain.
    const outside = all.filter((record) => record.traceId !== runId);
    expect(outside.map((record) => [record.eventName, record.traceId ?? ''])).toEqual([
      ['audit.system.start', ''],
      ['audit.system.stop', ''],
      ['audit.checkpoint', ''],
    ]);
    const records = all.filter((record) => record.traceId === runId);
    const spanRecords = records.filter((record) => String(record.eventName).endsWith('.end'));
    expect(spanRecords.map((record) => record.spanId).sort()).toEqual(spans.map((span) => span.spanId).sort());
    // Runs and agents also say when they started, so a run cut short by a crash is in the audit log.
    const startRecords = records.filter((record) => String(record.eventName).endsWith('.start'));
    const started = spans.filter((span) => ['invoke_workflow', 'invoke_agent'].includes(span.attributes['gen_ai.operation.name'] as string));
    expect(startRecords.map((record) => record.spanId).sort()).toEqual(started.map((span) => span.spanId).sort());
    expect(startRecords.map((record) => record.eventName).sort()).toEqual(['audit.agent.start', 'audit.agent.start', 'audit.agent.start', 'audit.agent.start', 'audit.agent.start', 'audit.run.start']);
    const explicit = records.filter((record) => !/\.(?:end|start)$/.test(String(record.eventName))).map((record) => record.eventName).sort();
    expect(explicit).toEqual([
      'audit.api.call',
      'audit.artifact',
      'audit.checkpoint',
      'audit.command',
      'audit.component',
      'audit.decision',
      'audit.error',
      'audit.file.change',
      'audit.financial',
      'audit.secret.access',
      'audit.thought',
    ]);
    const secret = records.find((record) => record.eventName === 'audit.secret.access')!;
    expect(secret.attributes['audit.outcome']).toBe('denied');
    expect(secret.attributes['gen_ai.agent.name']).toBe('researcher-3');
    const api = records.find((record) => record.eventName === 'audit.api.call')!;
    expect(api.attributes['url.full']).toContain('api_key=REDACTED');
    expect(new Set(records.map((record) => record.attributes['audit.event.id'])).size).toBe(records.length);
  });

  it('sends the token and duration metrics with the values the run produced', () => {
    const spans = receiver.spans();
    const metrics = receiver.jsonMetrics();
    const sum = (key: string) => spans.reduce((total, span) => total + Number(span.attributes[key] ?? 0), 0);
    const tokens = metrics.get('gen_ai.client.token.usage') as { attributes: unknown; sum: number; count: string | number }[];
    expect(tokens).toBeDefined();
    const byType = (type: string) =>
      tokens
        .filter((point) => JSON.stringify(point.attributes).includes(`"stringValue":"${type}"`))
        .reduce((total, point) => total + point.sum, 0);
    expect(byType('input')).toBe(sum('gen_ai.usage.input_tokens'));
    expect(byType('output')).toBe(sum('gen_ai.usage.output_tokens'));
    const durations = metrics.get('gen_ai.client.operation.duration') as { count: string | number }[];
    expect(durations.reduce((total, point) => total + Number(point.count), 0)).toBe(5);
    const tools = metrics.get('swarmtrail.tool.duration') as { count: string | number }[];
    expect(tools.reduce((total, point) => total + Number(point.count), 0)).toBe(5);
    expect(metrics.has('swarmtrail.workflow.duration')).toBe(true);
    expect(metrics.has('swarmtrail.agent.duration')).toBe(true);
    expect(metrics.has('swarmtrail.audit.events')).toBe(true);
  });
});
