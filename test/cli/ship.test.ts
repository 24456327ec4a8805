import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { cli, produce, standardRuns, temporaryDirectory, writeJournal } from './fixtures.js';

interface Received {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly body: Record<string, Array<Record<string, unknown>>>;
}

/** A local OTLP/HTTP receiver on 127.0.0.1; `answer` decides the status of each request. */
async function receiver(answer: (index: number) => number = () => 200): Promise<{
  url: string;
  received: Received[];
  attempts: number;
  [Symbol.asyncDispose](): Promise<void>;
}> {
  const state = { received: [] as Received[], attempts: 0 };
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = answer(state.attempts);
      state.attempts += 1;
      if (status === 200) {
        state.received.push({
          path: request.url ?? '',
          contentType: request.headers['content-type'],
          authorization: request.headers.authorization,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
      }
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(status === 200 ? '{}' : '{"code":14,"message":"unavailable"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get received() {
      return state.received;
    },
    get attempts() {
      return state.attempts;
    },
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string };
}
interface TracesBody {
  resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ spanId: string }> }> }>;
}
interface LogsBody {
  resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ attributes: OtlpKeyValue[] }> }> }>;
}

function spanIds(received: Received[]): string[] {
  return received
    .filter((r) => r.path === '/v1/traces')
    .flatMap((r) => (r.body as unknown as TracesBody).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.spanId))));
}

function eventIds(received: Received[]): string[] {
  return received
    .filter((r) => r.path === '/v1/logs')
    .flatMap((r) =>
      (r.body as unknown as LogsBody).resourceLogs.flatMap((rl) =>
        rl.scopeLogs.flatMap((sl) =>
          sl.logRecords.map((l) => l.attributes.find((a) => a.key === 'audit.event.id')?.value.stringValue ?? ''),
        ),
      ),
    );
}

describe('ship / replay', () => {
  test('sends every span and log record as OTLP/JSON to /v1/traces and /v1/logs', async () => {
    await using dir = await temporaryDirectory();
    const telemetry = await produce(standardRuns());
    await writeJournal(dir.path, telemetry, { batch: 2, linesPerSegment: 3, compressClosed: true });
    await using server = await receiver();
    const result = await cli(['ship', '--endpoint', `${server.url}/`, '-H', 'authorization=Bearer%20t0ken', '--dir', dir.path]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`ship: sent 9 spans, 16 log records, 0 metric requests in 5 requests to ${server.url}/\n`);
    expect(server.received.every((r) => r.contentType === 'application/json')).toBe(true);
    expect(server.received.every((r) => r.authorization === 'Bearer t0ken')).toBe(true);
    expect(spanIds(server.received).sort()).toEqual(telemetry.spans.map((s) => s.spanContext().spanId).sort());
    expect(eventIds(server.received).sort()).toEqual(
      telemetry.logs.map((l) => String(l.attributes['audit.event.id'])).sort(),
    );
  });

  test('replay of a time range and of one run; the endpoint may come from the environment', async () => {
    await using dir = await temporaryDirectory();
    await writeJournal(dir.path, await produce(standardRuns()), { batch: 4 });
    await using server = await receiver();
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: server.url, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Basic%20abc' };
    const ranged = await cli(['replay', '--json', '--since', '2026-01-15T11:00:00Z', '--until', '2026-01-15T11:30:00Z', '--dir', dir.path], { env });
    expect(JSON.parse(ranged.stdout)).toMatchObject({ spans: 3, logRecords: 4, metricRequests: 0, rejected: 0 });
    expect(eventIds(server.received)).toHaveLength(4);
    expect(server.received.every((r) => r.authorization === 'Basic abc')).toBe(true);
    const before = server.received.length;
    const oneRun = await cli(['replay', '--json', '--run', '000003eb', '--signal', 'logs', '--dir', dir.path], { env });
    expect(JSON.parse(oneRun.stdout)).toMatchObject({ spans: 0, logRecords: 4 });
    expect(server.received.slice(before).every((r) => r.path === '/v1/logs')).toBe(true);
  });

  test('retries 503 and succeeds; gives up on 400 with exit 1', async () => {
    await using dir = await temporaryDirectory();
    await writeJournal(dir.path, await produce(standardRuns()), { batch: 50 });
    await using flaky = await receiver((i) => (i < 2 ? 503 : 200));
    const retried = await cli(['ship', '--endpoint', flaky.url, '--signal', 'traces', '--dir', dir.path]);
    expect(retried.code).toBe(0);
    expect(flaky.attempts).toBe(3);
    expect(spanIds(flaky.received)).toHaveLength(9);
    await using refusing = await receiver(() => 400);
    const refused = await cli(['ship', '--endpoint', refusing.url, '--dir', dir.path]);
    expect(refused.code).toBe(1);
    expect(refusing.attempts).toBe(1);
    expect(refused.stdout).toContain(`error: sending to ${refusing.url}/v1/traces failed: HTTP 400`);
  });

  test('an unreachable endpoint fails after the retries; no endpoint is a usage error', async () => {
    await using dir = await temporaryDirectory();
    await writeJournal(dir.path, await produce(standardRuns()));
    const closed = await receiver();
    const url = closed.url;
    await closed[Symbol.asyncDispose]();
    const down = await cli(['ship', '--endpoint', url, '--retries', '1', '--json', '--dir', dir.path]);
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout).error).toMatch(/fetch failed/);
    const dry = await cli(['replay', '--dry-run', '--endpoint', url, '--dir', dir.path]);
    expect(dry).toEqual({
      code: 0,
      stdout: `replay: would send 9 spans, 16 log records, 0 metric requests in 2 requests to ${url}\n`,
      stderr: '',
    });
    const none = await cli(['ship', '--dir', dir.path]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no endpoint: pass --endpoint/);
  });
});
