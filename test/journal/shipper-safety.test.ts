/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read loosely typed OTLP/JSON */
/**
 * The shipper never lets unshipped data be deleted (reviewer findings 3, 4 and 9), against a real
 * OTLP/HTTP receiver on 127.0.0.1:
 * - cursor.json exists (naming the endpoint) as soon as a shipper starts, so `prune` run without
 *   the endpoint variable does not take a spool for a destination-only journal;
 * - 401/403/404 are retried, not dead-lettered;
 * - dead-letter bookkeeping is per segment and uncapped: no segment with rejected lines ever counts
 *   as shipped, for prune or for the disk cap;
 * - a partial success (protobuf or JSON answer) is accounted as dead letters of its range.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import protobuf from 'protobufjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/journal/Journal.js';
import { JournalShipper, parseJsonPartialSuccess } from '../../src/journal/JournalShipper.js';
import { decodeExportPartialSuccess } from '../../src/journal/otlpProtobuf.js';
import { JournalLogRecordProcessor } from '../../src/processors/JournalLogRecordProcessor.js';
import { cli } from '../cli/fixtures.js';
import { temporaryDirectory } from './helpers.js';
import { OtlpReceiver, waitFor } from './receiver.js';

const fastRetry = { initialBackoffMillis: 20, maxBackoffMillis: 150, pollIntervalMillis: 50, shutdownTimeoutMillis: 2000 };
const DAY = 86_400_000;

// The export responses of opentelemetry-proto (collector/*/v1/*_service.proto), encoded by
// protobufjs: an encoder independent of the decoder under test.
const responses = protobuf.Root.fromJSON({
  nested: {
    ExportTracePartialSuccess: { fields: { rejectedSpans: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } } },
    ExportTraceServiceResponse: { fields: { partialSuccess: { type: 'ExportTracePartialSuccess', id: 1 } } },
    ExportLogsPartialSuccess: { fields: { rejectedLogRecords: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } } },
    ExportLogsServiceResponse: { fields: { partialSuccess: { type: 'ExportLogsPartialSuccess', id: 1 } } },
    ExportMetricsPartialSuccess: { fields: { rejectedDataPoints: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } } },
    ExportMetricsServiceResponse: { fields: { partialSuccess: { type: 'ExportMetricsPartialSuccess', id: 1 } } },
  },
});
function encodeResponse(type: string, payload: Record<string, unknown>): Buffer {
  const message = responses.lookupType(type);
  return Buffer.from(message.encode(message.fromObject(payload)).finish());
}

function collectDiag(): { messages: string[]; restore: () => void } {
  const messages: string[] = [];
  const push = (level: string) => (message: string) => messages.push(`${level}: ${message}`);
  const logger: DiagLogger = { error: push('error'), warn: push('warn'), info: push('info'), debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true });
  return { messages, restore: () => diag.disable() };
}

/** One OTLP/JSON ExportLogsServiceRequest line holding one audit record per id. */
function logLine(ids: readonly string[], timeMillis: number): string {
  const time = String(BigInt(timeMillis) * 1_000_000n);
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'safety' } }] },
        scopeLogs: [
          {
            scope: { name: 'swarmtrail' },
            logRecords: ids.map((id) => ({
              timeUnixNano: time,
              observedTimeUnixNano: time,
              eventName: 'audit.decision',
              body: { stringValue: `decision ${id}` },
              attributes: [
                { key: 'audit.event.type', value: { stringValue: 'decision' } },
                { key: 'audit.event.id', value: { stringValue: id } },
              ],
            })),
          },
        ],
      },
    ],
  });
}

function writeSegment(directory: string, seq: number, lines: readonly string[]): void {
  writeFileSync(join(directory, `logs-${String(seq).padStart(10, '0')}.jsonl`), lines.map((line) => `${line}\n`).join(''));
}

function segmentExists(directory: string, seq: number): boolean {
  const name = join(directory, `logs-${String(seq).padStart(10, '0')}.jsonl`);
  return existsSync(name) || existsSync(`${name}.gz`);
}

function readCursorFile(directory: string): any {
  return JSON.parse(readFileSync(join(directory, 'cursor.json'), 'utf8'));
}

function emitAudit(provider: LoggerProvider, count: number, prefix: string): string[] {
  const logger = provider.getLogger('swarmtrail');
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const id = `${prefix}-${index}`;
    ids.push(id);
    logger.emit({ eventName: 'audit.tool.end', body: 'x', attributes: { 'audit.event.id': id, 'audit.event.type': 'tool.end' } });
  }
  return ids;
}

let directory: { path: string; remove: () => void };
let receiver: OtlpReceiver;
beforeEach(() => {
  directory = temporaryDirectory('swarmtrail-shipper-safety-');
  receiver = new OtlpReceiver();
});
afterEach(async () => {
  await receiver.stop();
  directory.remove();
});

