/**
 * The projection of a log record that the hash chain covers, and its hash.
 *
 * The projection is a flat JSON object of strings (plus one nested object of attributes), chosen so
 * that it can be rebuilt from every place a trail is stored: the OTLP/JSON journal, an exported
 * OTLP file, and Loki's native OTLP ingestion (which keeps the body as the line and everything
 * else as strings in labels and structured metadata). See docs/integrity.md for the field table.
 *
 * - Values are in their string form (what OpenTelemetry's Go `pcommon.Value.AsString` gives, the
 *   form Loki stores): integers in decimal, doubles in ECMAScript shortest form, booleans as
 *   `true`/`false`, bytes in base64, arrays and maps as RFC 8785 canonical JSON.
 *   A string that is itself a JSON array or object is canonicalised too, so JSON produced by another
 *   serializer (Loki's) hashes the same.
 * - Attribute keys are kept exactly. Loki stores them normalised (`audit.event.type` becomes
 *   `audit_event_type`); checkpoints carry the list of original keys of their chain
 *   (`audit.checkpoint.attribute_keys`) so a verifier reading Loki can map them back.
 * - `audit.record.hash` is left out (it is the hash of the rest). The log record's `eventName` is
 *   left out because Loki drops it; the verifier instead checks it equals `audit.<audit.event.type>`.
 */
import { hash as digest } from 'node:crypto';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_AUDIT_RECORD_HASH } from '../semconv.js';
import { canonicalize } from './jcs.js';
import { sameStrings } from '../internal/sameStrings.js';

/** Version of the projection, carried in it as `v`. */
export const PROJECTION_VERSION = '1';

/** `audit.chain.prev_hash` of the first record of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hashed view of one log record. Optional fields are absent when empty or zero. */
export interface RecordProjection {
  v: string;
  /** `timeUnixNano`, or `observedTimeUnixNano` when the record has no time (Loki's entry timestamp). */
  time: string;
  /** `observedTimeUnixNano`, only when the record has both a time and an observed time. */
  observed_time?: string;
  severity_number?: string;
  severity_text?: string;
  /** The body's string form; `""` when the record has no body. */
  body: string;
  trace_id?: string;
  span_id?: string;
  flags?: string;
  dropped_attributes_count?: string;
  /** The resource's `service.name` (the only resource attribute covered). */
  service_name?: string;
  scope_name?: string;
  scope_version?: string;
  /** Every log record attribute except `audit.record.hash`, values in string form. */
  attributes: Record<string, string>;
}

/** Loki's (Prometheus') label-name normalisation of an attribute key. */
export function normalizeKey(key: string): string {
  let out = key.replace(/[^A-Za-z0-9_]/g, '_');
  if (out.length === 0) return out;
  const first = out.charCodeAt(0);
  if (first >= 0x30 && first <= 0x39) out = `key_${out}`;
  else if (out.startsWith('_') && !out.startsWith('__')) out = `key${out}`;
  return out;
}

/**
 * Canonicalises a string that holds a JSON array or object; any other string is returned as is.
 * Applied to every string value on both sides (writer and verifier), so it is part of the format.
 */
export function normalizeString(value: string): string {
  const first = value.charCodeAt(0);
  if (first !== 0x7b /* { */ && first !== 0x5b /* [ */) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object') return canonicalize(parsed);
  } catch {
    // not JSON: kept as written
  }
  return value;
}

/** The JSON value an attribute value takes inside an array or map (Go's `AsRaw` then JSON). */
function jsonForm(value: unknown, depth: number): unknown {
  if (depth > 32) return null;
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((element) => jsonForm(element, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value as Record<string, unknown>)) out[key] = jsonForm(member, depth + 1);
    return out;
  }
  return null;
}

/** The string form of a JavaScript attribute value or body (not flattened). */
export function stringForm(value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (typeof value) {
    case 'string':
      return normalizeString(value);
    case 'number':
      return String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      return canonicalize(jsonForm(value, 0));
  }
}

