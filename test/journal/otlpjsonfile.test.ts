/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read loosely typed OTLP/JSON */
/**
 * Issue 4: "A user must be able to feed the segments to an OpenTelemetry Collector's OTLP JSON file
 * receiver". The demo (examples/demo-swarm.ts, run from source in a child process) writes a real
 * journal; a later process closes its segments, which the journal gzips, and a second demo run
 * writes fresh plain segments. A real collector (our build, scripts/build-collector.sh) reads the
 * directory with its `otlp_json_file` receiver (`compression: auto`, so `.jsonl` and `.jsonl.gz`
 * alike) and writes what it received with the file exporter. Its output must hold exactly the
 * journal's spans (span id and trace id), log records (audit.event.id, trace id, span id) and
 * metric data points: a segment the receiver cannot parse yields nothing, and the wait times out.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/journal/Journal.js';
import { JournalReader, listSegments } from '../../src/journal/JournalReader.js';
import { readJournalLines, temporaryDirectory } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const loader = fileURLToPath(new URL('./fixtures/ts-loader.mjs', import.meta.url));
const demo = fileURLToPath(new URL('../../examples/demo-swarm.ts', import.meta.url));

/** Runs the demo with `directory` as its working directory: it journals to ./.swarmtrail/journal. */
function runDemo(directory: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', loader, demo], {
      cwd: directory,
      env: { PATH: process.env['PATH'] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    // 'close', not 'exit': only then has all of the child's output been read.
    child.on('close', (code) => {
      clearTimeout(guard);
      if (code === 0 && /swarmtrail demo: run [0-9a-f]{32}/.test(output)) resolve();
      else reject(new Error(`demo exited with ${code}:\n${output}`));
    });
  });
}

