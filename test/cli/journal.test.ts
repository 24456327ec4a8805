/**
 * End to end with the real journal writer (src/journal/Journal.ts): what it writes, rotated and
 * gzip-compressed, is what the CLI reads, including while a writer is still appending.
 */
import { readdir } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { Journal } from '../../src/journal/Journal.js';
import { cli, produce, standardRuns, temporaryDirectory } from './fixtures.js';

test('runs, show, events and stats over a journal the writer rotated and compressed', async () => {
  await using dir = await temporaryDirectory();
  const telemetry = await produce(standardRuns());
  const journal = new Journal({ directory: dir.path, maxBatchRecords: 3, maxSegmentBytes: 2048, durability: 'none' });
  for (const span of telemetry.spans) journal.appendSpan(span);
  for (const record of telemetry.logs.slice(0, 10)) journal.appendLogRecord(record);
  await journal.flush();
  // Mid-run: the CLI reads what is there while the writer holds the directory.
  const partial = JSON.parse((await cli(['events', '--json', '--limit', '0', '--dir', dir.path])).stdout);
  expect(partial).toHaveLength(10);
  for (const record of telemetry.logs.slice(10)) journal.appendLogRecord(record);
  await journal.shutdown();
  const names = await readdir(dir.path);
  expect(names.some((name) => name.endsWith('.jsonl.gz'))).toBe(true);
  const runs = await cli(['runs', '--json', '--dir', dir.path]);
  expect(runs.stderr).toBe('');
  expect(JSON.parse(runs.stdout).map((r: { workflow: string; status: string; source: string }) => [r.workflow, r.status, r.source])).toEqual([
    ['triage', 'ok', 'audit'],
    ['billing', 'ok', 'spans'],
    ['research', 'error', 'spans'],
  ]);
  const shown = JSON.parse((await cli(['show', '000003e9', '--json', '--dir', dir.path])).stdout);
  expect(shown.spans[0].children.map((c: { name: string }) => c.name)).toEqual(['invoke_agent planner', 'invoke_agent writer']);
  const events = JSON.parse((await cli(['events', '--json', '--limit', '0', '--dir', dir.path])).stdout);
  expect(events.map((e: { id: string }) => e.id).sort()).toEqual(telemetry.logs.map((l) => String(l.attributes['audit.event.id'])).sort());
  const stats = JSON.parse((await cli(['stats', '--json', '--dir', dir.path])).stdout);
  expect(stats.operations).toMatchObject({ total: 13, errors: 3, source: 'spans+audit' });
});
