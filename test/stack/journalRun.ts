/**
 * Reads what the SDK exported from its local journal (OTLP/JSON export requests, one per line,
 * `<signal>-<seq>.jsonl[.gz]`) and turns it into what the backends must end up holding: the
 * spans, the audit records and PromQL queries with the values the run produced.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AttributeValue, Attributes } from './otlpProtobuf.js';

interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: JsonKeyValue[] };
  bytesValue?: string;
}
interface JsonKeyValue {
  key: string;
  value?: JsonAnyValue;
}
interface JsonResource {
  attributes?: JsonKeyValue[];
}
interface JsonDataPoint {
  attributes?: JsonKeyValue[];
  timeUnixNano?: string | number;
  count?: string | number;
  sum?: number;
  asDouble?: number;
  asInt?: string | number;
}
interface JsonMetric {
  name: string;
  unit?: string;
  histogram?: { aggregationTemporality?: number; dataPoints?: JsonDataPoint[] };
  sum?: { aggregationTemporality?: number; isMonotonic?: boolean; dataPoints?: JsonDataPoint[] };
}
interface JsonExportRequest {
  resourceSpans?: {
    resource?: JsonResource;
    scopeSpans?: {
      scope?: { name?: string };
      spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: JsonKeyValue[]; startTimeUnixNano?: string | number; endTimeUnixNano?: string | number; status?: { code?: number } }[];
    }[];
  }[];
  resourceLogs?: { resource?: JsonResource; scopeLogs?: { logRecords?: { traceId?: string; spanId?: string; eventName?: string; attributes?: JsonKeyValue[] }[] }[] }[];
  resourceMetrics?: { resource?: JsonResource; scopeMetrics?: { metrics?: JsonMetric[] }[] }[];
}

export interface JournalSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly attributes: Attributes;
  readonly resource: Attributes;
  readonly scopeName: string;
  readonly durationSeconds: number;
}

export interface JournalLogRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly eventName: string;
  readonly attributes: Attributes;
  readonly resource: Attributes;
}

export interface JournalMetricPoint {
  readonly name: string;
  readonly unit: string;
  readonly kind: 'histogram' | 'monotonic_sum' | 'sum';
  readonly cumulative: boolean;
  readonly job: string;
  readonly attributes: Attributes;
  readonly timeUnixNano: bigint;
  readonly count: number;
  readonly value: number;
}

export interface JournalContents {
  readonly spans: JournalSpan[];
  readonly logRecords: JournalLogRecord[];
  readonly metricPoints: JournalMetricPoint[];
}

function anyValue(value: JsonAnyValue | undefined): AttributeValue {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(anyValue);
  if (value.kvlistValue !== undefined) return attributes(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return value.bytesValue;
  return null;
}

function attributes(list: JsonKeyValue[] | undefined): Attributes {
  const result: Attributes = {};
  for (const { key, value } of list ?? []) result[key] = anyValue(value);
  return result;
}

/** Prometheus's `job` label for a resource: service.namespace/service.name or service.name. */
export function jobOf(resource: Attributes): string {
  const name = typeof resource['service.name'] === 'string' ? resource['service.name'] : '';
  const namespace = resource['service.namespace'];
  return typeof namespace === 'string' && namespace !== '' ? `${namespace}/${name}` : name;
}

/** Every export request in the journal's segments (torn lines skipped). */
function readRequests(directory: string): JsonExportRequest[] {
  const requests: JsonExportRequest[] = [];
  const files = readdirSync(directory)
    .filter((file) => /^(traces|logs|metrics)-\d+\.jsonl(\.gz)?$/.test(file))
    .sort();
  for (const file of files) {
    const raw = readFileSync(join(directory, file));
    const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        requests.push(JSON.parse(line) as JsonExportRequest);
      } catch {
        // A torn last line after a crash: the journal's readers skip it too.
      }
    }
  }
  return requests;
}

export function readJournal(directory: string): JournalContents {
  const contents: JournalContents = { spans: [], logRecords: [], metricPoints: [] };
  for (const request of readRequests(directory)) {
    for (const resourceSpans of request.resourceSpans ?? []) {
      const resource = attributes(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          contents.spans.push({
            traceId: span.traceId.toLowerCase(),
            spanId: span.spanId.toLowerCase(),
            parentSpanId: (span.parentSpanId ?? '').toLowerCase(),
            name: span.name,
            attributes: attributes(span.attributes),
            resource,
            scopeName: scopeSpans.scope?.name ?? '',
            durationSeconds: Number(BigInt(span.endTimeUnixNano ?? 0) - BigInt(span.startTimeUnixNano ?? 0)) / 1e9,
          });
        }
      }
    }
    for (const resourceLogs of request.resourceLogs ?? []) {
      const resource = attributes(resourceLogs.resource?.attributes);
      for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
        for (const record of scopeLogs.logRecords ?? []) {
          contents.logRecords.push({ traceId: (record.traceId ?? '').toLowerCase(), spanId: (record.spanId ?? '').toLowerCase(), eventName: record.eventName ?? '', attributes: attributes(record.attributes), resource });
        }
      }
    }
    for (const resourceMetrics of request.resourceMetrics ?? []) {
      const job = jobOf(attributes(resourceMetrics.resource?.attributes));
      for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
        for (const metric of scopeMetrics.metrics ?? []) {
          const histogram = metric.histogram;
          const sum = metric.sum;
          const data = histogram ?? sum;
          if (data === undefined) continue;
          const kind = histogram !== undefined ? 'histogram' : sum?.isMonotonic === true ? 'monotonic_sum' : 'sum';
          for (const point of data.dataPoints ?? []) {
            contents.metricPoints.push({
              name: metric.name,
              unit: metric.unit ?? '',
              kind,
              cumulative: data.aggregationTemporality === 2,
              job,
              attributes: attributes(point.attributes),
              timeUnixNano: BigInt(point.timeUnixNano ?? 0),
              count: Number(point.count ?? 0),
              value: histogram !== undefined ? (point.sum ?? 0) : Number(point.asDouble ?? point.asInt ?? 0),
            });
          }
        }
      }
    }
  }
  return contents;
}

/** The Prometheus name of an OTel metric, as the collector's remote-write exporter writes it. */
export function prometheusName(name: string, unit: string, kind: JournalMetricPoint['kind']): string {
  const units: Record<string, string> = { s: 'seconds', ms: 'milliseconds', By: 'bytes', '1': '' };
  const suffix = unit.startsWith('{') ? '' : (units[unit] ?? unit);
  let result = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (suffix !== '' && !result.endsWith(`_${suffix}`)) result += `_${suffix}`;
  if (kind === 'monotonic_sum') result += '_total';
  return result;
}

/**
 * Per series (name, job, attributes), the final value a cumulative series reached, or the
 * total of a delta series.
 */
export function finalSeries(points: readonly JournalMetricPoint[]): JournalMetricPoint[] {
  const series = new Map<string, JournalMetricPoint>();
  for (const point of points) {
    const key = JSON.stringify([point.name, point.job, Object.entries(point.attributes).sort()]);
    const previous = series.get(key);
    if (previous === undefined) series.set(key, point);
    else if (!point.cumulative) series.set(key, { ...point, count: previous.count + point.count, value: previous.value + point.value });
    else if (point.timeUnixNano >= previous.timeUnixNano) series.set(key, point);
  }
  return [...series.values()];
}
