/**
 * The journal writer's summary index: every segment the writer closes (and compresses) gets the
 * summary the CLI would build, stored under `<dir>/.index/` keyed by the final file, so a query
 * reads no closed segment; a stale, corrupt or missing summary only costs a rebuild.
 */
import { cp, readFile, readdir, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { Journal, type JournalOptions } from '../../src/journal/Journal.js';
import {
  INDEX_DIRECTORY,
  readSummaryFile,
  summarizeSegment,
  summaryMatches,
  type SegmentSummary,
} from '../../src/journal/JournalIndex.js';
import { listSegments, type JournalSegment } from '../../src/journal/JournalReader.js';
import { cli, produce, standardRuns, temporaryDirectory, type Telemetry } from '../cli/fixtures.js';

/** Telemetry of 3 x 3 runs from two services (two resources, interleaved in the journal). */
async function telemetry(): Promise<Telemetry[]> {
  return [
    await produce(standardRuns(), 1, 'swarm-a'),
    await produce(standardRuns(), 2, 'swarm-b'),
    await produce(standardRuns(), 3, 'swarm-a'),
  ];
}

/** Appends the telemetry interleaved (one record from each in turn), flushing now and then. */
async function append(journal: Journal, all: readonly Telemetry[]): Promise<void> {
  const spans = all.map((t) => [...t.spans]);
  const logs = all.map((t) => [...t.logs]);
  let appended = 0;
  while (spans.some((list) => list.length > 0) || logs.some((list) => list.length > 0)) {
    for (let i = 0; i < all.length; i += 1) {
      const span = spans[i].shift();
      if (span !== undefined) journal.appendSpan(span);
      const record = logs[i].shift();
      if (record !== undefined) journal.appendLogRecord(record);
      appended += 1;
      if (appended % 7 === 0) await journal.flush();
    }
  }
  await journal.flush();
}

const SMALL: JournalOptions = { maxBatchRecords: 3, maxSegmentBytes: 3000, durability: 'none' };

/** A summary as JSON would store it, without the file identity (for comparing builds). */
function content(summary: SegmentSummary): unknown {
  return JSON.parse(JSON.stringify(summary));
}

/** Overwrites a file with garbage of the same size and restores its mtime: its summary still matches. */
async function garble(path: string): Promise<void> {
  const before = await stat(path);
  await writeFile(path, Buffer.alloc(before.size, 0x78));
  await utimes(path, before.atimeMs / 1000, before.mtimeMs / 1000);
  const after = await stat(path);
  expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
}

/** What the CLI answers; `dir` must exist. */
async function answers(dir: string): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const [name, argv] of Object.entries({
    runs: ['runs', '--json', '--limit', '0'],
    stats: ['stats', '--json'],
    events: ['events', '--type', 'tool.end,decision', '--json', '--limit', '0'],
    show: ['show', '000007d1', '--json'],
  })) {
    const run = await cli([...argv, '--dir', dir]);
    expect(run.stderr, name).toBe('');
    expect(run.code, name).toBe(0);
    result[name] = JSON.parse(run.stdout);
  }
  return result;
}

/** Answers of the CLI over a copy of `dir` without any stored summary (the CLI builds them all). */
async function answersWithoutIndex(dir: string, scratch: string): Promise<Record<string, unknown>> {
  const copy = join(scratch, 'copy');
  await rm(copy, { recursive: true, force: true });
  await cp(dir, copy, { recursive: true });
  await rm(join(copy, INDEX_DIRECTORY), { recursive: true, force: true });
  const result = await answers(copy);
  // `location` names the file read: make it relative to the journal.
  return JSON.parse(JSON.stringify(result).replaceAll(copy, dir)) as Record<string, unknown>;
}

async function segmentsOf(dir: string): Promise<JournalSegment[]> {
  return listSegments(dir);
}

let restoreLogger: (() => void) | undefined;
afterEach(() => {
  restoreLogger?.();
  restoreLogger = undefined;
});