describe('a journal that ever had an endpoint is a spool (finding 3)', () => {
  it('the shipper writes cursor.json naming the endpoint at start; prune without the variable deletes nothing unshipped', async () => {
    // A port with nothing listening: the collector is down for the whole test.
    await receiver.start();
    const port = receiver.port;
    await receiver.stop();
    const journal = new Journal({
      directory: directory.path,
      maxSegmentBytes: 1500,
      maxBatchRecords: 5,
      export: { endpoint: `http://127.0.0.1:${port}/otlp/?token=s3cret`, ...fastRetry, shutdownTimeoutMillis: 200 },
    });
    // Read before anything was written or sent; checked at the end.
    const atStart = existsSync(join(directory.path, 'cursor.json')) ? readCursorFile(directory.path) : undefined;
    const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
    for (let round = 0; round < 6; round++) {
      emitAudit(provider, 5, `spool${round}`);
      await journal.flush();
    }
    await journal.shutdown();
    expect(segmentExists(directory.path, 1) && segmentExists(directory.path, 2)).toBe(true);

    // prune, run later without OTEL_EXPORTER_OTLP_ENDPOINT, long after the retention passed.
    const result = await cli(['prune', '--older-than', '1s', '--json', '--dir', directory.path], { now: Date.now() + 30 * DAY, env: {} });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.mode).toBe('cursor');
    expect(report.segments.filter((segment: any) => segment.action === 'delete')).toEqual([]);
    expect(report.segments.find((segment: any) => segment.segment.startsWith('logs-0000000001')).reason).toMatch(/not yet shipped/);
    expect(segmentExists(directory.path, 1)).toBe(true);

    // That is because the cursor existed from the start, naming the endpoint (without secrets).
    expect(atStart).toMatchObject({ version: 1, endpoint: `http://127.0.0.1:${port}/otlp`, signals: {}, deadLetters: [] });
    expect(JSON.stringify(atStart)).not.toContain('s3cret');
  });
});

describe('auth and not-found answers are retried, not dead-lettered (finding 4)', () => {
  it('401, 403 and 404 are retried with backoff, warned about and counted; everything arrives, nothing is dead-lettered', async () => {
    await receiver.start();
    const statuses = [401, 401, 403, 404];
    receiver.behaviour = (number, _request, response) => {
      if (number >= statuses.length) return false;
      response.writeHead(statuses[number], { 'content-type': 'text/plain' }).end('token expired');
      return true;
    };
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const log = collectDiag();
    try {
      const journal = new Journal({
        directory: directory.path,
        meter: meterProvider.getMeter('self'),
        export: { endpoint: `http://127.0.0.1:${receiver.port}`, ...fastRetry },
      });
      const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
      const ids = emitAudit(provider, 10, 'auth');
      await journal.flush();
      await waitFor(() => receiver.ids('/v1/logs').length >= 10, 10_000, 'delivery after the auth failures');
      expect(receiver.ids('/v1/logs')).toEqual(ids);
      expect(journal.shipper!.deadLetterNotes).toEqual([]);
      await journal.shutdown();
      expect(readCursorFile(directory.path)).toMatchObject({ deadLetters: [], deadLetterSegments: [] });
      expect(
        log.messages.some((message) => message.startsWith('warn:') && message.includes('HTTP 401') && message.includes('credentials')),
      ).toBe(true);
      expect(log.messages.some((message) => message.includes('for good'))).toBe(false);
      await reader.forceFlush();
      const failures = exporter
        .getMetrics()
        .at(-1)!
        .scopeMetrics.flatMap((scope) => scope.metrics)
        .find((metric) => metric.descriptor.name === 'swarmtrail.journal.export.failures')!;
      expect(failures.dataPoints.reduce((sum, point) => sum + (point.value as number), 0)).toBe(statuses.length);
    } finally {
      log.restore();
      await meterProvider.shutdown();
    }
  });
});

