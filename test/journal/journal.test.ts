/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read loosely typed OTLP/JSON */
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/journal/Journal.js';
import { repairSegmentTail } from '../../src/journal/recovery.js';
import { JournalLogRecordProcessor } from '../../src/processors/JournalLogRecordProcessor.js';
import { JournalSpanProcessor } from '../../src/processors/JournalSpanProcessor.js';
import { JournalMetricExporter } from '../../src/exporters/JournalMetricExporter.js';
import { attribute, logRecordsOf, readJournalLines, spansOf, temporaryDirectory } from './helpers.js';

const resource = resourceFromAttributes({ 'service.name': 'journal-unit' });

function collectDiag(): { messages: string[]; restore: () => void } {
  const messages: string[] = [];
  const push = (level: string) => (message: string) => messages.push(`${level}: ${message}`);
  const logger: DiagLogger = { error: push('error'), warn: push('warn'), info: push('info'), debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true });
  return { messages, restore: () => diag.disable() };
}

function metricsHarness() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter('test'),
    async read(name: string): Promise<{ value: unknown; attributes: Record<string, unknown> }[]> {
      await reader.forceFlush();
      const last = exporter.getMetrics().at(-1);
      const metric = last?.scopeMetrics.flatMap((scope) => scope.metrics).find((candidate) => candidate.descriptor.name === name);
      return (metric?.dataPoints ?? []).map((point) => ({ value: point.value, attributes: point.attributes }));
    },
    shutdown: () => provider.shutdown(),
  };
}

function emitAudit(provider: LoggerProvider, count: number, prefix = 'e'): string[] {
  const logger = provider.getLogger('swarmtrail');
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const id = `${prefix}-${index}`;
    ids.push(id);
    logger.emit({ eventName: 'audit.decision', body: 'decided', attributes: { 'audit.event.id': id, 'audit.event.type': 'decision' } });
  }
  return ids;
}

let directory: { path: string; remove: () => void };
beforeEach(() => {
  directory = temporaryDirectory();
});
afterEach(() => {
  directory.remove();
});

