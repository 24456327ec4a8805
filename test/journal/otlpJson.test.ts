/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read loosely typed OTLP/JSON */
import { SeverityNumber, SpanKind, SpanStatusCode, ValueType, context, trace } from '@opentelemetry/api';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import {
  buildRequest,
  buildRequestJson,
  encodeAnyValue,
  encodeLogRecord,
  encodeResourceMetrics,
  encodeSpan,
} from '../../src/journal/otlpJson.js';
import { encodeRequestAsProtobuf } from '../../src/journal/otlpProtobuf.js';

const resource = resourceFromAttributes({ 'service.name': 'journal-test', 'deployment.environment': 'test' });

async function makeSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('swarmtrail-test', '1.2.3');
  tracer.startActiveSpan('invoke_workflow demo', { kind: SpanKind.INTERNAL }, (parent) => {
    const child = tracer.startSpan('execute_tool search', {
      kind: SpanKind.CLIENT,
      attributes: { 'gen_ai.tool.name': 'search', count: 3, ratio: 0.25, ok: true, tags: ['a', 'b'], big: 2 ** 40 },
    }, trace.setSpan(context.active(), parent));
    child.addEvent('retry', { attempt: 2 });
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    child.end();
    parent.end();
  });
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

async function makeLogs() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('swarmtrail-test', '1.2.3');
  logger.emit({
    eventName: 'audit.decision',
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: { decision: 'ship', nested: { list: [1, 'two', 3.5], bytes: new Uint8Array([1, 2, 255]) } },
    attributes: { 'audit.event.id': 'e-1', 'audit.event.type': 'decision', n: 42, x: -7 },
  });
  logger.emit({ body: 'plain', attributes: {} });
  await provider.forceFlush();
  return exporter.getFinishedLogRecords();
}

async function makeMetrics() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('swarmtrail-test', '1.2.3');
  meter.createCounter('swarmtrail.audit.events', { unit: '{event}', valueType: ValueType.INT }).add(5, { 'audit.outcome': 'success' });
  meter.createHistogram('swarmtrail.tool.duration', { unit: 's' }).record(0.3, { 'gen_ai.tool.name': 'search' });
  meter.createUpDownCounter('queue', { valueType: ValueType.DOUBLE }).add(-1.5);
  await reader.forceFlush();
  const collected = exporter.getMetrics();
  await provider.shutdown();
  return collected[collected.length - 1];
}

/** Drops default-valued fields and compares numbers as strings (int64 may be either in JSON). */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const normalized = normalize(inner);
      if (normalized === undefined || normalized === '' || normalized === '0' || normalized === false) continue;
      if (Array.isArray(normalized) && normalized.length === 0) continue;
      if (normalized !== null && typeof normalized === 'object' && Object.keys(normalized).length === 0) continue;
      out[key] = normalized;
    }
    return out;
  }
  if (typeof value === 'number') return String(value);
  return value ?? undefined;
}

function transformerJson(bytes: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(bytes!).toString('utf8'));
}

/** Decodes protobuf wire format without a schema into a canonical tree (defaults dropped). */
function wireTree(bytes: Uint8Array): unknown[] | undefined {
  const fields: [number, unknown][] = [];
  let position = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (position >= bytes.length) throw new Error('truncated');
      const byte = bytes[position++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('varint too long');
    }
  };
  try {
    while (position < bytes.length) {
      const tag = Number(varint());
      const field = tag >> 3;
      const wire = tag & 7;
      if (field === 0) return undefined;
      if (wire === 0) {
        const value = varint();
        if (value !== 0n) fields.push([field, `v${value}`]);
      } else if (wire === 1) {
        if (position + 8 > bytes.length) return undefined;
        const value = Buffer.from(bytes.subarray(position, position + 8)).toString('hex');
        position += 8;
        if (value !== '0000000000000000') fields.push([field, `f64:${value}`]);
      } else if (wire === 5) {
        if (position + 4 > bytes.length) return undefined;
        const value = Buffer.from(bytes.subarray(position, position + 4)).toString('hex');
        position += 4;
        if (value !== '00000000') fields.push([field, `f32:${value}`]);
      } else if (wire === 2) {
        const length = Number(varint());
        if (position + length > bytes.length) return undefined;
        const inner = bytes.subarray(position, position + length);
        position += length;
        if (length === 0) continue;
        const tree = wireTree(inner);
        if (tree !== undefined && tree.length === 0) continue; // a message holding only defaults == absent
        fields.push([field, tree ?? `b:${Buffer.from(inner).toString('hex')}`]);
      } else return undefined;
    }
  } catch {
    return undefined;
  }
  return fields.sort((a, b) => a[0] - b[0]);
}

