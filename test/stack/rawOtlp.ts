/**
 * A client that does no redaction: builds OTLP/JSON export requests by hand and posts them to
 * the collector, the way any OTLP sender (another language's SDK, curl) would.
 */
import { randomBytes, randomUUID } from 'node:crypto';

type JsonValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

function jsonValue(value: string | number | boolean): JsonValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

function jsonAttributes(attributes: Record<string, string | number | boolean>): { key: string; value: JsonValue }[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: jsonValue(value) }));
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

export interface RawSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly attributes: Record<string, string | number | boolean>;
}

export interface RawLogRecord {
  readonly traceId?: string;
  readonly spanId?: string;
  readonly eventName: string;
  readonly body: string;
  readonly attributes: Record<string, string | number | boolean>;
}

/** An audit record as the SDK shapes it, with a unique audit.event.id. */
export function auditRecord(type: string, extra: Record<string, string | number | boolean> = {}, ids: { traceId?: string; spanId?: string } = {}): RawLogRecord {
  return {
    ...ids,
    eventName: `audit.${type}`,
    body: `audit ${type}`,
    attributes: { 'audit.event.type': type, 'audit.event.id': randomUUID(), 'audit.outcome': 'success', ...extra },
  };
}

function resource(serviceName: string, extra: Record<string, string>): { attributes: { key: string; value: JsonValue }[] } {
  return { attributes: jsonAttributes({ 'service.name': serviceName, ...extra }) };
}

export function traceRequest(serviceName: string, spans: readonly RawSpan[], resourceAttributes: Record<string, string> = {}): unknown {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: resource(serviceName, resourceAttributes),
        scopeSpans: [
          {
            scope: { name: 'raw-otlp-client' },
            spans: spans.map((span, index) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              name: span.name,
              kind: 1,
              startTimeUnixNano: String(now - 1_000_000_000n + BigInt(index) * 1_000_000n),
              endTimeUnixNano: String(now),
              attributes: jsonAttributes(span.attributes),
              status: { code: 1 },
            })),
          },
        ],
      },
    ],
  };
}

export function logsRequest(serviceName: string, records: readonly RawLogRecord[], resourceAttributes: Record<string, string> = {}): unknown {
  const now = String(BigInt(Date.now()) * 1_000_000n);
  return {
    resourceLogs: [
      {
        resource: resource(serviceName, resourceAttributes),
        scopeLogs: [
          {
            scope: { name: 'raw-otlp-client' },
            logRecords: records.map((record) => ({
              timeUnixNano: now,
              observedTimeUnixNano: now,
              severityNumber: 9,
              severityText: 'INFO',
              eventName: record.eventName,
              body: { stringValue: record.body },
              attributes: jsonAttributes(record.attributes),
              traceId: record.traceId ?? '',
              spanId: record.spanId ?? '',
            })),
          },
        ],
      },
    ],
  };
}

/** POSTs an OTLP/JSON request; throws unless the collector accepted it. */
export async function postOtlpJson(endpoint: string, signal: 'traces' | 'logs' | 'metrics', request: unknown): Promise<void> {
  const response = await fetch(`${endpoint}/v1/${signal}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status !== 200) throw new Error(`collector refused ${signal}: ${response.status} ${await response.text()}`);
}
