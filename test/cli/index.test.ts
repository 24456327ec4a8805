import { appendFile, readFile, readdir, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { JournalIndex, mergeTraces, summarizeSegment, toRunSummary, type SegmentSummary } from '../../src/journal/JournalIndex.js';
import { listSegments } from '../../src/journal/JournalReader.js';
import { cli, logLine, produce, standardRuns, temporaryDirectory, traceLine, writeJournal } from './fixtures.js';

/** Summaries minus file identity, to compare incremental and full builds. */
function comparable(summary: SegmentSummary): unknown {
  const { size: _size, mtimeMs: _mtime, ...rest } = JSON.parse(JSON.stringify(summary)) as SegmentSummary;
  return rest;
}

describe('JournalIndex', () => {
  test('an appended segment is updated incrementally to exactly what a full rebuild gives', async () => {
    await using dir = await temporaryDirectory();
    const first = await produce(standardRuns().slice(0, 2), 1);
    const second = await produce(standardRuns().slice(2), 2);
    await writeJournal(dir.path, first, { batch: 3 });
    const index = new JournalIndex(dir.path);
    await index.summaries(await listSegments(dir.path));
    // Append the second batch plus a torn tail; then complete the tail.
    const logs = join(dir.path, 'logs-0000000001.jsonl');
    const tail = logLine(second.logs.slice(2));
    await appendFile(logs, `${logLine(second.logs.slice(0, 2))}\n${tail.slice(0, 30)}`);
    const torn = (await index.summaries(await listSegments(dir.path)))[1];
    expect(torn.tornLine).toBeDefined();
    await appendFile(logs, `${tail.slice(30)}\n`);
    await appendFile(join(dir.path, 'traces-0000000001.jsonl'), `${traceLine(second.spans)}\n`);
    const segments = await listSegments(dir.path);
    const incremental = await index.summaries(segments);
    const full = await Promise.all(segments.map((segment) => summarizeSegment(segment)));
    expect(incremental.map(comparable)).toEqual(full.map(comparable));
    expect(incremental[1].tornLine).toBeUndefined();
    const runs = [...mergeTraces(incremental)].map(([id, trace]) => toRunSummary(id, trace)?.workflow);
    expect(runs.sort()).toEqual(['billing', 'research', 'triage']);
  });

  test('a summary is rebuilt when its segment changes in place, and dropped when it goes away', async () => {
    await using dir = await temporaryDirectory();
    await writeJournal(dir.path, await produce(standardRuns()), { batch: 3, linesPerSegment: 2 });
    expect((await cli(['runs', '--json', '--dir', dir.path])).code).toBe(0);
    const summaries = await readdir(join(dir.path, '.index'));
    expect(summaries.length).toBe((await listSegments(dir.path)).length);
    // Compress a closed segment: its summary is rebuilt for the .gz, under the same name.
    const plain = join(dir.path, 'logs-0000000001.jsonl');
    await writeFile(`${plain}.gz`, gzipSync(await readFile(plain)));
    await unlink(plain);
    const before = JSON.parse((await cli(['events', '--json', '--limit', '0', '--dir', dir.path])).stdout);
    expect(before).toHaveLength(16);
    const cached = JSON.parse(await readFile(join(dir.path, '.index', 'logs-0000000001.jsonl.summary.json'), 'utf8'));
    expect(cached.name).toBe('logs-0000000001.jsonl.gz');
    // Rewrite a segment with different content but the same size and a new mtime: rebuilt.
    const traces = join(dir.path, 'traces-0000000001.jsonl');
    const text = await readFile(traces, 'utf8');
    await writeFile(traces, text.replace('"invoke_workflow research"', '"invoke_workflow researcX"'));
    const later = new Date((await stat(traces)).mtimeMs + 5000);
    await utimes(traces, later, later);
    const shown = JSON.parse((await cli(['show', '000003e9', '--json', '--dir', dir.path])).stdout);
    expect(shown.spans[0].name).toBe('invoke_workflow researcX');
    // Delete a segment: its summary goes too.
    await unlink(join(dir.path, 'logs-0000000002.jsonl.gz').replace('.gz', ''));
    await cli(['runs', '--dir', dir.path]);
    expect(await readdir(join(dir.path, '.index'))).not.toContain('logs-0000000002.jsonl.summary.json');
  });

  test('a read-only or single-file journal works without writing an index', async () => {
    await using dir = await temporaryDirectory();
    await writeJournal(dir.path, await produce(standardRuns()));
    await rename(join(dir.path, 'logs-0000000001.jsonl'), join(dir.path, 'audit-export.jsonl'));
    const single = await cli(['events', '--json', '--limit', '0', '--dir', join(dir.path, 'audit-export.jsonl')]);
    expect(JSON.parse(single.stdout)).toHaveLength(16);
    expect(await readdir(dir.path)).not.toContain('.index');
  });
});

describe('blocks of compressed segments', () => {
  test('events and show read many blocks of a .gz segment in one pass and match the plain segment', async () => {
    await using dir = await temporaryDirectory();
    const runs = Array.from({ length: 300 }, (_, i) => standardRuns()[i % 3]).map((run, i) => ({ ...run, base: run.base + i * 10_000_000 }));
    const telemetry = await produce(runs, 3);
    const plain = join(dir.path, 'plain');
    const compressed = join(dir.path, 'compressed');
    await writeJournal(plain, telemetry, { batch: 16 });
    // Two segments per signal; the first is gzipped and several blocks long.
    await writeJournal(compressed, telemetry, { batch: 16, linesPerSegment: 80, compressClosed: true });
    await cli(['runs', '--dir', compressed]);
    const summary = JSON.parse(await readFile(join(compressed, '.index', 'logs-0000000001.jsonl.summary.json'), 'utf8'));
    expect(summary.name).toBe('logs-0000000001.jsonl.gz');
    expect(summary.blocks.length).toBeGreaterThan(2);
    const strip = (text: string, root: string): unknown =>
      JSON.parse(text).map((event: { location: string }) => ({ ...event, location: undefined, file: event.location.slice(root.length).split(':')[0].replace(/-\d+\.jsonl(\.gz)?$/, '') }));
    for (const args of [['--type', 'decision,secret.access'], ['--limit', '7'], ['--outcome', 'failure', '--limit', '0']]) {
      const fromPlain = await cli(['events', '--json', ...args, '--dir', plain]);
      const fromCompressed = await cli(['events', '--json', ...args, '--dir', compressed]);
      expect(strip(fromCompressed.stdout, compressed), args.join(' ')).toEqual(strip(fromPlain.stdout, plain));
    }
    const ids = JSON.parse((await cli(['runs', '--json', '--limit', '0', '--dir', plain])).stdout).map((r: { runId: string }) => r.runId);
    for (const id of [ids[ids.length - 1], ids[ids.length - 40], ids[0]]) {
      const a = JSON.parse((await cli(['show', id, '--json', '--dir', plain])).stdout);
      const b = JSON.parse((await cli(['show', id, '--json', '--dir', compressed])).stdout);
      expect(JSON.stringify(b).replace(/"location":"[^"]*"/g, '')).toBe(JSON.stringify(a).replace(/"location":"[^"]*"/g, ''));
      expect(a.spans.length + a.events.length).toBeGreaterThan(0);
    }
  });
});
