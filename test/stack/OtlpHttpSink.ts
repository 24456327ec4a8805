/**
 * A real OTLP/HTTP server on 127.0.0.1 standing in for a backend (Tempo's OTLP endpoint, Loki's
 * /otlp endpoint): accepts protobuf (optionally gzip-compressed) export requests, decodes them
 * and keeps what it received. It can be stopped and restarted on the same port to simulate a
 * backend outage.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeLogsRequest, decodeLogsRequestAsOtlpJson, decodeTraceRequest, type DecodedLogRecord, type DecodedSpan } from './otlpProtobuf.js';

export interface OtlpHttpSinkOptions {
  /** Path prefix before /v1/traces and /v1/logs, e.g. '/otlp' for Loki. Default ''. */
  readonly pathPrefix?: string;
  /** Port to listen on. Default: a free port chosen by the system on the first start. */
  readonly port?: number;
}

export class OtlpHttpSink {
  readonly spans: DecodedSpan[] = [];
  readonly logRecords: DecodedLogRecord[] = [];
  /** Every logs request received, in the OTLP/JSON mapping (for the integrity verifier). */
  readonly logRequests: Record<string, unknown>[] = [];
  /** Every decoded request as JSON text, to search for strings that must never arrive. */
  readonly receivedText: string[] = [];
  /** Requests that could not be handled (bad path, undecodable body), with the reason. */
  readonly errors: string[] = [];
  /** Metrics export requests received (counted, not decoded: metrics are checked in Prometheus). */
  metricsRequests = 0;
  /** The headers of every accepted request, per signal path. */
  readonly headers: { path: string; headers: Record<string, string | string[] | undefined> }[] = [];
  private readonly pathPrefix: string;
  private port: number;
  private server: Server | undefined;

  constructor(options: OtlpHttpSinkOptions = {}) {
    this.pathPrefix = options.pathPrefix ?? '';
    this.port = options.port ?? 0;
  }

  /** Base URL for an OTLP/HTTP exporter's `endpoint` (the exporter appends /v1/<signal>). */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}${this.pathPrefix}`;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const server = createServer((request, response) => {
      this.handle(request, response);
    });
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops open connections, so senders see the backend as down. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        let body = Buffer.concat(chunks);
        if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        if (request.method !== 'POST') throw new Error(`unexpected method ${String(request.method)}`);
        if (request.headers['content-type'] !== 'application/x-protobuf') {
          throw new Error(`unexpected content-type ${String(request.headers['content-type'])}`);
        }
        if (request.url === `${this.pathPrefix}/v1/traces`) {
          const spans = decodeTraceRequest(body);
          this.spans.push(...spans);
          this.receivedText.push(JSON.stringify(spans));
        } else if (request.url === `${this.pathPrefix}/v1/logs`) {
          const records = decodeLogsRequest(body);
          this.logRecords.push(...records);
          this.logRequests.push(decodeLogsRequestAsOtlpJson(body));
          this.receivedText.push(JSON.stringify(records));
        } else if (request.url === `${this.pathPrefix}/v1/metrics`) {
          this.metricsRequests += 1;
        } else {
          throw new Error(`unexpected path ${String(request.url)}`);
        }
        this.headers.push({ path: request.url, headers: request.headers });
        // An empty protobuf message is a valid, fully successful Export*ServiceResponse.
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      } catch (error) {
        this.errors.push(error instanceof Error ? error.message : String(error));
        response.writeHead(400, { 'content-type': 'text/plain' }).end('bad request');
      }
    });
  }
}