/** Nanoseconds since the epoch of an `HrTime`, as a decimal string. */
export function hrTimeToNanos(time: readonly [number, number]): string {
  const seconds = Math.trunc(time[0]);
  const nanos = Math.trunc(time[1]);
  if (seconds === 0) return String(nanos);
  return `${seconds}${String(nanos).padStart(9, '0')}`;
}

function setTimes(projection: RecordProjection, time: string, observed: string): void {
  if (time !== '0' && time !== '') {
    projection.time = time;
    if (observed !== '0' && observed !== '') projection.observed_time = observed;
  } else {
    projection.time = observed === '' ? '0' : observed;
  }
}

/** The projection of a record as the OpenTelemetry JS SDK holds it (in a processor or exporter). */
export function projectSdkLogRecord(record: ReadableLogRecord): RecordProjection {
  const projection: RecordProjection = { v: PROJECTION_VERSION, time: '0', body: stringForm(record.body), attributes: {} };
  setTimes(projection, hrTimeToNanos(record.hrTime), hrTimeToNanos(record.hrTimeObserved));
  if (record.severityNumber) projection.severity_number = String(record.severityNumber);
  if (record.severityText) projection.severity_text = record.severityText;
  const context = record.spanContext;
  if (context !== undefined) {
    projection.trace_id = context.traceId;
    projection.span_id = context.spanId;
    if (context.traceFlags) projection.flags = String(context.traceFlags);
  }
  if (record.droppedAttributesCount) projection.dropped_attributes_count = String(record.droppedAttributesCount);
  const serviceName = record.resource.attributes['service.name'];
  if (serviceName !== undefined && serviceName !== null && serviceName !== '') projection.service_name = stringForm(serviceName);
  if (record.instrumentationScope.name) projection.scope_name = record.instrumentationScope.name;
  if (record.instrumentationScope.version) projection.scope_version = record.instrumentationScope.version;
  // In code-unit order, so that canonicalProjection need not reorder them.
  const attributes: Record<string, string> = {};
  for (const key of projectionKeyOrder.of(Object.keys(record.attributes)).sorted) {
    if (key === ATTR_AUDIT_RECORD_HASH) continue;
    attributes[key] = stringForm(record.attributes[key]);
  }
  projection.attributes = attributes;
  return projection;
}

// --- OTLP/JSON --------------------------------------------------------------------------------

/** An OTLP/JSON `AnyValue` as parsed from a journal line. */
export type OtlpJsonAnyValue = Record<string, unknown>;

function otlpToJs(value: unknown, depth: number): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  const v = value as OtlpJsonAnyValue;
  if ('stringValue' in v) return String(v.stringValue);
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return typeof v.doubleValue === 'number' ? v.doubleValue : Number(v.doubleValue);
  if ('boolValue' in v) return v.boolValue === true;
  if ('bytesValue' in v) return typeof v.bytesValue === 'string' ? v.bytesValue : null;
  if ('arrayValue' in v) {
    const values = (v.arrayValue as { values?: unknown } | undefined)?.values;
    return Array.isArray(values) ? values.map((element) => otlpToJs(element, depth + 1)) : [];
  }
  if ('kvlistValue' in v) {
    const out: Record<string, unknown> = {};
    const values = (v.kvlistValue as { values?: unknown } | undefined)?.values;
    if (Array.isArray(values)) {
      for (const entry of values as { key?: unknown; value?: unknown }[]) {
        if (entry !== null && typeof entry === 'object' && typeof entry.key === 'string') out[entry.key] = otlpToJs(entry.value, depth + 1);
      }
    }
    return out;
  }
  return null;
}