describe('Journal writing', () => {
  it('journals spans, log records and metrics as OTLP/JSON lines in per-signal segments', async () => {
    const journal = new Journal({ directory: directory.path });
    const tracerProvider = new TracerProvider({ resource, spanProcessors: [new JournalSpanProcessor({ journal })] });
    const loggerProvider = new LoggerProvider({ resource, processors: [new JournalLogRecordProcessor({ journal })] });
    const reader = new PeriodicExportingMetricReader({ exporter: new JournalMetricExporter({ journal }), exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ resource, readers: [reader] });

    tracerProvider.getTracer('t').startSpan('invoke_agent planner').end();
    emitAudit(loggerProvider, 2);
    loggerProvider.getLogger('app').emit({ body: 'not an audit record' });
    meterProvider.getMeter('m').createCounter('swarmtrail.audit.events').add(3);
    await tracerProvider.forceFlush();
    await loggerProvider.forceFlush();
    await reader.forceFlush();

    expect(readdirSync(directory.path).sort()).toEqual([
      'journal.lock',
      'logs-0000000001.jsonl',
      'metrics-0000000001.jsonl',
      'traces-0000000001.jsonl',
    ]);
    const spans = spansOf(readJournalLines(directory.path, 'traces'));
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ name: 'invoke_agent planner', kind: 1, status: {} });
    const records = logRecordsOf(readJournalLines(directory.path, 'logs'));
    expect(records.map((record) => attribute(record, 'audit.event.id')?.stringValue)).toEqual(['e-0', 'e-1', undefined]);
    expect(attribute(records[2], 'swarmtrail.record.id').stringValue).toMatch(/^[0-9a-f-]{36}$/);
    const metricLines = readJournalLines(directory.path, 'metrics');
    expect(metricLines[0].resourceMetrics[0].scopeMetrics[0].metrics[0]).toMatchObject({
      name: 'swarmtrail.audit.events',
      sum: { dataPoints: [{ asDouble: 3 }], isMonotonic: true, aggregationTemporality: 2 },
    });

    await meterProvider.shutdown();
    await tracerProvider.shutdown();
    await loggerProvider.shutdown();
    await journal.shutdown();
    await journal.shutdown(); // idempotent
    expect(existsSync(join(directory.path, 'journal.lock'))).toBe(false);
  });

  it('snapshots a log record when it is emitted: later processors cannot change the journaled copy', async () => {
    const journal = new Journal({ directory: directory.path });
    const mutating = {
      onEmit: (record: any) => record.setAttribute('audit.outcome', 'changed-later'),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal }), mutating] });
    provider.getLogger('x').emit({ body: 'b', attributes: { 'audit.event.id': 'a', 'audit.outcome': 'success' } });
    await journal.flush();
    const [record] = logRecordsOf(readJournalLines(directory.path, 'logs'));
    expect(attribute(record, 'audit.outcome')).toEqual({ stringValue: 'success' });
    await journal.shutdown();
  });

  it('writes one record per line and fsyncs each in durability mode record', async () => {
    const journal = new Journal({ directory: directory.path, durability: 'record' });
    const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
    emitAudit(provider, 5);
    await journal.flush();
    const lines = readJournalLines(directory.path, 'logs');
    expect(lines).toHaveLength(5);
    expect(logRecordsOf(lines).map((record) => attribute(record, 'audit.event.id').stringValue)).toEqual(['e-0', 'e-1', 'e-2', 'e-3', 'e-4']);
    await journal.shutdown();
  });

  it('batches many records per line in mode batch and none', async () => {
    for (const durability of ['batch', 'none'] as const) {
      const sub = join(directory.path, durability);
      const journal = new Journal({ directory: sub, durability, maxBatchRecords: 100 });
      const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
      emitAudit(provider, 250);
      await journal.flush();
      const lines = readJournalLines(sub, 'logs');
      expect(lines.length).toBeLessThanOrEqual(3);
      expect(logRecordsOf(lines)).toHaveLength(250);
      await journal.shutdown();
    }
  });

  it('rotates segments by size and gzips the closed ones', async () => {
    const journal = new Journal({ directory: directory.path, maxSegmentBytes: 2000, maxBatchRecords: 5 });
    const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
    for (let round = 0; round < 10; round++) {
      emitAudit(provider, 5, `r${round}`);
      await journal.flush();
    }
    await journal.shutdown();
    const names = readdirSync(directory.path).filter((name) => name.startsWith('logs-')).sort();
    expect(names.length).toBeGreaterThan(2);
    expect(names.slice(0, -1).every((name) => name.endsWith('.jsonl.gz'))).toBe(true);
    expect(names.at(-1)).toMatch(/\.jsonl$/);
    for (const name of names.filter((candidate) => candidate.endsWith('.jsonl'))) {
      expect(statSync(join(directory.path, name)).size).toBeLessThanOrEqual(2000);
    }
    const ids = logRecordsOf(readJournalLines(directory.path, 'logs')).map((record) => attribute(record, 'audit.event.id').stringValue);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
    expect(ids[0]).toBe('r0-0');
    expect(ids.at(-1)).toBe('r9-4');
  });

  it('rotates segments by age', async () => {
    const journal = new Journal({ directory: directory.path, maxSegmentAgeMillis: 50, compressClosedSegments: false });
    const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
    emitAudit(provider, 1, 'a');
    await journal.flush();
    await new Promise((done) => setTimeout(done, 80));
    emitAudit(provider, 1, 'b');
    await journal.flush();
    await journal.shutdown();
    expect(readdirSync(directory.path).filter((name) => name.startsWith('logs-')).sort()).toEqual([
      'logs-0000000001.jsonl',
      'logs-0000000002.jsonl',
    ]);
  });

  it('continues the last segment of an earlier process while it has room, else starts a new one', async () => {
    for (const round of [0, 1]) {
      const journal = new Journal({ directory: directory.path, maxSegmentBytes: 3000 });
      const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
      emitAudit(provider, 2, `p${round}`);
      await journal.shutdown();
    }
    expect(readdirSync(directory.path).filter((name) => name.startsWith('logs-'))).toEqual(['logs-0000000001.jsonl']);
    // A batch that does not fit goes to a new segment (logs-2, over the limit on its own: one line);
    // logs-2 has no room left, so the next process starts logs-3; closed segments are compressed.
    const big = new Journal({ directory: directory.path, maxSegmentBytes: 3000 });
    const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal: big })] });
    emitAudit(provider, 10, 'big');
    await big.shutdown();
    const after = new Journal({ directory: directory.path, maxSegmentBytes: 3000 });
    emitAudit(new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal: after })] }), 1, 'last');
    await after.shutdown();
    expect(readdirSync(directory.path).filter((name) => name.startsWith('logs-')).sort()).toEqual([
      'logs-0000000001.jsonl.gz',
      'logs-0000000002.jsonl.gz',
      'logs-0000000003.jsonl',
    ]);
    const ids = logRecordsOf(readJournalLines(directory.path, 'logs')).map((record) => attribute(record, 'audit.event.id').stringValue);
    expect(ids).toEqual(['p0-0', 'p0-1', 'p1-0', 'p1-1', ...Array.from({ length: 10 }, (_, index) => `big-${index}`), 'last-0']);
  });

  it('never throws into user code, and counts records appended after shutdown', async () => {
    const harness = metricsHarness();
    const log = collectDiag();
    try {
      const journal = new Journal({ directory: directory.path, meter: harness.meter });
      const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
      await journal.shutdown();
      expect(() => emitAudit(provider, 3)).not.toThrow();
      const dropped = await harness.read('swarmtrail.journal.records.dropped');
      expect(dropped).toEqual([{ value: 3, attributes: { 'swarmtrail.journal.drop.reason': 'closed', 'swarmtrail.signal': 'logs' } }]);
      expect(log.messages.some((message) => message.startsWith('error:') && message.includes('(closed)'))).toBe(true);
    } finally {
      log.restore();
      await harness.shutdown();
    }
  });

  it('retries a failed write, then drops and counts it (write_error) without throwing', async () => {
    const harness = metricsHarness();
    const log = collectDiag();
    try {
      const journal = new Journal({ directory: directory.path, meter: harness.meter });
      const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
      rmSync(directory.path, { recursive: true, force: true }); // the segment cannot be created
      expect(() => emitAudit(provider, 2)).not.toThrow();
      await journal.flush();
      const deadline = Date.now() + 10_000;
      let dropped: { value: unknown; attributes: Record<string, unknown> }[] = [];
      while (Date.now() < deadline) {
        dropped = await harness.read('swarmtrail.journal.records.dropped');
        if (dropped.length > 0) break;
        await new Promise((done) => setTimeout(done, 50));
      }
      expect(dropped).toEqual([{ value: 2, attributes: { 'swarmtrail.journal.drop.reason': 'write_error', 'swarmtrail.signal': 'logs' } }]);
      expect(log.messages.filter((message) => message.includes('write to logs failed, retrying'))).toHaveLength(3);
      await journal.shutdown();
    } finally {
      log.restore();
      await harness.shutdown();
    }
  });

  it('rejects bad configuration with a message naming the option', () => {
    expect(() => new Journal({ directory: directory.path, durability: 'sometimes' as never })).toThrow(/option durability/);
    expect(() => new Journal({ directory: directory.path, maxBytes: -1 })).toThrow(/option maxBytes/);
  });

  it('reports journal.size', async () => {
    const harness = metricsHarness();
    const journal = new Journal({ directory: directory.path, meter: harness.meter });
    const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
    emitAudit(provider, 10);
    await journal.flush();
    const [size] = await harness.read('swarmtrail.journal.size');
    expect(size.value).toBe(statSync(join(directory.path, 'logs-0000000001.jsonl')).size);
    await journal.shutdown();
    await harness.shutdown();
  });
});

