/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read loosely typed OTLP/JSON */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/journal/Journal.js';
import { JournalShipper, parseRetryAfter } from '../../src/journal/JournalShipper.js';
import { JournalLogRecordProcessor } from '../../src/processors/JournalLogRecordProcessor.js';
import { JournalSpanProcessor } from '../../src/processors/JournalSpanProcessor.js';
import { logRecordsOf, readJournalLines, temporaryDirectory } from './helpers.js';
import { OtlpReceiver, waitFor } from './receiver.js';

const resource = resourceFromAttributes({ 'service.name': 'journal-shipper' });
const fastRetry = { initialBackoffMillis: 20, maxBackoffMillis: 150, pollIntervalMillis: 50, shutdownTimeoutMillis: 5000 };

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

function collectDiag(): { messages: string[]; restore: () => void } {
  const messages: string[] = [];
  const push = (level: string) => (message: string) => messages.push(`${level}: ${message}`);
  const logger: DiagLogger = { error: push('error'), warn: push('warn'), info: push('info'), debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true });
  return { messages, restore: () => diag.disable() };
}

let directory: { path: string; remove: () => void };
let receiver: OtlpReceiver;
beforeEach(() => {
  directory = temporaryDirectory();
  receiver = new OtlpReceiver();
});
afterEach(async () => {
  await receiver.stop();
  directory.remove();
});