/** The string form of an OTLP/JSON `AnyValue` (int64 strings are kept exactly). */
export function otlpStringForm(value: unknown): string {
  if (value === null || typeof value !== 'object') return '';
  const v = value as OtlpJsonAnyValue;
  if ('stringValue' in v) return normalizeString(String(v.stringValue));
  if ('intValue' in v) return typeof v.intValue === 'string' ? v.intValue : String(v.intValue);
  if ('doubleValue' in v) return String(typeof v.doubleValue === 'number' ? v.doubleValue : Number(v.doubleValue));
  if ('boolValue' in v) return v.boolValue === true ? 'true' : 'false';
  if ('bytesValue' in v) return typeof v.bytesValue === 'string' ? v.bytesValue : '';
  return stringForm(otlpToJs(value, 0));
}

function nanoString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value)).toString();
  return '0';
}

/** A flattened OTLP/JSON log record: what the verifier hashes and what it reads chain fields from. */
export interface OtlpLogRecordView {
  readonly projection: RecordProjection;
  /** `audit.record.hash` as stored, if any. */
  readonly storedHash: string | undefined;
  readonly eventName: string | undefined;
  /** Keys of the resource attributes (original spelling). */
  readonly resourceKeys: readonly string[];
}

/**
 * Projects one OTLP/JSON `LogRecord` with its resource and scope (as they appear in an
 * `ExportLogsServiceRequest`).
 */
export function projectOtlpLogRecord(
  record: Record<string, unknown>,
  resourceAttributes: unknown,
  scope: unknown,
): OtlpLogRecordView {
  const projection: RecordProjection = {
    v: PROJECTION_VERSION,
    time: '0',
    body: record.body === undefined ? '' : otlpStringForm(record.body),
    attributes: {},
  };
  setTimes(projection, nanoString(record.timeUnixNano), nanoString(record.observedTimeUnixNano));
  if (typeof record.severityNumber === 'number' && record.severityNumber !== 0) projection.severity_number = String(record.severityNumber);
  else if (typeof record.severityNumber === 'string' && record.severityNumber !== '' && record.severityNumber !== 'SEVERITY_NUMBER_UNSPECIFIED') {
    projection.severity_number = record.severityNumber;
  }
  if (typeof record.severityText === 'string' && record.severityText !== '') projection.severity_text = record.severityText;
  if (typeof record.traceId === 'string' && record.traceId !== '' && !/^0+$/.test(record.traceId)) projection.trace_id = record.traceId;
  if (typeof record.spanId === 'string' && record.spanId !== '' && !/^0+$/.test(record.spanId)) projection.span_id = record.spanId;
  if ((typeof record.flags === 'number' || typeof record.flags === 'string') && record.flags !== 0 && record.flags !== '0') projection.flags = String(record.flags);
  if ((typeof record.droppedAttributesCount === 'number' || typeof record.droppedAttributesCount === 'string') && record.droppedAttributesCount !== 0) {
    projection.dropped_attributes_count = String(record.droppedAttributesCount);
  }
  const resourceKeys: string[] = [];
  if (Array.isArray(resourceAttributes)) {
    for (const entry of resourceAttributes as { key?: unknown; value?: unknown }[]) {
      if (entry === null || typeof entry !== 'object' || typeof entry.key !== 'string') continue;
      resourceKeys.push(entry.key);
      if (entry.key === 'service.name') {
        const name = otlpStringForm(entry.value);
        if (name !== '') projection.service_name = name;
      }
    }
  }
  if (scope !== null && typeof scope === 'object') {
    const s = scope as { name?: unknown; version?: unknown };
    if (typeof s.name === 'string' && s.name !== '') projection.scope_name = s.name;
    if (typeof s.version === 'string' && s.version !== '') projection.scope_version = s.version;
  }
  let storedHash: string | undefined;
  const attributes: Record<string, string> = {};
  if (Array.isArray(record.attributes)) {
    for (const entry of record.attributes as { key?: unknown; value?: unknown }[]) {
      if (entry === null || typeof entry !== 'object' || typeof entry.key !== 'string') continue;
      if (entry.key === ATTR_AUDIT_RECORD_HASH) {
        storedHash = otlpStringForm(entry.value);
        continue;
      }
      attributes[entry.key] = otlpStringForm(entry.value);
    }
  }
  projection.attributes = attributes;
  return {
    projection,
    storedHash,
    eventName: typeof record.eventName === 'string' && record.eventName !== '' ? record.eventName : undefined,
    resourceKeys,
  };
}