describe('Journal recovery', () => {
  it('cuts a torn last line, reports it, and keeps every complete line', async () => {
    const first = new Journal({ directory: directory.path, compressClosedSegments: false });
    const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal: first })] });
    emitAudit(provider, 3);
    await first.shutdown();
    const segment = join(directory.path, 'logs-0000000001.jsonl');
    const intact = readFileSync(segment);
    appendFileSync(segment, '{"resourceLogs":[{"resource":{"attr');

    const harness = metricsHarness();
    const log = collectDiag();
    try {
      const second = new Journal({ directory: directory.path, meter: harness.meter });
      expect(second.recovery).toEqual({ tornLines: 1, truncatedBytes: 35, repairedSegments: ['logs-1'] });
      expect(readFileSync(segment)).toEqual(intact);
      expect(log.messages.some((message) => message.startsWith('warn:') && message.includes('torn line'))).toBe(true);
      expect(await harness.read('swarmtrail.journal.records.dropped')).toEqual([
        { value: 1, attributes: { 'swarmtrail.journal.drop.reason': 'torn_line' } },
      ]);
      // New data goes to a new segment; the old one reads cleanly.
      const provider2 = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal: second })] });
      emitAudit(provider2, 1, 'after');
      await second.shutdown();
      const ids = logRecordsOf(readJournalLines(directory.path, 'logs')).map((record) => attribute(record, 'audit.event.id').stringValue);
      expect(ids).toEqual(['e-0', 'e-1', 'e-2', 'after-0']);
    } finally {
      log.restore();
      await harness.shutdown();
    }
  });

  it('cuts a terminated but unparsable last line (e.g. zero-filled blocks after power loss)', () => {
    const path = join(directory.path, 'logs-0000000001.jsonl');
    writeFileSync(path, '{"resourceLogs":[]}\n\0\0\0\0\n');
    expect(repairSegmentTail(path)).toEqual({ truncatedBytes: 5, tornLines: 1 });
    expect(readFileSync(path, 'utf8')).toBe('{"resourceLogs":[]}\n');
    expect(repairSegmentTail(path)).toEqual({ truncatedBytes: 0, tornLines: 0 });
  });

  it('removes leftovers of an interrupted compression', () => {
    writeFileSync(join(directory.path, 'logs-0000000001.jsonl'), '{"resourceLogs":[]}\n');
    writeFileSync(join(directory.path, 'logs-0000000001.jsonl.gz.tmp'), 'partial');
    const journal = new Journal({ directory: directory.path });
    expect(readdirSync(directory.path).sort()).toEqual(['journal.lock', 'logs-0000000001.jsonl']);
    return journal.shutdown();
  });

  it('uses a separate directory when another live process holds the lock', async () => {
    writeFileSync(join(directory.path, 'journal.lock'), String(process.ppid));
    const log = collectDiag();
    try {
      const journal = new Journal({ directory: directory.path });
      expect(journal.directory).toBe(join(directory.path, `process-${process.pid}`));
      expect(log.messages.some((message) => message.includes('in use by another live process'))).toBe(true);
      await journal.shutdown();
    } finally {
      log.restore();
    }
  });

  it('takes over a lock left by a dead process', async () => {
    writeFileSync(join(directory.path, 'journal.lock'), '2147483646');
    const journal = new Journal({ directory: directory.path });
    expect(journal.directory).toBe(directory.path);
    expect(readFileSync(join(directory.path, 'journal.lock'), 'utf8')).toBe(String(process.pid));
    await journal.shutdown();
  });
});