describe('JournalShipper', () => {
  it('ships spans and log records as OTLP/HTTP protobuf and advances the cursor after the 2xx', async () => {
    await receiver.start();
    const journal = new Journal({ directory: directory.path, export: { endpoint: `http://127.0.0.1:${receiver.port}`, ...fastRetry } });
    const tracerProvider = new TracerProvider({ resource, spanProcessors: [new JournalSpanProcessor({ journal })] });
    const loggerProvider = new LoggerProvider({ resource, processors: [new JournalLogRecordProcessor({ journal })] });
    const span = tracerProvider.getTracer('t').startSpan('invoke_agent a');
    span.end();
    const ids = emitAudit(loggerProvider, 50, 'p');
    await journal.flush();
    await waitFor(() => receiver.ids('/v1/logs').length >= 50 && receiver.ids('/v1/traces').length >= 1, 10_000, 'delivery');
    expect(receiver.ids('/v1/logs')).toEqual(ids);
    expect(receiver.ids('/v1/traces')).toEqual([`${span.spanContext().traceId}:${span.spanContext().spanId}`]);
    expect(receiver.received.every((request) => request.contentType === 'application/x-protobuf')).toBe(true);
    await journal.shutdown();
    const cursor = JSON.parse(readFileSync(join(directory.path, 'cursor.json'), 'utf8'));
    const size = readFileSync(join(directory.path, 'logs-0000000001.jsonl')).length;
    expect(cursor.signals.logs).toEqual({ segment: 1, offset: size });
    expect(cursor.deadLetters).toEqual([]);
  });

  it('ships OTLP/JSON when asked, with the configured headers', async () => {
    await receiver.start();
    const seen: string[] = [];
    receiver.behaviour = (_number, request) => {
      seen.push(String(request.headers['x-tenant']));
      return false;
    };
    const journal = new Journal({
      directory: directory.path,
      export: { endpoint: `http://127.0.0.1:${receiver.port}/`, protocol: 'http/json', headers: { 'x-tenant': 'acme' }, ...fastRetry },
    });
    const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
    const ids = emitAudit(provider, 10, 'j');
    await journal.flush();
    await waitFor(() => receiver.ids('/v1/logs').length >= 10, 10_000, 'delivery');
    expect(receiver.ids('/v1/logs')).toEqual(ids);
    expect(receiver.received[0].contentType).toBe('application/json');
    expect(seen).toContain('acme');
    await journal.shutdown();
  });

  it('outage: collector down, then flaky (503s, dropped connections), then up: every record arrives', async () => {
    // Find a free port, then keep it closed: the collector is down.
    await receiver.start();
    const port = receiver.port;
    await receiver.stop();
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const journal = new Journal({
      directory: directory.path,
      maxBatchRecords: 64,
      meter: meterProvider.getMeter('self'),
      export: { endpoint: `http://127.0.0.1:${port}`, ...fastRetry, maxRequestBytes: 16 * 1024 },
    });
    const tracerProvider = new TracerProvider({ resource, spanProcessors: [new JournalSpanProcessor({ journal })] });
    const loggerProvider = new LoggerProvider({ resource, processors: [new JournalLogRecordProcessor({ journal })] });
    const tracer = tracerProvider.getTracer('demo');
    const expectedSpans: string[] = [];
    const expectedIds: string[] = [];
    const work = async (phase: string): Promise<void> => {
      for (let round = 0; round < 5; round++) {
        const span = tracer.startSpan(`execute_tool ${phase}`);
        span.end();
        expectedSpans.push(`${span.spanContext().traceId}:${span.spanContext().spanId}`);
        expectedIds.push(...emitAudit(loggerProvider, 40, `${phase}${round}`));
        await new Promise((done) => setTimeout(done, 30));
      }
    };

    await work('down');
    await journal.flush();
    await new Promise((done) => setTimeout(done, 400));
    expect(receiver.received).toHaveLength(0);
    expect(journal.shipper!.backlogRecords.logs).toBe(200);
    // The self-metrics an alert would fire on while the collector is down.
    await reader.forceFlush();
    const during = exporter.getMetrics().at(-1)!.scopeMetrics.flatMap((scope) => scope.metrics);
    const backlogDuring = during.find((metric) => metric.descriptor.name === 'swarmtrail.journal.backlog')!;
    expect(backlogDuring.dataPoints.map((point) => [point.attributes['swarmtrail.signal'], point.value])).toEqual([
      ['traces', 5],
      ['logs', 200],
      ['metrics', 0],
    ]);
    const age = during.find((metric) => metric.descriptor.name === 'swarmtrail.journal.oldest_unshipped.age')!;
    expect(age.dataPoints[0].value as number).toBeGreaterThan(0.3);
    expect(during.find((metric) => metric.descriptor.name === 'swarmtrail.journal.size')!.dataPoints[0].value as number).toBeGreaterThan(0);

    // Flaky: every third request is accepted; the others get a 503 or a dropped connection.
    receiver.behaviour = (number, request, response) => {
      if (number % 3 === 0) {
        response.writeHead(503, { 'retry-after': '0' }).end('overloaded');
        return true;
      }
      if (number % 3 === 1) {
        request.socket.destroy();
        return true;
      }
      return false;
    };
    await receiver.start(port);
    await work('flaky');
    await journal.flush();
    await waitFor(() => receiver.requests >= 12, 10_000, 'flaky traffic');

    receiver.behaviour = () => false;
    await work('up');
    await journal.flush();
    await waitFor(
      () => new Set(receiver.ids('/v1/logs')).size >= expectedIds.length && new Set(receiver.ids('/v1/traces')).size >= expectedSpans.length,
      20_000,
      'every record',
    );
    expect(new Set(receiver.ids('/v1/logs'))).toEqual(new Set(expectedIds));
    expect(new Set(receiver.ids('/v1/traces'))).toEqual(new Set(expectedSpans));
    // At-least-once: a duplicate can only be a whole re-sent request, never a different record.
    expect(receiver.ids('/v1/logs').length).toBeGreaterThanOrEqual(expectedIds.length);

    await reader.forceFlush();
    const points = exporter.getMetrics().at(-1)!.scopeMetrics.flatMap((scope) => scope.metrics);
    const failures = points.find((metric) => metric.descriptor.name === 'swarmtrail.journal.export.failures')!;
    const total = failures.dataPoints.reduce((sum, point) => sum + (point.value as number), 0);
    expect(total).toBeGreaterThanOrEqual(5);
    const backlog = points.find((metric) => metric.descriptor.name === 'swarmtrail.journal.backlog')!;
    expect(backlog.dataPoints.map((point) => point.value)).toEqual([0, 0, 0]);
    await journal.shutdown();
    await meterProvider.shutdown();
  });

  it('honours Retry-After on 429', async () => {
    await receiver.start();
    const times: number[] = [];
    receiver.behaviour = (number, _request, response) => {
      times.push(Date.now());
      if (number === 0) {
        response.writeHead(429, { 'retry-after': '1' }).end();
        return true;
      }
      return false;
    };
    const journal = new Journal({ directory: directory.path, export: { endpoint: `http://127.0.0.1:${receiver.port}`, ...fastRetry } });
    const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
    emitAudit(provider, 3, 'r');
    await journal.flush();
    await waitFor(() => receiver.ids('/v1/logs').length === 3, 10_000, 'delivery after 429');
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(950);
    await journal.shutdown();
  });

  it('dead-letters a permanently rejected line loudly, keeps it on disk and goes on with the rest', async () => {
    await receiver.start();
    let rejectNext = true;
    receiver.behaviour = (_number, _request, response) => {
      if (rejectNext) {
        rejectNext = false;
        response.writeHead(400, { 'content-type': 'text/plain' }).end('bad data');
        return true;
      }
      return false;
    };
    const log = collectDiag();
    try {
      const journal = new Journal({ directory: directory.path, export: { endpoint: `http://127.0.0.1:${receiver.port}`, ...fastRetry } });
      const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
      emitAudit(provider, 4, 'bad');
      await journal.flush();
      await waitFor(() => journal.shipper!.deadLetterNotes.length === 1, 10_000, 'dead letter');
      const good = emitAudit(provider, 4, 'good');
      await journal.flush();
      await waitFor(() => receiver.ids('/v1/logs').length === 4, 10_000, 'the next line');
      expect(receiver.ids('/v1/logs')).toEqual(good);
      await journal.shutdown();
      const cursor = JSON.parse(readFileSync(join(directory.path, 'cursor.json'), 'utf8'));
      expect(cursor.deadLetters).toMatchObject([{ signal: 'logs', segment: 1, offset: 0, records: 4, status: 400 }]);
      expect(cursor.deadLetters[0].reason).toContain('bad data');
      // The rejected records are still in the journal.
      const ids = logRecordsOf(readJournalLines(directory.path, 'logs')).map(
        (record) => record.attributes.find((attribute: any) => attribute.key === 'audit.event.id').value.stringValue,
      );
      expect(ids.slice(0, 4)).toEqual(['bad-0', 'bad-1', 'bad-2', 'bad-3']);
      expect(log.messages.some((message) => message.startsWith('error:') && message.includes('rejected 4 logs record(s) for good'))).toBe(true);
    } finally {
      log.restore();
    }
  });

  it('resumes from the cursor after a restart without re-sending acknowledged lines', async () => {
    await receiver.start();
    const first = new Journal({ directory: directory.path, export: { endpoint: `http://127.0.0.1:${receiver.port}`, ...fastRetry } });
    const provider1 = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal: first })] });
    const before = emitAudit(provider1, 20, 'before');
    await first.flush();
    await waitFor(() => receiver.ids('/v1/logs').length === 20, 10_000, 'first delivery');
    await first.shutdown();
    // While stopped, the collector is down and more records are journaled by a journal without a shipper.
    await receiver.stop();
    const offline = new Journal({ directory: directory.path });
    const provider2 = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal: offline })] });
    const during = emitAudit(provider2, 20, 'offline');
    await offline.shutdown();

    await receiver.start(receiver.port);
    const second = new Journal({ directory: directory.path, export: { endpoint: `http://127.0.0.1:${receiver.port}`, ...fastRetry } });
    await waitFor(() => receiver.ids('/v1/logs').length >= 40, 10_000, 'resumed delivery');
    await second.shutdown();
    expect(receiver.ids('/v1/logs')).toEqual([...before, ...during]);
  });

  it('shipOnce ships a journal directory without a live writer (for the CLI)', async () => {
    await receiver.start();
    const journal = new Journal({ directory: directory.path, maxSegmentBytes: 1500, maxBatchRecords: 5 });
    const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
    const ids: string[] = [];
    for (let round = 0; round < 6; round++) {
      ids.push(...emitAudit(provider, 5, `s${round}`));
      await journal.flush();
    }
    await journal.shutdown();
    const shipper = new JournalShipper({ directory: directory.path, endpoint: `http://127.0.0.1:${receiver.port}`, ...fastRetry });
    const result = await shipper.shipOnce(10_000);
    expect(result).toMatchObject({ recordsShipped: 30, recordsDeadLettered: 0, complete: true });
    expect(receiver.ids('/v1/logs')).toEqual(ids);
    await shipper.shutdown();
  });

  it('deletes shipped segments first when the disk cap is reached', async () => {
    await receiver.start();
    const journal = new Journal({
      directory: directory.path,
      maxBytes: 6000,
      maxSegmentBytes: 1500,
      maxBatchRecords: 5,
      diskCapPolicy: 'drop',
      export: { endpoint: `http://127.0.0.1:${receiver.port}`, ...fastRetry },
    });
    const provider = new LoggerProvider({ processors: [new JournalLogRecordProcessor({ journal })] });
    const ids: string[] = [];
    for (let round = 0; round < 30; round++) {
      ids.push(...emitAudit(provider, 5, `c${round}`));
      await journal.flush();
      await waitFor(() => receiver.ids('/v1/logs').length >= ids.length, 10_000, 'delivery');
    }
    await journal.shutdown();
    expect(new Set(receiver.ids('/v1/logs'))).toEqual(new Set(ids));
    expect(journal.sizeBytes).toBeLessThanOrEqual(6000);
  });

  it('parses Retry-After in seconds and as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('99999')).toBe(300_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('rejects a bad endpoint or protocol with a message naming the option', () => {
    expect(() => new JournalShipper({ directory: directory.path, endpoint: 'not a url' })).toThrow(/option endpoint/);
    expect(() => new JournalShipper({ directory: directory.path, endpoint: 'http://x', protocol: 'grpc' as never })).toThrow(/option protocol/);
  });
});