/** Complete lines of a file the collector's file exporter is writing, parsed. */
function exportedRequests(path: string): any[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

const spansOf = (requests: any[]): any[] =>
  requests.flatMap((request) => (request.resourceSpans ?? []).flatMap((resource: any) => (resource.scopeSpans ?? []).flatMap((scope: any) => scope.spans ?? [])));
const logRecordsOf = (requests: any[]): any[] =>
  requests.flatMap((request) => (request.resourceLogs ?? []).flatMap((resource: any) => (resource.scopeLogs ?? []).flatMap((scope: any) => scope.logRecords ?? [])));
const metricsOf = (requests: any[]): any[] =>
  requests.flatMap((request) => (request.resourceMetrics ?? []).flatMap((resource: any) => (resource.scopeMetrics ?? []).flatMap((scope: any) => scope.metrics ?? [])));
const stringAttribute = (record: any, key: string): string | undefined =>
  (record.attributes ?? []).find((entry: any) => entry.key === key)?.value?.stringValue;

/** `<metric name> <data point count>` per metric, sorted: what both sides must agree on. */
function metricPoints(requests: any[]): string[] {
  const counts = new Map<string, number>();
  for (const metric of metricsOf(requests)) {
    const data = metric.sum ?? metric.gauge ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
    counts.set(metric.name, (counts.get(metric.name) ?? 0) + (data?.dataPoints?.length ?? 0));
  }
  return [...counts].map(([name, count]) => `${name} ${count}`).sort();
}

/** What a journal holds, as swarmtrail's own reader sees it. */
interface JournalContents {
  /** span id -> trace id */
  readonly spans: Map<string, string>;
  /** audit.event.id -> `<trace id>/<span id>` */
  readonly auditRecords: Map<string, string>;
  readonly logRecords: number;
  readonly metrics: string[];
}

async function readJournal(journalDirectory: string): Promise<JournalContents> {
  const reader = new JournalReader(journalDirectory, { signals: ['traces', 'logs'] });
  const spans = new Map<string, string>();
  const auditRecords = new Map<string, string>();
  let logRecords = 0;
  for await (const record of reader.records()) {
    if (record.signal === 'traces') {
      spans.set(record.spanId, record.traceId);
    } else {
      logRecords += 1;
      const id = record.attributes['audit.event.id'];
      if (typeof id === 'string') auditRecords.set(id, `${record.traceId}/${record.spanId}`);
    }
  }
  expect(reader.skippedCount).toBe(0);
  return { spans, auditRecords, logRecords, metrics: metricPoints(readJournalLines(journalDirectory, 'metrics')) };
}

/**
 * The collector with one `otlp_json_file` receiver per signal on `journalDirectory` and a file
 * exporter per signal; no listening ports (its own metrics are off).
 */
class JsonFileCollector {
  private readonly process: ChildProcess;
  private readonly exited: Promise<unknown>;
  private log = '';

  constructor(
    binary: string,
    journalDirectory: string,
    private readonly outputPrefix: string,
  ) {
    const signals = ['traces', 'logs', 'metrics'];
    const config = `${outputPrefix}.yaml`;
    writeFileSync(
      config,
      [
        'receivers:',
        ...signals.flatMap((signal) => [
          `  otlp_json_file/${signal}:`,
          '    include:',
          `      - ${join(journalDirectory, `${signal}-*.jsonl`)}`,
          `      - ${join(journalDirectory, `${signal}-*.jsonl.gz`)}`,
          '    start_at: beginning',
          '    compression: auto',
          '    max_log_size: 64MiB',
          '    poll_interval: 50ms',
        ]),
        'exporters:',
        ...signals.flatMap((signal) => [`  file/${signal}:`, `    path: ${this.output(signal)}`, '    flush_interval: 100ms']),
        'service:',
        '  telemetry:',
        '    metrics:',
        '      level: none',
        '  pipelines:',
        ...signals.flatMap((signal) => [`    ${signal}:`, `      receivers: [otlp_json_file/${signal}]`, `      exporters: [file/${signal}]`]),
        '',
      ].join('\n'),
    );
    this.process = spawn(binary, [`--config=${config}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.process.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.exited = new Promise((done) => this.process.once('exit', done));
  }

  private output(signal: string): string {
    return `${this.outputPrefix}-${signal}.json`;
  }

  /** What the file exporter has written so far, in the shape of `JournalContents`. */
  exported(): { spans: any[]; auditRecords: any[]; logRecords: any[]; metrics: string[] } {
    const logRecords = logRecordsOf(exportedRequests(this.output('logs')));
    return {
      spans: spansOf(exportedRequests(this.output('traces'))),
      auditRecords: logRecords.filter((record) => stringAttribute(record, 'audit.event.id') !== undefined),
      logRecords,
      metrics: metricPoints(exportedRequests(this.output('metrics'))),
    };
  }

  /** Waits (bounded) until every span, audit record and metric data point of `expected` was exported. */
  async waitFor(expected: JournalContents, timeoutMillis: number): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    for (;;) {
      const exported = this.exported();
      const spanIds = new Set(exported.spans.map((span) => span.spanId));
      const auditIds = new Set(exported.auditRecords.map((record) => stringAttribute(record, 'audit.event.id')));
      if (
        [...expected.spans.keys()].every((id) => spanIds.has(id)) &&
        [...expected.auditRecords.keys()].every((id) => auditIds.has(id)) &&
        exported.metrics.join() === expected.metrics.join()
      ) {
        return;
      }
      if (this.process.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `the collector's output lacks journal data (${exported.spans.length}/${expected.spans.size} spans, ` +
            `${exported.logRecords.length}/${expected.logRecords} log records, ` +
            `metrics ${exported.metrics.join()} vs ${expected.metrics.join()}); ` +
            `collector ${this.process.exitCode === null ? 'running' : `exited with ${this.process.exitCode}`}:\n${this.log}`,
        );
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The collector's output holds exactly the journal's records: no record missing, none twice. */
function expectExactly(exported: ReturnType<JsonFileCollector['exported']>, journal: JournalContents): void {
  expect(new Map(exported.spans.map((span) => [span.spanId, span.traceId]))).toEqual(journal.spans);
  expect(exported.spans).toHaveLength(journal.spans.size);
  expect(
    new Map(exported.auditRecords.map((record) => [stringAttribute(record, 'audit.event.id'), `${record.traceId}/${record.spanId}`])),
  ).toEqual(journal.auditRecords);
  expect(exported.auditRecords).toHaveLength(journal.auditRecords.size);
  expect(exported.logRecords).toHaveLength(journal.logRecords);
  expect(exported.metrics).toEqual(journal.metrics);
}

/** A later process finding the segments full closes them, and the journal gzips closed segments. */
async function closeSegments(journalDirectory: string): Promise<void> {
  const journal = new Journal({ directory: journalDirectory, maxSegmentBytes: 1 });
  await journal.shutdown();
}

const pause = (millis: number) => new Promise((done) => setTimeout(done, millis));

let directory: { path: string; remove: () => void };
let binary = '';

beforeAll(() => {
  directory = temporaryDirectory('swarmtrail-otlpjsonfile-');
  // Builds the collector when the manifest's binary is not cached yet (minutes, once).
  binary = execFileSync(join(ROOT, 'scripts', 'build-collector.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 }).trim();
}, 660_000);

afterAll(() => {
  directory?.remove();
});

describe("journal segments and a real collector's otlp_json_file receiver", () => {
  it('reads a finished journal, plain and gzipped segments, into exactly its spans, audit records and metrics', async () => {
    const workDirectory = join(directory.path, 'finished');
    mkdirSync(workDirectory);
    const journalDirectory = join(workDirectory, '.swarmtrail', 'journal');
    await runDemo(workDirectory);
    await closeSegments(journalDirectory);
    await runDemo(workDirectory);

    const segments = await listSegments(journalDirectory);
    for (const signal of ['traces', 'logs', 'metrics'] as const) {
      const names = segments.filter((segment) => segment.signal === signal).map((segment) => segment.name);
      expect(names).toEqual([`${signal}-0000000001.jsonl.gz`, `${signal}-0000000002.jsonl`]);
    }
    const journal = await readJournal(journalDirectory);
    expect(new Set(journal.spans.values()).size).toBeGreaterThanOrEqual(2); // a trace per demo run
    expect(journal.auditRecords.size).toBeGreaterThan(0);
    expect(journal.metrics.length).toBeGreaterThan(0);

    const collector = new JsonFileCollector(binary, journalDirectory, join(workDirectory, 'collector'));
    let exported;
    try {
      await collector.waitFor(journal, 30_000);
      await pause(500); // a segment read twice would show up as duplicates by now
      exported = collector.exported();
    } finally {
      await collector.stop();
    }
    expectExactly(exported, journal);
    // The receiver tags each record with the segment it came from.
    expect(new Set(exported.logRecords.map((record) => stringAttribute(record, 'log.file.name')))).toEqual(
      new Set(['logs-0000000001.jsonl.gz', 'logs-0000000002.jsonl']),
    );
  }, 60_000);

  it('follows a live journal: new segments, growing segments and segments gzipped after reading, each record once', async () => {
    const workDirectory = join(directory.path, 'live');
    mkdirSync(workDirectory);
    const journalDirectory = join(workDirectory, '.swarmtrail', 'journal');
    const collector = new JsonFileCollector(binary, journalDirectory, join(workDirectory, 'collector'));
    let exported;
    let journal;
    try {
      await runDemo(workDirectory);
      await collector.waitFor(await readJournal(journalDirectory), 30_000);
      // The segments it has read are gzipped (the plain files disappear); then another run.
      await closeSegments(journalDirectory);
      await runDemo(workDirectory);
      await runDemo(workDirectory); // continues the segments the second run started
      journal = await readJournal(journalDirectory);
      await collector.waitFor(journal, 30_000);
      await pause(500);
      exported = collector.exported();
    } finally {
      await collector.stop();
    }
    expect((await listSegments(journalDirectory)).map((segment) => segment.name)).toEqual(
      ['traces', 'logs', 'metrics'].flatMap((signal) => [`${signal}-0000000001.jsonl.gz`, `${signal}-0000000002.jsonl`]),
    );
    expect(new Set(journal.spans.values()).size).toBeGreaterThanOrEqual(3);
    expectExactly(exported, journal);
  }, 60_000);
});
