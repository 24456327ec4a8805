import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeCursor } from '../../src/journal/cursor.js';
import { BASE, cli, produce, standardRuns, temporaryDirectory, writeJournal } from './fixtures.js';

const DAY = 86_400_000;
const NOW = BASE + 40 * DAY;

async function segmentsIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /^(traces|logs)-/.test(name)).sort();
}

async function fixture(dir: string): Promise<string[]> {
  // 3 trace segments and 6 log segments, all from BASE (40 days before NOW).
  return (await writeJournal(dir, await produce(standardRuns()), { batch: 1, linesPerSegment: 3 })).sort();
}

describe('prune', () => {
  test('without endpoint or cursor the journal is the destination: old closed segments go, the newest stays', async () => {
    await using dir = await temporaryDirectory();
    const all = await fixture(dir.path);
    const dry = await cli(['prune', '--older-than', '30d', '--dry-run', '--json', '--dir', dir.path], { now: NOW });
    const plan = JSON.parse(dry.stdout);
    expect(plan.mode).toBe('embedded');
    expect(await segmentsIn(dir.path)).toEqual(all);
    const result = await cli(['prune', '--older-than', '30d', '--dir', dir.path], { now: NOW });
    expect(result.code).toBe(0);
    const newestTraces = all.filter((n) => n.startsWith('traces')).at(-1)!;
    const newestLogs = all.filter((n) => n.startsWith('logs')).at(-1)!;
    expect(await segmentsIn(dir.path)).toEqual([newestLogs, newestTraces].sort());
    expect(plan.segments.filter((s: { action: string }) => s.action === 'delete')).toHaveLength(all.length - 2);
    expect(result.stdout).toMatch(/^deleted \d+ of \d+ segments/);
    // Their summaries went with them.
    expect((await readdir(join(dir.path, '.index'))).sort()).toEqual([`${newestLogs}.summary.json`, `${newestTraces}.summary.json`].sort());
  });

  test('nothing younger than the retention is deleted', async () => {
    await using dir = await temporaryDirectory();
    const all = await fixture(dir.path);
    await cli(['prune', '--older-than', '60d', '--dir', dir.path], { now: NOW });
    expect(await segmentsIn(dir.path)).toEqual(all);
  });

  test('with an endpoint and no cursor, nothing counts as shipped: kept unless --force', async () => {
    await using dir = await temporaryDirectory();
    const all = await fixture(dir.path);
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    const kept = await cli(['prune', '--older-than', '30d', '--json', '--dir', dir.path], { now: NOW, env });
    const report = JSON.parse(kept.stdout);
    expect(report.mode).toBe('unshipped');
    expect(report.segments.every((s: { action: string }) => s.action === 'keep')).toBe(true);
    expect(await segmentsIn(dir.path)).toEqual(all);
    await cli(['prune', '--older-than', '30d', '--force', '--dir', dir.path], { now: NOW, env });
    expect(await segmentsIn(dir.path)).toHaveLength(2);
  });

  test('with the shipper cursor only shipped segments are deleted', async () => {
    await using dir = await temporaryDirectory();
    const all = await fixture(dir.path);
    // Traces shipped up to segment 2 (segment 1 complete); logs up to the middle of segment 3.
    await writeCursor(dir.path, {
      version: 1,
      signals: { traces: { segment: 2, offset: 0 }, logs: { segment: 3, offset: 10 } },
      deadLetters: [],
      updatedAt: new Date(NOW).toISOString(),
    });
    const result = await cli(['prune', '--older-than', '30d', '--json', '--dir', dir.path], { now: NOW });
    const report = JSON.parse(result.stdout);
    expect(report.mode).toBe('cursor');
    const deleted = report.segments.filter((s: { action: string }) => s.action === 'delete').map((s: { segment: string }) => s.segment);
    expect(deleted).toEqual(['traces-0000000001.jsonl', 'logs-0000000001.jsonl', 'logs-0000000002.jsonl']);
    const unshipped = report.segments.find((s: { segment: string }) => s.segment === 'logs-0000000003.jsonl');
    expect(unshipped.reason).toMatch(/not yet shipped/);
    expect(await segmentsIn(dir.path)).toEqual(all.filter((n) => !deleted.includes(n)));
  });

  test('segments with dead-lettered lines are kept; the cursor may name segments by file', async () => {
    await using dir = await temporaryDirectory();
    await fixture(dir.path);
    await writeFile(
      join(dir.path, 'cursor.json'),
      JSON.stringify({
        version: 1,
        signals: { logs: { segment: 'logs-0000000004.jsonl', offset: 0 } },
        deadLetters: [{ signal: 'logs', segment: 2, offset: 0, endOffset: 100, records: 1, status: 400, reason: 'bad', at: '' }],
      }),
    );
    const report = JSON.parse((await cli(['prune', '--older-than', '30d', '--json', '--dir', dir.path], { now: NOW })).stdout);
    const deleted = report.segments.filter((s: { action: string }) => s.action === 'delete').map((s: { segment: string }) => s.segment);
    expect(deleted).toEqual(['logs-0000000001.jsonl', 'logs-0000000003.jsonl']);
    expect(report.segments.find((s: { segment: string }) => s.segment === 'logs-0000000002.jsonl').reason).toMatch(/not yet shipped/);
    expect(report.segments.find((s: { segment: string }) => s.segment === 'traces-0000000001.jsonl').reason).toMatch(/not yet shipped/);
  });

  test('--older-than is required; a broken cursor is an error and deletes nothing', async () => {
    await using dir = await temporaryDirectory();
    const all = await fixture(dir.path);
    expect((await cli(['prune', '--dir', dir.path])).code).toBe(2);
    expect((await cli(['prune', '--older-than', 'soon', '--dir', dir.path])).code).toBe(2);
    await writeFile(join(dir.path, 'cursor.json'), '{"traces":');
    const broken = await cli(['prune', '--older-than', '1d', '--dir', dir.path], { now: NOW });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/cursor\.json is not valid JSON/);
    expect(await segmentsIn(dir.path)).toEqual(all);
  });
});
