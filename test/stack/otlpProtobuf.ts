/**
 * Decodes OTLP/HTTP protobuf export requests (traces and logs) into plain objects the tests can
 * assert on: hex ids, attributes as a key -> value record, resource attributes alongside.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const root = protobuf.loadSync(fileURLToPath(new URL('./otlp.proto', import.meta.url)));
const traceRequestType = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');
const logsRequestType = root.lookupType('opentelemetry.proto.ExportLogsServiceRequest');

/** An OTLP attribute value as JSON-like data (int64 as a decimal string). */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export interface DecodedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty string for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly statusCode: number;
  readonly attributes: Attributes;
  readonly resource: Attributes;
  readonly scopeName: string;
}

export interface DecodedLogRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly eventName: string;
  readonly severityNumber: number;
  readonly body: AttributeValue;
  readonly attributes: Attributes;
  readonly resource: Attributes;
  readonly scopeName: string;
}

interface RawAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: RawAnyValue[] };
  kvlistValue?: { values?: RawKeyValue[] };
  bytesValue?: Uint8Array;
}
interface RawKeyValue {
  key: string;
  value?: RawAnyValue;
}
interface RawScope {
  name?: string;
}
interface RawSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  parentSpanId?: Uint8Array;
  name?: string;
  kind?: number;
  attributes?: RawKeyValue[];
  status?: { code?: number };
}
interface RawTraceRequest {
  resourceSpans?: {
    resource?: { attributes?: RawKeyValue[] };
    scopeSpans?: { scope?: RawScope; spans?: RawSpan[] }[];
  }[];
}
interface RawLogRecord {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  eventName?: string;
  severityNumber?: number;
  body?: RawAnyValue;
  attributes?: RawKeyValue[];
}
interface RawLogsRequest {
  resourceLogs?: {
    resource?: { attributes?: RawKeyValue[] };
    scopeLogs?: { scope?: RawScope; logRecords?: RawLogRecord[] }[];
  }[];
}

const CONVERSION: protobuf.IConversionOptions = { longs: String, defaults: false, arrays: true };

function hex(bytes: Uint8Array | undefined): string {
  return bytes === undefined ? '' : Buffer.from(bytes).toString('hex');
}

function anyValue(value: RawAnyValue | undefined): AttributeValue {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return value.intValue;
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(anyValue);
  if (value.kvlistValue !== undefined) return attributes(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return Buffer.from(value.bytesValue).toString('base64');
  return null;
}

function attributes(list: RawKeyValue[] | undefined): Attributes {
  const result: Attributes = {};
  for (const { key, value } of list ?? []) result[key] = anyValue(value);
  return result;
}

export function decodeTraceRequest(body: Uint8Array): DecodedSpan[] {
  const request = traceRequestType.toObject(traceRequestType.decode(body), CONVERSION) as RawTraceRequest;
  const spans: DecodedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          name: span.name ?? '',
          kind: span.kind ?? 0,
          statusCode: span.status?.code ?? 0,
          attributes: attributes(span.attributes),
          resource,
          scopeName: scopeSpans.scope?.name ?? '',
        });
      }
    }
  }
  return spans;
}

export function decodeLogsRequest(body: Uint8Array): DecodedLogRecord[] {
  const request = logsRequestType.toObject(logsRequestType.decode(body), CONVERSION) as RawLogsRequest;
  const records: DecodedLogRecord[] = [];
  for (const resourceLogs of request.resourceLogs ?? []) {
    const resource = attributes(resourceLogs.resource?.attributes);
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      for (const record of scopeLogs.logRecords ?? []) {
        records.push({
          traceId: hex(record.traceId),
          spanId: hex(record.spanId),
          eventName: record.eventName ?? '',
          severityNumber: record.severityNumber ?? 0,
          body: anyValue(record.body),
          attributes: attributes(record.attributes),
          resource,
          scopeName: scopeLogs.scope?.name ?? '',
        });
      }
    }
  }
  return records;
}

const JSON_CONVERSION: protobuf.IConversionOptions = { longs: String, bytes: String, defaults: false, arrays: true };

function base64ToHex(value: unknown): unknown {
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('hex') : value;
}

/**
 * A logs export request in the OTLP/JSON mapping (hex ids, int64 as strings), as the journal
 * stores it, so that the real verifier can check what a backend received.
 */
export function decodeLogsRequestAsOtlpJson(body: Uint8Array): Record<string, unknown> {
  const request = logsRequestType.toObject(logsRequestType.decode(body), JSON_CONVERSION) as {
    resourceLogs?: { scopeLogs?: { logRecords?: Record<string, unknown>[] }[] }[];
  };
  for (const resourceLogs of request.resourceLogs ?? []) {
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      for (const record of scopeLogs.logRecords ?? []) {
        if (record.traceId !== undefined) record.traceId = base64ToHex(record.traceId);
        if (record.spanId !== undefined) record.spanId = base64ToHex(record.spanId);
      }
    }
  }
  return request;
}