// --- hashing ----------------------------------------------------------------------------------

/** An integer-like key, which JavaScript objects enumerate before the others, in numeric order. */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

interface KeyOrder {
  readonly keys: readonly string[];
  readonly sorted: readonly string[];
  /** `keys` is already in code-unit order. */
  readonly inOrder: boolean;
  /** Some key is integer-like, so an object cannot hold the keys in code-unit order. */
  readonly indexKey: boolean;
}

/**
 * Remembers the sorted order of the last few key lists. Records of one kind carry the same keys
 * in the same order (the same string objects, so comparing them is cheap), so most records of a
 * trail skip the sort.
 */
class KeyOrderCache {
  private readonly _entries: KeyOrder[] = [];
  private _next = 0;

  of(keys: readonly string[]): KeyOrder {
    for (const entry of this._entries) {
      if (sameStrings(entry.keys, keys)) return entry;
    }
    const sorted = [...keys].sort();
    const order: KeyOrder = {
      keys,
      sorted,
      inOrder: sorted.every((key, i) => key === keys[i]),
      indexKey: keys.some((key) => ARRAY_INDEX.test(key)),
    };
    this._entries[this._next] = order;
    this._next = (this._next + 1) % 8;
    return order;
  }
}

const projectionKeyOrder = new KeyOrderCache();
const canonicalKeyOrder = new KeyOrderCache();

/**
 * The RFC 8785 canonical text of a projection: the exact bytes (UTF-8) that are hashed.
 * Equal to `canonicalize(projection)` (a test holds them equal), specialised because it runs once
 * per record on both the writing and the verifying side: every member is a string, so one native
 * `JSON.stringify` over objects whose members were inserted in sorted order yields the canonical
 * text (JCS serialises strings as `JSON.stringify` does). Objects enumerate integer-like keys
 * first and in numeric order, not in code-unit order, so an attribute set with such a key takes
 * the general path.
 */
export function canonicalProjection(projection: RecordProjection): string {
  const order = canonicalKeyOrder.of(Object.keys(projection.attributes));
  if (order.indexKey) return canonicalize(projection);
  let attributes = projection.attributes;
  if (!order.inOrder) {
    attributes = {};
    for (const key of order.sorted) attributes[key] = projection.attributes[key];
  }
  // Members in RFC 8785 order; undefined ones are left out by JSON.stringify, as JCS leaves them out.
  return JSON.stringify({
    attributes,
    body: projection.body,
    dropped_attributes_count: projection.dropped_attributes_count,
    flags: projection.flags,
    observed_time: projection.observed_time,
    scope_name: projection.scope_name,
    scope_version: projection.scope_version,
    service_name: projection.service_name,
    severity_number: projection.severity_number,
    severity_text: projection.severity_text,
    span_id: projection.span_id,
    time: projection.time,
    trace_id: projection.trace_id,
    v: projection.v,
  });
}

/** SHA-256 (lowercase hex) of the canonical projection. */
export function hashProjection(projection: RecordProjection): string {
  return digest('sha256', canonicalProjection(projection));
}

/**
 * SHA-256 (hex) of a writer resource: the canonical JSON object of its attributes in string form,
 * restricted to `keys` (the `audit.checkpoint.resource_keys` of the chain).
 */
export function hashResource(values: ReadonlyMap<string, string>, keys: readonly string[]): string {
  const object: Record<string, string> = {};
  for (const key of keys) object[key] = values.get(key) ?? '';
  return digest('sha256', canonicalize(object));
}