describe('dead-lettered segments are never deleted without --force (finding 4)', () => {
  it('more than 1000 rejections: every segment with a rejected line stays unshipped for isShipped, prune and the disk cap', async () => {
    const journalDirectory = join(directory.path, 'journal');
    mkdirSync(journalDirectory);
    const old = Date.now() - 40 * DAY;
    // Bad and good lines alternate, so every rejection is its own range (nothing merges).
    const alternating = (prefix: string, bad: number): string[] =>
      Array.from({ length: bad }, (_, index) => [logLine([`BAD-${prefix}-${index}`], old), logLine([`${prefix}-${index}`], old)]).flat();
    writeSegment(journalDirectory, 1, alternating('one', 5));
    writeSegment(journalDirectory, 2, alternating('two', 1001));
    writeSegment(journalDirectory, 3, [logLine(['three-0'], old)]);
    await receiver.start();
    receiver.behaviour = (_number, _request, response, body) => {
      // The protobuf body holds attribute strings as raw UTF-8: refuse any request with a BAD record.
      if (!body.includes('BAD-')) return false;
      response.writeHead(400, { 'content-type': 'text/plain' }).end('bad record');
      return true;
    };
    const log = collectDiag();
    try {
      const endpoint = `http://127.0.0.1:${receiver.port}`;
      const shipper = new JournalShipper({ directory: journalDirectory, endpoint, signals: ['logs'], ...fastRetry });
      const result = await shipper.shipOnce(60_000);
      expect(result).toMatchObject({ recordsDeadLettered: 1006, recordsShipped: 1007, complete: true });
      expect(new Set(receiver.ids('/v1/logs')).size).toBe(1007);
      expect(shipper.isShipped('logs', 1)).toBe(false);
      expect(shipper.isShipped('logs', 2)).toBe(false);
      await shipper.shutdown();
      const cursor = readCursorFile(journalDirectory);
      expect(cursor.signals.logs.segment).toBe(3);
      expect(cursor.deadLetters.length).toBeLessThanOrEqual(1000);
      expect(cursor.deadLetterSegments.map((entry: any) => [entry.signal, entry.segment, entry.records])).toEqual([
        ['logs', 1, 5],
        ['logs', 2, 1001],
      ]);

      // prune (no endpoint variable) keeps both, even with the retention long passed.
      const pruned = JSON.parse((await cli(['prune', '--older-than', '30d', '--json', '--dir', journalDirectory], { now: Date.now() })).stdout);
      expect(pruned.mode).toBe('cursor');
      expect(pruned.segments.filter((segment: any) => segment.action === 'delete')).toEqual([]);
      expect(pruned.segments.find((segment: any) => segment.segment === 'logs-0000000001.jsonl').reason).toMatch(/rejected/);

      // The disk cap (policy drop, far over the cap) does not delete them either.
      const journal = new Journal({
        directory: journalDirectory,
        maxBytes: 1024,
        diskCapPolicy: 'drop',
        export: { endpoint, signals: ['logs'], ...fastRetry },
      });
      const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
      emitAudit(provider, 20, 'cap');
      await journal.flush();
      expect(journal.shipper!.isShipped('logs', 1)).toBe(false);
      await journal.shutdown();
      expect(segmentExists(journalDirectory, 1)).toBe(true);
      expect(segmentExists(journalDirectory, 2)).toBe(true);

      // With --force they go; the next shipper forgets their entries (the list stays bounded).
      await cli(['prune', '--older-than', '30d', '--force', '--dir', journalDirectory], { now: Date.now() });
      expect(segmentExists(journalDirectory, 1)).toBe(false);
      const next = new JournalShipper({ directory: journalDirectory, endpoint, signals: ['logs'], ...fastRetry });
      next.start();
      await next.shutdown();
      expect(readCursorFile(journalDirectory).deadLetterSegments).toEqual([]);
      expect(readCursorFile(journalDirectory).deadLetters).toEqual([]);
    } finally {
      log.restore();
    }
  }, 60_000);
});