function captureDiag(): string[] {
  const messages: string[] = [];
  const keep = (message: string): void => {
    messages.push(message);
  };
  const logger: DiagLogger = { error: keep, warn: keep, info: keep, debug: () => undefined, verbose: () => undefined };
  diag.setLogger(logger, { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true });
  restoreLogger = () => diag.disable();
  return messages;
}

describe('summaries written by the journal writer', () => {
  test('every segment has a valid summary equal to what the CLI builds, and answers are the same', async () => {
    await using scratch = await temporaryDirectory();
    const dir = join(scratch.path, 'journal');
    const journal = new Journal({ directory: dir, ...SMALL });
    await append(journal, await telemetry());
    await journal.shutdown();
    const segments = await segmentsOf(dir);
    expect(segments.filter((segment) => segment.compressed).length).toBeGreaterThanOrEqual(4);
    expect(new Set(segments.map((segment) => segment.signal))).toEqual(new Set(['traces', 'logs']));
    for (const segment of segments) {
      const stored = await readSummaryFile(dir, segment.baseName);
      expect(stored, segment.name).toBeDefined();
      expect(summaryMatches(stored!, segment), segment.name).toBe(true);
      // Built while writing = built by reading the file.
      expect(content(stored!), segment.name).toEqual(content(await summarizeSegment(segment)));
    }
    expect(await answers(dir)).toEqual(await answersWithoutIndex(dir, scratch.path));
  });

  test('while the writer runs, closed segments are summarised once it is quiet, and queries read no closed segment', async () => {
    await using scratch = await temporaryDirectory();
    const dir = join(scratch.path, 'journal');
    const all = await telemetry();
    const journal = new Journal({ directory: dir, ...SMALL });
    try {
      await append(journal, all);
      // While the writer runs: closed segments are compressed and indexed in the background.
      const closed = async (): Promise<JournalSegment[]> => (await segmentsOf(dir)).filter((segment) => segment.compressed);
      await vi.waitFor(
        async () => {
          // Only the open segment of each signal is left uncompressed...
          expect((await segmentsOf(dir)).filter((segment) => !segment.compressed).length).toBe(2);
          // ...and every closed one has its summary.
          const segments = await closed();
          expect(segments.length).toBeGreaterThanOrEqual(4);
          for (const segment of segments) expect(summaryMatches((await readSummaryFile(dir, segment.baseName))!, segment)).toBe(true);
        },
        { timeout: 5000, interval: 20 },
      );
      const expected = await answersWithoutIndex(dir, scratch.path);
      // Garble every closed segment (same size and mtime): reading one would show.
      for (const segment of await closed()) await garble(segment.path);
      // `runs` reads summaries only (and the open segments, from where their summaries stop).
      const runs = await cli(['runs', '--json', '--limit', '0', '--dir', dir]);
      expect(runs.stderr).toBe('');
      expect(JSON.parse(runs.stdout)).toEqual(expected.runs);
      expect((JSON.parse(runs.stdout) as unknown[]).length).toBe(9);
    } finally {
      await journal.shutdown();
    }
  });

  test('after shutdown even the open segments are indexed: no segment is read', async () => {
    await using scratch = await temporaryDirectory();
    const dir = join(scratch.path, 'journal');
    const journal = new Journal({ directory: dir, ...SMALL });
    await append(journal, await telemetry());
    await journal.shutdown();
    const expected = await answersWithoutIndex(dir, scratch.path);
    for (const segment of await segmentsOf(dir)) await garble(segment.path);
    const runs = await cli(['runs', '--json', '--limit', '0', '--dir', dir]);
    expect(runs.stderr).toBe('');
    expect(JSON.parse(runs.stdout)).toEqual(expected.runs);
    // `events --type` of a type no block holds reads no block either.
    const none = await cli(['events', '--type', 'no.such.type', '--json', '--dir', dir]);
    expect([none.stderr, JSON.parse(none.stdout)]).toEqual(['', []]);
  });

  test('a corrupt, stale, implausible or missing summary is detected and rebuilt', async () => {
    await using scratch = await temporaryDirectory();
    const dir = join(scratch.path, 'journal');
    const journal = new Journal({ directory: dir, ...SMALL });
    await append(journal, await telemetry());
    await journal.shutdown();
    const expected = await answersWithoutIndex(dir, scratch.path);
    const compressed = (await segmentsOf(dir)).filter((segment) => segment.compressed);
    const logs = compressed.filter((segment) => segment.signal === 'logs');
    const traces = compressed.filter((segment) => segment.signal === 'traces');
    const summaryPath = (segment: JournalSegment): string => join(dir, INDEX_DIRECTORY, `${segment.baseName}.summary.json`);
    // Corrupt: not JSON.
    await writeFile(summaryPath(logs[0]), '{"version":1,"name":');
    // Stale: the segment changed after its summary was written (a new mtime).
    const later = (await stat(logs[1].path)).mtimeMs / 1000 + 5;
    await utimes(logs[1].path, later, later);
    // Implausible: the key matches but its blocks lie beyond what it summarised.
    const implausible = JSON.parse(await readFile(summaryPath(traces[0]), 'utf8')) as SegmentSummary;
    implausible.endOffset = 10;
    await writeFile(summaryPath(traces[0]), JSON.stringify(implausible));
    // Missing: a crash between closing a segment and writing its summary.
    await unlink(summaryPath(traces[1]));
    expect(await answers(dir)).toEqual(expected);
    for (const segment of [logs[0], logs[1], traces[0], traces[1]]) {
      const rebuilt = await readSummaryFile(dir, segment.baseName);
      const current = (await segmentsOf(dir)).find((candidate) => candidate.name === segment.name)!;
      expect(summaryMatches(rebuilt!, current), segment.name).toBe(true);
      expect(content(rebuilt!)).toEqual(content(await summarizeSegment(current)));
    }
  });

  test('temporary summary files a crash left behind are removed, recent ones (being written) are not', async () => {
    await using scratch = await temporaryDirectory();
    const dir = join(scratch.path, 'journal');
    const journal = new Journal({ directory: dir, ...SMALL });
    await append(journal, await telemetry());
    await journal.shutdown();
    const old = join(dir, INDEX_DIRECTORY, 'logs-0000000001.jsonl.summary.json.4242.0.tmp');
    const recent = join(dir, INDEX_DIRECTORY, 'logs-0000000002.jsonl.summary.json.4243.0.tmp');
    await writeFile(old, '{"version":1,');
    await writeFile(recent, '{"version":1,');
    const hourAgo = Date.now() / 1000 - 3600;
    await utimes(old, hourAgo, hourAgo);
    expect((await cli(['runs', '--dir', dir])).code).toBe(0);
    const names = await readdir(join(dir, INDEX_DIRECTORY));
    expect(names).not.toContain('logs-0000000001.jsonl.summary.json.4242.0.tmp');
    expect(names).toContain('logs-0000000002.jsonl.summary.json.4243.0.tmp');
  });

  test('segments continued by later processes are indexed again at each shutdown, also after a crash', async () => {
    await using scratch = await temporaryDirectory();
    const dir = join(scratch.path, 'journal');
    const [first, second, third] = await telemetry();
    const options: JournalOptions = { ...SMALL, maxSegmentBytes: 1024 * 1024 };
    const indexedAsTheyAre = async (): Promise<void> => {
      const segments = await segmentsOf(dir);
      expect(segments.map((segment) => segment.name)).toEqual(['traces-0000000001.jsonl', 'logs-0000000001.jsonl']);
      for (const segment of segments) {
        const stored = await readSummaryFile(dir, segment.baseName);
        expect(summaryMatches(stored!, segment), segment.name).toBe(true);
        expect(content(stored!)).toEqual(content(await summarizeSegment(segment)));
      }
    };
    // Process 1 writes and exits cleanly: its open segments are indexed at shutdown.
    const one = new Journal({ directory: dir, ...options });
    await append(one, [first]);
    await one.shutdown();
    await indexedAsTheyAre();
    // Process 2 continues them, as a short-lived process does: the summaries are brought up to date.
    const two = new Journal({ directory: dir, ...options });
    await append(two, [second]);
    await two.shutdown();
    await indexedAsTheyAre();
    // A crash of process 2 before its shutdown would have left the old summaries (or none).
    await unlink(join(dir, INDEX_DIRECTORY, 'logs-0000000001.jsonl.summary.json'));
    const three = new Journal({ directory: dir, ...options });
    await append(three, [third]);
    await three.shutdown();
    await indexedAsTheyAre();
    expect(await answers(dir)).toEqual(await answersWithoutIndex(dir, scratch.path));
  });

  test('the next process summarises closed segments an earlier one left without a summary', async () => {
    await using scratch = await temporaryDirectory();
    const dir = join(scratch.path, 'journal');
    const one = new Journal({ directory: dir, ...SMALL });
    await append(one, await telemetry());
    await one.shutdown();
    // As if process 1 had crashed right after compressing these segments.
    const closed = (await segmentsOf(dir)).filter((segment) => segment.compressed).slice(0, 3);
    for (const segment of closed) await unlink(join(dir, INDEX_DIRECTORY, `${segment.baseName}.summary.json`));
    const two = new Journal({ directory: dir, ...SMALL });
    await two.shutdown();
    for (const segment of closed) {
      const stored = await readSummaryFile(dir, segment.baseName);
      expect(summaryMatches(stored!, segment), segment.name).toBe(true);
      expect(content(stored!)).toEqual(content(await summarizeSegment(segment)));
    }
  });

  test('segments an earlier process left uncompressed are summarised once the next one compresses them', async () => {
    await using scratch = await temporaryDirectory();
    const dir = join(scratch.path, 'journal');
    const all = await telemetry();
    const one = new Journal({ directory: dir, ...SMALL, compressClosedSegments: false, summaryIndex: false });
    await append(one, all);
    await one.shutdown();
    expect(await readdir(dir)).not.toContain(INDEX_DIRECTORY);
    // The CLI indexes the plain segments.
    const expected = await answers(dir);
    const plain = await segmentsOf(dir);
    expect(plain.every((segment) => !segment.compressed)).toBe(true);
    // The next process compresses the closed ones at start: their summaries follow them.
    const two = new Journal({ directory: dir, ...SMALL });
    await two.shutdown();
    const segments = await segmentsOf(dir);
    expect(segments.filter((segment) => segment.compressed).length).toBeGreaterThanOrEqual(plain.length - 2);
    for (const segment of segments) {
      const stored = await readSummaryFile(dir, segment.baseName);
      expect(summaryMatches(stored!, segment), segment.name).toBe(true);
      expect(content(stored!)).toEqual(content(await summarizeSegment(segment)));
    }
    for (const segment of segments.filter((candidate) => candidate.compressed)) await garble(segment.path);
    const runs = await cli(['runs', '--json', '--limit', '0', '--dir', dir]);
    expect(runs.stderr).toBe('');
    expect(JSON.parse(runs.stdout)).toEqual(expected.runs);
  });

  test('when summaries cannot be written the journal goes on, says so once, and the CLI builds them', async () => {
    await using scratch = await temporaryDirectory();
    const dir = join(scratch.path, 'journal');
    const messages = captureDiag();
    const journal = new Journal({ directory: dir, ...SMALL });
    // `.index` is a file: no summary can be stored under it.
    await writeFile(join(dir, INDEX_DIRECTORY), 'not a directory');
    const all = await telemetry();
    await append(journal, all);
    await journal.shutdown();
    const warnings = messages.filter((message) => message.includes('summary index'));
    expect(warnings).toHaveLength(1);
    expect(messages.filter((message) => message.includes('dropped'))).toEqual([]);
    const events = JSON.parse((await cli(['events', '--json', '--limit', '0', '--dir', dir])).stdout) as Array<{ id: string }>;
    expect(events.map((event) => event.id).sort()).toEqual(
      all.flatMap((t) => t.logs.map((record) => String(record.attributes['audit.event.id']))).sort(),
    );
  });
});