describe('Journal disk cap', () => {
  it('policy drop drops loudly and counts once the cap is reached', async () => {
    const harness = metricsHarness();
    const log = collectDiag();
    try {
      const journal = new Journal({ directory: directory.path, maxBytes: 3000, diskCapPolicy: 'drop', meter: harness.meter });
      const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
      let emitted = 0;
      for (let round = 0; round < 20; round++) {
        emitAudit(provider, 5, `r${round}`);
        emitted += 5;
        await journal.flush();
      }
      const kept = logRecordsOf(readJournalLines(directory.path, 'logs')).length;
      const dropped = await harness.read('swarmtrail.journal.records.dropped');
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(emitted);
      expect(dropped).toEqual([{ value: emitted - kept, attributes: { 'swarmtrail.journal.drop.reason': 'disk_cap', 'swarmtrail.signal': 'logs' } }]);
      expect(journal.sizeBytes).toBeLessThanOrEqual(3000);
      expect(log.messages.some((message) => message.startsWith('error:') && message.includes('(disk_cap)'))).toBe(true);
      await journal.shutdown();
    } finally {
      log.restore();
      await harness.shutdown();
    }
  });

  it('policy block waits, then writes past the cap so nothing is lost, and says so', async () => {
    const log = collectDiag();
    try {
      const journal = new Journal({ directory: directory.path, maxBytes: 3000, blockTimeoutMillis: 200 });
      const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
      const started = Date.now();
      for (let round = 0; round < 20; round++) {
        emitAudit(provider, 5, `r${round}`);
        await journal.flush();
      }
      expect(Date.now() - started).toBeGreaterThanOrEqual(190); // it did wait once
      expect(logRecordsOf(readJournalLines(directory.path, 'logs'))).toHaveLength(100);
      expect(journal.sizeBytes).toBeGreaterThan(3000);
      expect(log.messages.filter((message) => message.startsWith('error:') && message.includes('writes past the cap'))).toHaveLength(1);
      await journal.shutdown();
    } finally {
      log.restore();
    }
  });
});