describe('partial success is accounted (finding 9)', () => {
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`${protocol}: rejected records of a 2xx answer are noted as dead letters and counted; the rest counts as shipped`, async () => {
      const old = Date.now() - DAY;
      writeSegment(directory.path, 1, [logLine(['a-0', 'a-1', 'a-2', 'a-3', 'a-4'], old), logLine(['b-0', 'b-1', 'b-2', 'b-3', 'b-4'], old)]);
      writeSegment(directory.path, 2, [logLine(['c-0', 'c-1'], old)]);
      const segmentOneSize = readFileSync(join(directory.path, 'logs-0000000001.jsonl')).length;
      await receiver.start();
      receiver.behaviour = (number, _request, response) => {
        if (number !== 0) return false;
        if (protocol === 'http/json') {
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ partialSuccess: { rejectedLogRecords: '3', errorMessage: 'quota exceeded for tenant' } }));
        } else {
          response
            .writeHead(200, { 'content-type': 'application/x-protobuf' })
            .end(encodeResponse('ExportLogsServiceResponse', { partialSuccess: { rejectedLogRecords: 3, errorMessage: 'quota exceeded for tenant' } }));
        }
        return true;
      };
      const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
      const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
      const meterProvider = new MeterProvider({ readers: [reader] });
      const log = collectDiag();
      try {
        const shipper = new JournalShipper({
          directory: directory.path,
          endpoint: `http://127.0.0.1:${receiver.port}`,
          protocol,
          signals: ['logs'],
          meter: meterProvider.getMeter('self'),
          ...fastRetry,
        });
        const result = await shipper.shipOnce(10_000);
        expect(result).toMatchObject({ recordsShipped: 7 + 2, recordsDeadLettered: 3, requests: 2, complete: true });
        expect(shipper.isShipped('logs', 1)).toBe(false);
        await shipper.shutdown();
        const cursor = readCursorFile(directory.path);
        expect(cursor.deadLetters).toMatchObject([
          { signal: 'logs', segment: 1, offset: 0, endOffset: segmentOneSize, records: 3, status: 200 },
        ]);
        expect(cursor.deadLetters[0].reason).toMatch(/partial success: 3 of 10 rejected: quota exceeded for tenant/);
        expect(cursor.deadLetterSegments).toMatchObject([{ signal: 'logs', segment: 1, records: 3 }]);
        expect(log.messages.some((message) => message.startsWith('error:') && message.includes('rejected 3 of 10 logs record(s)'))).toBe(true);
        await reader.forceFlush();
        const failures = exporter
          .getMetrics()
          .at(-1)!
          .scopeMetrics.flatMap((scope) => scope.metrics)
          .find((metric) => metric.descriptor.name === 'swarmtrail.journal.export.failures')!;
        expect(failures.dataPoints.reduce((sum, point) => sum + (point.value as number), 0)).toBe(1);
      } finally {
        log.restore();
        await meterProvider.shutdown();
      }
    });
  }

  it('a partial success with only an error message is a warning, not a rejection', async () => {
    writeSegment(directory.path, 1, [logLine(['w-0', 'w-1'], Date.now())]);
    await receiver.start();
    receiver.behaviour = (_number, _request, response) => {
      response
        .writeHead(200, { 'content-type': 'application/x-protobuf' })
        .end(encodeResponse('ExportLogsServiceResponse', { partialSuccess: { rejectedLogRecords: 0, errorMessage: 'attributes truncated' } }));
      return true;
    };
    const log = collectDiag();
    try {
      const shipper = new JournalShipper({ directory: directory.path, endpoint: `http://127.0.0.1:${receiver.port}`, ...fastRetry });
      expect(await shipper.shipOnce(10_000)).toMatchObject({ recordsShipped: 2, recordsDeadLettered: 0 });
      await shipper.shutdown();
      expect(log.messages.some((message) => message.startsWith('warn:') && message.includes('attributes truncated'))).toBe(true);
      expect(readCursorFile(directory.path).deadLetters).toEqual([]);
    } finally {
      log.restore();
    }
  });

  it('decodes partial_success of the three protobuf export responses', () => {
    expect(decodeExportPartialSuccess(encodeResponse('ExportTraceServiceResponse', { partialSuccess: { rejectedSpans: 7, errorMessage: 'spans' } }))).toEqual({
      rejected: 7,
      errorMessage: 'spans',
    });
    expect(
      decodeExportPartialSuccess(encodeResponse('ExportLogsServiceResponse', { partialSuccess: { rejectedLogRecords: 300_000, errorMessage: 'ünïcode' } })),
    ).toEqual({ rejected: 300_000, errorMessage: 'ünïcode' });
    expect(
      decodeExportPartialSuccess(encodeResponse('ExportMetricsServiceResponse', { partialSuccess: { rejectedDataPoints: 2 ** 40 } })),
    ).toEqual({ rejected: 2 ** 40, errorMessage: '' });
    // A full success: an empty body, or an empty message.
    expect(decodeExportPartialSuccess(new Uint8Array())).toBeUndefined();
    expect(decodeExportPartialSuccess(encodeResponse('ExportLogsServiceResponse', {}))).toBeUndefined();
    // Unknown fields are skipped; the field present is read.
    const withUnknown = Buffer.concat([Buffer.from([0x10, 0x05, 0x1a, 0x01, 0x41]), encodeResponse('ExportLogsServiceResponse', { partialSuccess: { rejectedLogRecords: 4 } })]);
    expect(decodeExportPartialSuccess(withUnknown)).toEqual({ rejected: 4, errorMessage: '' });
    expect(() => decodeExportPartialSuccess(Buffer.from([0x0a, 0x05, 0x08]))).toThrow(/truncated/);
    expect(parseJsonPartialSuccess('traces', '{"partialSuccess":{"rejectedSpans":"12","errorMessage":"x"}}')).toEqual({ rejected: 12, errorMessage: 'x' });
    expect(parseJsonPartialSuccess('metrics', '{"partialSuccess":{}}')).toEqual({ rejected: 0, errorMessage: '' });
    expect(parseJsonPartialSuccess('logs', '{}')).toBeUndefined();
    expect(parseJsonPartialSuccess('logs', 'not json')).toBeUndefined();
  });
});
