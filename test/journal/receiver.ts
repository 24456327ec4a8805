/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read loosely typed OTLP/JSON */
/** A local OTLP/HTTP receiver on 127.0.0.1 for the shipper tests: decodes protobuf and JSON requests. */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

// The subset of opentelemetry-proto the tests read (field numbers from the OTLP .proto files).
const root = protobuf.Root.fromJSON({
  nested: {
    AnyValue: { fields: { stringValue: { type: 'string', id: 1 }, intValue: { type: 'int64', id: 3 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    LogRecord: {
      fields: {
        timeUnixNano: { type: 'fixed64', id: 1 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 6 },
        traceId: { type: 'bytes', id: 9 },
        eventName: { type: 'string', id: 12 },
      },
    },
    ScopeLogs: { fields: { logRecords: { rule: 'repeated', type: 'LogRecord', id: 2 } } },
    ResourceLogs: { fields: { scopeLogs: { rule: 'repeated', type: 'ScopeLogs', id: 2 } } },
    ExportLogsServiceRequest: { fields: { resourceLogs: { rule: 'repeated', type: 'ResourceLogs', id: 1 } } },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        name: { type: 'string', id: 5 },
      },
    },
    ScopeSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 2 } } },
    ResourceSpans: { fields: { scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 } } },
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
  },
});
const LogsRequest = root.lookupType('ExportLogsServiceRequest');
const TracesRequest = root.lookupType('ExportTraceServiceRequest');

/** `body` is the whole request body, read before the behaviour is asked. */
export type ReceiverBehaviour = (requestNumber: number, request: IncomingMessage, response: ServerResponse, body: Buffer) => boolean;

export interface ReceivedRequest {
  readonly path: string;
  readonly contentType: string;
  readonly at: number;
  /** audit.event.id (or swarmtrail.record.id) of every log record; `<traceId>:<spanId>` of every span. */
  readonly ids: string[];
}

function idsOf(path: string, contentType: string, body: Buffer): string[] {
  if (contentType.includes('json')) {
    const request = JSON.parse(body.toString('utf8'));
    if (path === '/v1/logs') {
      return request.resourceLogs.flatMap((resource: any) =>
        resource.scopeLogs.flatMap((scope: any) =>
          scope.logRecords.map((record: any) => {
            const entry = record.attributes.find((attribute: any) => ['audit.event.id', 'swarmtrail.record.id'].includes(attribute.key));
            return entry.value.stringValue;
          }),
        ),
      );
    }
    if (path === '/v1/traces') {
      return request.resourceSpans.flatMap((resource: any) =>
        resource.scopeSpans.flatMap((scope: any) => scope.spans.map((span: any) => `${span.traceId}:${span.spanId}`)),
      );
    }
    return [];
  }
  if (path === '/v1/logs') {
    const request = LogsRequest.toObject(LogsRequest.decode(body), { defaults: true }) as any;
    return request.resourceLogs.flatMap((resource: any) =>
      resource.scopeLogs.flatMap((scope: any) =>
        scope.logRecords.map((record: any) => {
          const entry = record.attributes.find((attribute: any) => ['audit.event.id', 'swarmtrail.record.id'].includes(attribute.key));
          return entry.value.stringValue;
        }),
      ),
    );
  }
  if (path === '/v1/traces') {
    const request = TracesRequest.toObject(TracesRequest.decode(body), { defaults: true }) as any;
    return request.resourceSpans.flatMap((resource: any) =>
      resource.scopeSpans.flatMap((scope: any) =>
        scope.spans.map((span: any) => `${Buffer.from(span.traceId).toString('hex')}:${Buffer.from(span.spanId).toString('hex')}`),
      ),
    );
  }
  return [];
}

/** A receiver that can be stopped and restarted on the same port. */
export class OtlpReceiver {
  readonly received: ReceivedRequest[] = [];
  /** Decides the answer; return true when it handled the response itself (the request is then not counted). */
  behaviour: ReceiverBehaviour = () => false;
  requests = 0;
  private server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const number = this.requests++;
        if (this.behaviour(number, request, response, Buffer.concat(chunks))) return;
        const contentType = String(request.headers['content-type'] ?? '');
        try {
          this.received.push({ path: request.url ?? '', contentType, at: Date.now(), ids: idsOf(request.url ?? '', contentType, Buffer.concat(chunks)) });
        } catch (error) {
          response.writeHead(400, { 'content-type': 'text/plain' }).end(`cannot decode: ${String(error)}`);
          return;
        }
        if (contentType.includes('json')) response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        else response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => done());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }

  /** Every id received on `path`, duplicates included. */
  ids(path: string): string[] {
    return this.received.filter((request) => request.path === path).flatMap((request) => request.ids);
  }
}

/** Waits until `condition` holds, polling; throws after `timeoutMillis`. */
export async function waitFor(condition: () => boolean, timeoutMillis: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMillis} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}
