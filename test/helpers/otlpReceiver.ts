/* eslint-disable @typescript-eslint/no-explicit-any -- loosely typed OTLP/JSON */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeLogsRequest, decodeTraceRequest, type DecodedLogRecord, type DecodedSpan } from '../stack/otlpProtobuf.js';

export interface ReceivedRequest {
  readonly path: string;
  readonly contentType: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A real OTLP/HTTP receiver on 127.0.0.1 that records every request and answers 200. */
export class OtlpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests.push({
          path: request.url ?? '',
          contentType: String(request.headers['content-type'] ?? ''),
          headers: request.headers,
          body: Buffer.concat(chunks),
        });
        const json = String(request.headers['content-type']).includes('json');
        response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  on(path: string): ReceivedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  /** Spans from all trace requests, protobuf or JSON, in one decoded form. */
  spans(): DecodedSpan[] {
    return this.on('/v1/traces').flatMap((request) =>
      request.contentType.includes('json') ? spansFromJson(JSON.parse(request.body.toString('utf8'))) : decodeTraceRequest(request.body),
    );
  }

  logRecords(): DecodedLogRecord[] {
    return this.on('/v1/logs').flatMap((request) =>
      request.contentType.includes('json') ? logsFromJson(JSON.parse(request.body.toString('utf8'))) : decodeLogsRequest(request.body),
    );
  }

  /** Metric names and data points from JSON metric requests. */
  jsonMetrics(): Map<string, unknown[]> {
    const out = new Map<string, unknown[]>();
    for (const request of this.on('/v1/metrics')) {
      const body = JSON.parse(request.body.toString('utf8'));
      for (const resource of body.resourceMetrics ?? []) {
        for (const scope of resource.scopeMetrics ?? []) {
          for (const metric of scope.metrics ?? []) {
            const points = metric.histogram?.dataPoints ?? metric.sum?.dataPoints ?? metric.gauge?.dataPoints ?? [];
            out.set(metric.name, [...(out.get(metric.name) ?? []), ...points]);
          }
        }
      }
    }
    return out;
  }
}

type JsonValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: JsonValue[] } };
type JsonKeyValue = { key: string; value: JsonValue };

function jsonValue(value: JsonValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(jsonValue);
  return null;
}

export function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, jsonValue(value)]));
}

function spansFromJson(body: any): DecodedSpan[] {
  return (body.resourceSpans ?? []).flatMap((resource: any) =>
    (resource.scopeSpans ?? []).flatMap((scope: any) =>
      (scope.spans ?? []).map((span: any) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        statusCode: span.status?.code ?? 0,
        attributes: jsonAttributes(span.attributes),
        resource: jsonAttributes(resource.resource?.attributes),
        scopeName: scope.scope?.name ?? '',
      })),
    ),
  );
}

function logsFromJson(body: any): DecodedLogRecord[] {
  return (body.resourceLogs ?? []).flatMap((resource: any) =>
    (resource.scopeLogs ?? []).flatMap((scope: any) =>
      (scope.logRecords ?? []).map((record: any) => ({
        traceId: record.traceId ?? '',
        spanId: record.spanId ?? '',
        eventName: record.eventName ?? '',
        severityNumber: record.severityNumber ?? 0,
        body: record.body?.stringValue ?? null,
        attributes: jsonAttributes(record.attributes),
        resource: jsonAttributes(resource.resource?.attributes),
        scopeName: scope.scope?.name ?? '',
      })),
    ),
  ) as DecodedLogRecord[];
}
