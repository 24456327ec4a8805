/**
 * Encoding of SDK spans, log records and metrics into the OTLP/JSON mapping
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): lowerCamelCase field names,
 * trace and span ids as lowercase hex, enums as integers, 64-bit integers as decimal strings,
 * bytes as base64, non-finite doubles as "NaN"/"Infinity"/"-Infinity". Fields holding their
 * default value (0, empty string, empty list) are left out, as proto3 JSON allows; readers must
 * treat an absent field as its default.
 *
 * `@opentelemetry/otlp-transformer`'s JSON serializers produce the same structure but write int64
 * values (`intValue`, `asInt`, histogram counts) as JSON numbers and non-finite doubles as `null`,
 * which the JSON mapping does not allow; hence this module. test/journal/otlpJson.test.ts checks
 * the two agree on everything else.
 */
import type { AnyValue, Attributes, HrTime, SpanContext } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { DataPoint, MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** OTLP/JSON `AnyValue`. */
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values: OtlpAnyValue[] };
  kvlistValue?: { values: OtlpKeyValue[] };
}

/** OTLP/JSON `KeyValue`. */
export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

/** OTLP/JSON `Resource`. */
export interface OtlpResource {
  attributes: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

/** OTLP/JSON `InstrumentationScope`. */
export interface OtlpScope {
  name: string;
  version?: string;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

/** One encoded record together with the resource and scope it belongs to. */
export interface EncodedRecord {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly record: object;
}

const MAX_ANY_VALUE_DEPTH = 32;
const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE = 0x100;
const SPAN_FLAGS_CONTEXT_IS_REMOTE = 0x200;

/** Nanoseconds since the epoch as a decimal string, without going through floating point. */
export function encodeHrTime(time: HrTime): string {
  const seconds = Math.trunc(time[0]);
  const nanos = Math.trunc(time[1]);
  if (seconds === 0) return String(nanos);
  return `${seconds}${String(nanos).padStart(9, '0')}`;
}

function encodeDouble(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

const TWO_TO_THE_63 = 2 ** 63;

/** Whether a JS number is an integer that fits OTLP's int64 (larger ones are written as doubles). */
function isInt64(value: number): boolean {
  return Number.isInteger(value) && value >= -TWO_TO_THE_63 && value < TWO_TO_THE_63;
}

/** Decimal string of an integral number, exact beyond 2^53 (never exponent notation). */
function int64String(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}

function encodeInt64(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  return Number.isFinite(value) ? int64String(Math.trunc(value)) : '0';
}

/** Encodes an attribute value or log body; never throws (cycles and deep nesting are cut). */
export function encodeAnyValue(value: unknown, depth = 0): OtlpAnyValue {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      return isInt64(value) ? { intValue: int64String(value) } : { doubleValue: encodeDouble(value) };
    case 'bigint':
      return { intValue: value.toString() };
    case 'object': {
      if (value === null) return {};
      if (depth >= MAX_ANY_VALUE_DEPTH) return { stringValue: '[Truncated: depth]' };
      if (value instanceof Uint8Array) {
        return { bytesValue: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
      }
      if (Array.isArray(value)) {
        return { arrayValue: { values: value.map((item: unknown) => encodeAnyValue(item, depth + 1)) } };
      }
      if (value instanceof Date) return { stringValue: value.toISOString() };
      const values: OtlpKeyValue[] = [];
      for (const key of Object.keys(value)) {
        values.push({ key, value: encodeAnyValue((value as Record<string, unknown>)[key], depth + 1) });
      }
      return { kvlistValue: { values } };
    }
    default:
      return {};
  }
}

/** Encodes attributes into OTLP `KeyValue`s, keeping the SDK's key order. */
export function encodeAttributes(attributes: Attributes | Readonly<Record<string, AnyValue>>): OtlpKeyValue[] {
  const out: OtlpKeyValue[] = [];
  for (const key of Object.keys(attributes)) {
    out.push({ key, value: encodeAnyValue(attributes[key]) });
  }
  return out;
}

const resourceCache = new WeakMap<Resource, OtlpResource>();

/** Encodes a resource; cached per resource object, which the SDK shares between records. */
export function encodeResource(resource: Resource): OtlpResource {
  let encoded = resourceCache.get(resource);
  if (encoded === undefined) {
    encoded = { attributes: encodeAttributes(resource.attributes) };
    resourceCache.set(resource, encoded);
  }
  return encoded;
}

type ScopeWithAttributes = InstrumentationScope & { attributes?: Attributes; droppedAttributesCount?: number };

/** Encodes an instrumentation scope. */
export function encodeScope(scope: ScopeWithAttributes): OtlpScope {
  const out: OtlpScope = { name: scope.name };
  if (scope.version) out.version = scope.version;
  if (scope.attributes && Object.keys(scope.attributes).length > 0) {
    out.attributes = encodeAttributes(scope.attributes);
    if (scope.droppedAttributesCount) out.droppedAttributesCount = scope.droppedAttributesCount;
  }
  return out;
}

function spanFlags(context: SpanContext, parentIsRemote: boolean | undefined): number {
  let flags = (context.traceFlags & 0xff) | SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE;
  if (parentIsRemote) flags |= SPAN_FLAGS_CONTEXT_IS_REMOTE;
  return flags;
}

/** Encodes one ended span as an OTLP/JSON `Span`. */
export function encodeSpan(span: ReadableSpan): object {
  const context = span.spanContext();
  const out: Record<string, unknown> = {
    traceId: context.traceId,
    spanId: context.spanId,
  };
  const traceState = context.traceState?.serialize();
  if (traceState) out.traceState = traceState;
  if (span.parentSpanContext?.spanId) out.parentSpanId = span.parentSpanContext.spanId;
  out.flags = spanFlags(context, span.parentSpanContext?.isRemote);
  out.name = span.name;
  out.kind = (span.kind ?? 0) + 1;
  out.startTimeUnixNano = encodeHrTime(span.startTime);
  out.endTimeUnixNano = encodeHrTime(span.endTime);
  out.attributes = encodeAttributes(span.attributes);
  if (span.droppedAttributesCount) out.droppedAttributesCount = span.droppedAttributesCount;
  if (span.events.length > 0) {
    out.events = span.events.map((event) => {
      const encoded: Record<string, unknown> = {
        timeUnixNano: encodeHrTime(event.time),
        name: event.name,
        attributes: event.attributes ? encodeAttributes(event.attributes) : [],
      };
      if (event.droppedAttributesCount) encoded.droppedAttributesCount = event.droppedAttributesCount;
      return encoded;
    });
  }
  if (span.droppedEventsCount) out.droppedEventsCount = span.droppedEventsCount;
  if (span.links.length > 0) {
    out.links = span.links.map((link) => {
      const encoded: Record<string, unknown> = {
        traceId: link.context.traceId,
        spanId: link.context.spanId,
      };
      const linkState = link.context.traceState?.serialize();
      if (linkState) encoded.traceState = linkState;
      encoded.attributes = link.attributes ? encodeAttributes(link.attributes) : [];
      if (link.droppedAttributesCount) encoded.droppedAttributesCount = link.droppedAttributesCount;
      encoded.flags = spanFlags(link.context, link.context.isRemote);
      return encoded;
    });
  }
  if (span.droppedLinksCount) out.droppedLinksCount = span.droppedLinksCount;
  const status: Record<string, unknown> = {};
  if (span.status.message) status.message = span.status.message;
  if (span.status.code) status.code = span.status.code;
  out.status = status;
  return out;
}

/** Encodes one log record as an OTLP/JSON `LogRecord` (a snapshot: later changes are not seen). */
export function encodeLogRecord(record: ReadableLogRecord): object {
  const out: Record<string, unknown> = {
    timeUnixNano: encodeHrTime(record.hrTime),
    observedTimeUnixNano: encodeHrTime(record.hrTimeObserved),
  };
  if (record.severityNumber) out.severityNumber = record.severityNumber;
  if (record.severityText) out.severityText = record.severityText;
  if (record.body !== undefined) out.body = encodeAnyValue(record.body);
  if (record.eventName) out.eventName = record.eventName;
  out.attributes = encodeAttributes(record.attributes);
  if (record.droppedAttributesCount) out.droppedAttributesCount = record.droppedAttributesCount;
  const context = record.spanContext;
  if (context) {
    if (context.traceFlags) out.flags = context.traceFlags;
    out.traceId = context.traceId;
    out.spanId = context.spanId;
  }
  return out;
}

/** Which top-level and scope-level field names each signal uses in its export request. */
export const REQUEST_FIELDS = {
  traces: { resource: 'resourceSpans', scope: 'scopeSpans', records: 'spans' },
  logs: { resource: 'resourceLogs', scope: 'scopeLogs', records: 'logRecords' },
  metrics: { resource: 'resourceMetrics', scope: 'scopeMetrics', records: 'metrics' },
} as const;

/** Groups records by resource (identity) and instrumentation scope, keeping their order. */
function groupByResourceAndScope<I extends { readonly resource: Resource; readonly scope: InstrumentationScope }, R>(
  items: readonly I[],
  recordOf: (item: I) => R,
): Map<Resource, Map<string, { scope: InstrumentationScope; records: R[] }>> {
  const byResource = new Map<Resource, Map<string, { scope: InstrumentationScope; records: R[] }>>();
  for (const item of items) {
    let byScope = byResource.get(item.resource);
    if (byScope === undefined) {
      byScope = new Map();
      byResource.set(item.resource, byScope);
    }
    const scopeKey = `${item.scope.name}@${item.scope.version ?? ''}:${item.scope.schemaUrl ?? ''}`;
    let group = byScope.get(scopeKey);
    if (group === undefined) {
      group = { scope: item.scope, records: [] };
      byScope.set(scopeKey, group);
    }
    group.records.push(recordOf(item));
  }
  return byResource;
}

/**
 * Groups encoded records by resource and scope into one export request
 * (`ExportTraceServiceRequest` or `ExportLogsServiceRequest`).
 */
export function buildRequest(signal: 'traces' | 'logs', records: readonly EncodedRecord[]): object {
  const fields = REQUEST_FIELDS[signal];
  const byResource = groupByResourceAndScope(records, (item) => item.record);
  const resources: object[] = [];
  for (const [resource, byScope] of byResource) {
    const scopes: object[] = [];
    for (const group of byScope.values()) {
      const scopeEntry: Record<string, unknown> = {
        scope: encodeScope(group.scope),
        [fields.records]: group.records,
      };
      if (group.scope.schemaUrl) scopeEntry.schemaUrl = group.scope.schemaUrl;
      scopes.push(scopeEntry);
    }
    const resourceEntry: Record<string, unknown> = { resource: encodeResource(resource), [fields.scope]: scopes };
    if (resource.schemaUrl) resourceEntry.schemaUrl = resource.schemaUrl;
    resources.push(resourceEntry);
  }
  return { [fields.resource]: resources };
}

/** One record already serialised as OTLP/JSON, with the resource and scope it belongs to. */
export interface SerializedRecord {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly json: string;
}

const resourceJsonCache = new WeakMap<Resource, string>();

function resourceJson(resource: Resource): string {
  let json = resourceJsonCache.get(resource);
  if (json === undefined) {
    json = JSON.stringify(encodeResource(resource));
    resourceJsonCache.set(resource, json);
  }
  return json;
}

/**
 * Same as {@link buildRequest}, for records already serialised: returns the export request as a
 * JSON string (without a newline), concatenating the records' JSON instead of re-serialising them.
 */
export function buildRequestJson(signal: 'traces' | 'logs', records: readonly SerializedRecord[]): string {
  const fields = REQUEST_FIELDS[signal];
  const byResource = groupByResourceAndScope(records, (item) => item.json);
  const resources: string[] = [];
  for (const [resource, byScope] of byResource) {
    const scopes: string[] = [];
    for (const group of byScope.values()) {
      const schema = group.scope.schemaUrl ? `,"schemaUrl":${JSON.stringify(group.scope.schemaUrl)}` : '';
      scopes.push(`{"scope":${JSON.stringify(encodeScope(group.scope))},"${fields.records}":[${group.records.join(',')}]${schema}}`);
    }
    const schema = resource.schemaUrl ? `,"schemaUrl":${JSON.stringify(resource.schemaUrl)}` : '';
    resources.push(`{"resource":${resourceJson(resource)},"${fields.scope}":[${scopes.join(',')}]${schema}}`);
  }
  return `{"${fields.resource}":[${resources.join(',')}]}`;
}

function toTemporality(temporality: AggregationTemporality): number {
  return temporality === AggregationTemporality.DELTA ? 1 : 2;
}

function pointTimes(point: DataPoint<unknown>): Record<string, unknown> {
  return {
    attributes: encodeAttributes(point.attributes),
    startTimeUnixNano: encodeHrTime(point.startTime),
    timeUnixNano: encodeHrTime(point.endTime),
  };
}

function encodeMetric(metric: MetricData): object {
  const out: Record<string, unknown> = { name: metric.descriptor.name };
  if (metric.descriptor.description) out.description = metric.descriptor.description;
  if (metric.descriptor.unit) out.unit = metric.descriptor.unit;
  const isInt = metric.descriptor.valueType === ValueType.INT;
  switch (metric.dataPointType) {
    case DataPointType.SUM:
    case DataPointType.GAUGE: {
      const dataPoints = metric.dataPoints.map((point) => {
        const encoded = pointTimes(point);
        if (isInt) encoded.asInt = encodeInt64(point.value);
        else encoded.asDouble = encodeDouble(point.value);
        return encoded;
      });
      if (metric.dataPointType === DataPointType.GAUGE) out.gauge = { dataPoints };
      else {
        out.sum = {
          dataPoints,
          aggregationTemporality: toTemporality(metric.aggregationTemporality),
          isMonotonic: metric.isMonotonic,
        };
      }
      break;
    }
    case DataPointType.HISTOGRAM:
      out.histogram = {
        aggregationTemporality: toTemporality(metric.aggregationTemporality),
        dataPoints: metric.dataPoints.map((point) => {
          const encoded = pointTimes(point);
          const value = point.value;
          encoded.count = encodeInt64(value.count);
          if (value.sum !== undefined) encoded.sum = encodeDouble(value.sum);
          encoded.bucketCounts = value.buckets.counts.map(encodeInt64);
          encoded.explicitBounds = value.buckets.boundaries.map(encodeDouble);
          if (value.min !== undefined) encoded.min = encodeDouble(value.min);
          if (value.max !== undefined) encoded.max = encodeDouble(value.max);
          return encoded;
        }),
      };
      break;
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      out.exponentialHistogram = {
        aggregationTemporality: toTemporality(metric.aggregationTemporality),
        dataPoints: metric.dataPoints.map((point) => {
          const encoded = pointTimes(point);
          const value = point.value;
          encoded.count = encodeInt64(value.count);
          if (value.sum !== undefined) encoded.sum = encodeDouble(value.sum);
          encoded.scale = value.scale;
          encoded.zeroCount = encodeInt64(value.zeroCount);
          encoded.positive = { offset: value.positive.offset, bucketCounts: value.positive.bucketCounts.map(encodeInt64) };
          encoded.negative = { offset: value.negative.offset, bucketCounts: value.negative.bucketCounts.map(encodeInt64) };
          if (value.min !== undefined) encoded.min = encodeDouble(value.min);
          if (value.max !== undefined) encoded.max = encodeDouble(value.max);
          return encoded;
        }),
      };
      break;
  }
  return out;
}

/** Encodes one collection of the metrics SDK as an OTLP/JSON `ResourceMetrics`. */
export function encodeResourceMetrics(resourceMetrics: ResourceMetrics): object {
  const out: Record<string, unknown> = {
    resource: encodeResource(resourceMetrics.resource),
    scopeMetrics: resourceMetrics.scopeMetrics.map((scopeMetrics) => {
      const entry: Record<string, unknown> = {
        scope: encodeScope(scopeMetrics.scope),
        metrics: scopeMetrics.metrics.map(encodeMetric),
      };
      if (scopeMetrics.scope.schemaUrl) entry.schemaUrl = scopeMetrics.scope.schemaUrl;
      return entry;
    }),
  };
  if (resourceMetrics.resource.schemaUrl) out.schemaUrl = resourceMetrics.resource.schemaUrl;
  return out;
}

/** Counts the spans, log records or metric data points in a parsed export request. */
export function countRecords(request: unknown): number {
  let count = 0;
  if (typeof request !== 'object' || request === null) return 0;
  const value = request as Record<string, unknown>;
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    const fields = REQUEST_FIELDS[signal];
    const resources = value[fields.resource];
    if (!Array.isArray(resources)) continue;
    for (const resource of resources as Record<string, unknown>[]) {
      const scopes = resource?.[fields.scope];
      if (!Array.isArray(scopes)) continue;
      for (const scope of scopes as Record<string, unknown>[]) {
        const records = scope?.[fields.records];
        if (!Array.isArray(records)) continue;
        if (signal !== 'metrics') count += records.length;
        else {
          for (const metric of records as Record<string, Record<string, unknown> | undefined>[]) {
            const data = metric.sum ?? metric.gauge ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
            const points = data?.dataPoints;
            count += Array.isArray(points) ? points.length : 0;
          }
        }
      }
    }
  }
  return count;
}