describe('OTLP/JSON encoding', () => {
  it('encodes spans as the OTLP JSON mapping and agrees with otlp-transformer', async () => {
    const spans = await makeSpans();
    const ours = buildRequest('traces', spans.map((span) => ({ resource: span.resource, scope: span.instrumentationScope, record: encodeSpan(span) })));
    expect(normalize(JSON.parse(JSON.stringify(ours)))).toEqual(normalize(transformerJson(JsonTraceSerializer.serializeRequest(spans))));
    const child = (ours as any).resourceSpans[0].scopeSpans[0].spans.find((span: any) => span.name === 'execute_tool search');
    expect(child.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.startTimeUnixNano).toMatch(/^\d{19}$/);
    expect(child.kind).toBe(3);
    expect(child.status).toEqual({ code: 2, message: 'boom' });
    expect(child.attributes).toEqual([
      { key: 'gen_ai.tool.name', value: { stringValue: 'search' } },
      { key: 'count', value: { intValue: '3' } },
      { key: 'ratio', value: { doubleValue: 0.25 } },
      { key: 'ok', value: { boolValue: true } },
      { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
      { key: 'big', value: { intValue: '1099511627776' } },
    ]);
    expect(child.events[0]).toMatchObject({ name: 'retry', attributes: [{ key: 'attempt', value: { intValue: '2' } }] });
  });

  it('encodes log records as the OTLP JSON mapping and agrees with otlp-transformer', async () => {
    const records = await makeLogs();
    const ours = buildRequest('logs', records.map((record) => ({ resource: record.resource, scope: record.instrumentationScope, record: encodeLogRecord(record) })));
    expect(normalize(JSON.parse(JSON.stringify(ours)))).toEqual(normalize(transformerJson(JsonLogsSerializer.serializeRequest(records))));
    const first = (ours as any).resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(first.eventName).toBe('audit.decision');
    expect(first.severityNumber).toBe(9);
    expect(first.body.kvlistValue.values[1].value.kvlistValue.values).toEqual([
      { key: 'list', value: { arrayValue: { values: [{ intValue: '1' }, { stringValue: 'two' }, { doubleValue: 3.5 }] } } },
      { key: 'bytes', value: { bytesValue: 'AQL/' } },
    ]);
    expect(first.attributes).toContainEqual({ key: 'x', value: { intValue: '-7' } });
  });

  it('encodes metrics as the OTLP JSON mapping with int64 values as strings', async () => {
    const collected = await makeMetrics();
    const ours = { resourceMetrics: [encodeResourceMetrics(collected)] };
    expect(normalize(JSON.parse(JSON.stringify(ours)))).toEqual(normalize(transformerJson(JsonMetricsSerializer.serializeRequest(collected))));
    const metrics = (ours as any).resourceMetrics[0].scopeMetrics[0].metrics;
    const counter = metrics.find((metric: any) => metric.name === 'swarmtrail.audit.events');
    expect(counter.sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
    expect(counter.sum.dataPoints[0].asInt).toBe('5');
    const histogram = metrics.find((metric: any) => metric.name === 'swarmtrail.tool.duration').histogram;
    expect(histogram.dataPoints[0].count).toBe('1');
    expect(histogram.dataPoints[0].bucketCounts.every((count: unknown) => typeof count === 'string')).toBe(true);
  });

  it('buildRequestJson (what the journal writes) equals buildRequest serialised', async () => {
    const records = await makeLogs();
    const spans = await makeSpans();
    expect(
      JSON.parse(buildRequestJson('logs', records.map((record) => ({ resource: record.resource, scope: record.instrumentationScope, json: JSON.stringify(encodeLogRecord(record)) })))),
    ).toEqual(JSON.parse(JSON.stringify(buildRequest('logs', records.map((record) => ({ resource: record.resource, scope: record.instrumentationScope, record: encodeLogRecord(record) }))))));
    expect(
      JSON.parse(buildRequestJson('traces', spans.map((span) => ({ resource: span.resource, scope: span.instrumentationScope, json: JSON.stringify(encodeSpan(span)) })))),
    ).toEqual(JSON.parse(JSON.stringify(buildRequest('traces', spans.map((span) => ({ resource: span.resource, scope: span.instrumentationScope, record: encodeSpan(span) }))))));
  });

  it('writes non-finite doubles and odd values the way the JSON mapping requires', () => {
    expect(encodeAnyValue(Number.NaN)).toEqual({ doubleValue: 'NaN' });
    expect(encodeAnyValue(Number.NEGATIVE_INFINITY)).toEqual({ doubleValue: '-Infinity' });
    expect(encodeAnyValue(10n ** 18n)).toEqual({ intValue: '1000000000000000000' });
    expect(encodeAnyValue(1e18)).toEqual({ intValue: '1000000000000000000' });
    expect(encodeAnyValue(1e21)).toEqual({ doubleValue: 1e21 });
    expect(encodeAnyValue(null)).toEqual({});
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(JSON.stringify(encodeAnyValue(cyclic))).toContain('[Truncated: depth]');
  });
});

describe('OTLP protobuf from the journal lines', () => {
  it('produces the same protobuf message as otlp-transformer for spans', async () => {
    const spans = await makeSpans();
    const line = JSON.parse(
      JSON.stringify(buildRequest('traces', spans.map((span) => ({ resource: span.resource, scope: span.instrumentationScope, record: encodeSpan(span) })))),
    );
    const ours = wireTree(encodeRequestAsProtobuf('traces', line));
    const theirs = wireTree(ProtobufTraceSerializer.serializeRequest(spans)!);
    expect(ours).toBeDefined();
    expect(ours).toEqual(theirs);
  });

  it('produces the same protobuf message as otlp-transformer for log records', async () => {
    const records = await makeLogs();
    const line = JSON.parse(
      JSON.stringify(buildRequest('logs', records.map((record) => ({ resource: record.resource, scope: record.instrumentationScope, record: encodeLogRecord(record) })))),
    );
    const ours = wireTree(encodeRequestAsProtobuf('logs', line));
    const theirs = wireTree(ProtobufLogsSerializer.serializeRequest(records)!);
    expect(ours).toBeDefined();
    expect(ours).toEqual(theirs);
  });
});
