/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read loosely typed OTLP/JSON */
/**
 * Feeds journal segments to a real OpenTelemetry Collector (our build, scripts/build-collector.sh):
 * (a) each segment line POSTed as-is with `Content-Type: application/json` — the collector decodes
 *     it with the same pdata JSON unmarshaler its otlpjsonfile receiver uses (that receiver is not
 *     in our build);
 * (b) the shipper's default OTLP/HTTP protobuf encoding of the same lines.
 * The collector's file exporter must write out the same spans, log records and metrics both times.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeverityNumber, SpanStatusCode, ValueType, context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalMetricExporter } from '../../src/exporters/JournalMetricExporter.js';
import { Journal } from '../../src/journal/Journal.js';
import { JournalShipper } from '../../src/journal/JournalShipper.js';
import { JournalLogRecordProcessor } from '../../src/processors/JournalLogRecordProcessor.js';
import { JournalSpanProcessor } from '../../src/processors/JournalSpanProcessor.js';
import { readJournalLines, temporaryDirectory } from './helpers.js';
import { waitFor } from './receiver.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

function fileLines(path: string): any[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

const spansIn = (requests: any[]) =>
  requests.flatMap((request) => request.resourceSpans.flatMap((resource: any) => resource.scopeSpans.flatMap((scope: any) => scope.spans)));
const logsIn = (requests: any[]) =>
  requests.flatMap((request) => request.resourceLogs.flatMap((resource: any) => resource.scopeLogs.flatMap((scope: any) => scope.logRecords)));
const metricsIn = (requests: any[]) =>
  requests.flatMap((request) =>
    request.resourceMetrics.flatMap((resource: any) => resource.scopeMetrics.flatMap((scope: any) => scope.metrics)),
  );

let directory: { path: string; remove: () => void };
let collector: ChildProcess | undefined;
let port = 0;
let collectorLog = '';

beforeAll(async () => {
  directory = temporaryDirectory('swarmtrail-journal-collector-');
  const binary = execFileSync(join(ROOT, 'scripts', 'build-collector.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 }).trim();
  port = await freePort();
  const out = join(directory.path, 'out');
  const config = join(directory.path, 'collector.yaml');
  writeFileSync(
    config,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      http:',
      `        endpoint: 127.0.0.1:${port}`,
      'exporters:',
      ...['traces', 'logs', 'metrics'].flatMap((signal) => [`  file/${signal}:`, `    path: ${out}-${signal}.json`, '    flush_interval: 100ms']),
      'service:',
      '  telemetry:',
      '    metrics:',
      '      level: none',
      '  pipelines:',
      ...['traces', 'logs', 'metrics'].flatMap((signal) => [`    ${signal}:`, '      receivers: [otlp]', `      exporters: [file/${signal}]`]),
      '',
    ].join('\n'),
  );
  collector = spawn(binary, [`--config=${config}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  collector.stdout!.on('data', (chunk: Buffer) => (collectorLog += chunk.toString()));
  collector.stderr!.on('data', (chunk: Buffer) => (collectorLog += chunk.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/v1/logs`, { method: 'GET' });
      break;
    } catch {
      if (Date.now() > deadline || collector.exitCode !== null) throw new Error(`collector did not start:\n${collectorLog}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}, 660_000);

afterAll(async () => {
  if (collector !== undefined && collector.exitCode === null) {
    const exited = new Promise((done) => collector!.once('exit', done));
    collector.kill('SIGTERM');
    const timer = setTimeout(() => collector!.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  directory?.remove();
});

describe('journal segments and a real OpenTelemetry Collector', () => {
  it('the collector reads the segment lines as OTLP/JSON and the shipper protobuf alike', async () => {
    const journalDirectory = join(directory.path, 'journal');
    const journal = new Journal({ directory: journalDirectory });
    const resource = resourceFromAttributes({ 'service.name': 'collector-check' });
    const tracerProvider = new TracerProvider({ resource, spanProcessors: [new JournalSpanProcessor({ journal })] });
    const loggerProvider = new LoggerProvider({ resource, processors: [new JournalLogRecordProcessor({ journal })] });
    const reader = new PeriodicExportingMetricReader({ exporter: new JournalMetricExporter({ journal }), exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ resource, readers: [reader] });

    const tracer = tracerProvider.getTracer('swarmtrail', '0.1.0');
    const parent = tracer.startSpan('invoke_workflow research');
    const child = tracer.startSpan(
      'execute_tool search',
      { attributes: { 'gen_ai.tool.name': 'search', count: 42, ratio: 0.5, tags: ['a', 'b'] } },
      trace.setSpan(context.active(), parent),
    );
    child.addEvent('retry', { attempt: 2 });
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
    child.end();
    parent.end();
    loggerProvider.getLogger('swarmtrail').emit({
      eventName: 'audit.decision',
      severityNumber: SeverityNumber.INFO,
      body: { decision: 'ship', score: 0.9, raw: new Uint8Array([1, 2, 3]) },
      attributes: { 'audit.event.id': 'evt-1', 'audit.event.type': 'decision', 'audit.tokens': 1234 },
      context: trace.setSpan(context.active(), child),
    });
    const meter = meterProvider.getMeter('swarmtrail');
    meter.createCounter('swarmtrail.audit.events', { valueType: ValueType.INT }).add(7, { 'audit.outcome': 'success' });
    meter.createHistogram('swarmtrail.tool.duration', { unit: 's' }).record(1.5);
    await reader.forceFlush();
    await journal.flush();

    // (a) the raw segment lines, as the otlpjsonfile receiver would read them.
    for (const signal of ['traces', 'logs', 'metrics'] as const) {
      for (const line of readJournalLines(journalDirectory, signal)) {
        const response = await fetch(`http://127.0.0.1:${port}/v1/${signal}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(line),
        });
        expect(response.status, `${signal}: ${await response.text()}`).toBe(200);
      }
    }
    const out = (signal: string) => join(directory.path, `out-${signal}.json`);
    await waitFor(() => spansIn(fileLines(out('traces'))).length === 2 && logsIn(fileLines(out('logs'))).length === 1 && metricsIn(fileLines(out('metrics'))).length === 2, 10_000, 'collector output (json)');

    // (b) the shipper's protobuf.
    const shipper = new JournalShipper({ directory: journalDirectory, endpoint: `http://127.0.0.1:${port}` });
    expect(await shipper.shipOnce(10_000)).toMatchObject({ recordsShipped: 2 + 1 + 2, recordsDeadLettered: 0, complete: true });
    await shipper.shutdown();
    await waitFor(() => spansIn(fileLines(out('traces'))).length === 4 && logsIn(fileLines(out('logs'))).length === 2 && metricsIn(fileLines(out('metrics'))).length === 4, 10_000, 'collector output (protobuf)');

    const spans = spansIn(fileLines(out('traces')));
    expect(spans.slice(2)).toEqual(spans.slice(0, 2));
    const tool = spans.find((span: any) => span.name === 'execute_tool search');
    expect(tool).toMatchObject({
      traceId: child.spanContext().traceId,
      spanId: child.spanContext().spanId,
      parentSpanId: parent.spanContext().spanId,
      status: { code: 2, message: 'timeout' },
      events: [{ name: 'retry', attributes: [{ key: 'attempt', value: { intValue: '2' } }] }],
    });
    expect(tool.attributes).toEqual(
      expect.arrayContaining([
        { key: 'count', value: { intValue: '42' } },
        { key: 'ratio', value: { doubleValue: 0.5 } },
        { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
      ]),
    );

    const logs = logsIn(fileLines(out('logs')));
    expect(logs[1]).toEqual(logs[0]);
    expect(logs[0]).toMatchObject({
      eventName: 'audit.decision',
      severityNumber: 9,
      traceId: child.spanContext().traceId,
      spanId: child.spanContext().spanId,
      body: { kvlistValue: { values: [{ key: 'decision', value: { stringValue: 'ship' } }, { key: 'score', value: { doubleValue: 0.9 } }, { key: 'raw', value: { bytesValue: 'AQID' } }] } },
    });
    expect(logs[0].attributes).toContainEqual({ key: 'audit.tokens', value: { intValue: '1234' } });

    const metrics = metricsIn(fileLines(out('metrics')));
    expect(metrics.slice(2)).toEqual(metrics.slice(0, 2));
    expect(metrics.find((metric: any) => metric.name === 'swarmtrail.audit.events').sum).toMatchObject({
      aggregationTemporality: 2,
      isMonotonic: true,
      dataPoints: [{ asInt: '7', attributes: [{ key: 'audit.outcome', value: { stringValue: 'success' } }] }],
    });
    expect(metrics.find((metric: any) => metric.name === 'swarmtrail.tool.duration').histogram.dataPoints[0]).toMatchObject({
      count: '1',
      sum: 1.5,
    });

    await meterProvider.shutdown();
    await tracerProvider.shutdown();
    await loggerProvider.shutdown();
    await journal.shutdown();
  }, 60_000);
});
