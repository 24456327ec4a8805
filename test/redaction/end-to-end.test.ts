/**
 * End to end through start(): secrets of every kind planted everywhere (resource, span names,
 * attributes, events, links, status, nested JSON strings, log bodies and attributes, metric
 * attributes; spans from a third-party library's own tracer and from raw @opentelemetry/api
 * calls), and no exporter receives any of them: in-memory exporters, OTLP on the wire to a local
 * 127.0.0.1 receiver, and the local journal files.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { logs, metrics, SeverityNumber, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { start } from '../../src/setup/start.js';
import { OtlpReceiver } from '../helpers/otlpReceiver.js';
import { GENERATORS, Random, secretRemoved } from './corpus.js';

const random = new Random(7);
const planted = Object.entries(GENERATORS).map(([kind, generate]) => ({ kind, ...generate(random) }));

/** Secrets (of the kinds planted) that survive in `text`, raw or JSON-escaped. */
function leaks(text: string): string[] {
  return planted
    .filter(({ secret }) => !secretRemoved(text, secret) || text.includes(JSON.stringify(secret).slice(1, -1)))
    .map(({ kind }) => kind);
}

/** Emits everything, through the global APIs only, as any library would. */
function emitEverywhere(): void {
  const library = trace.getTracer('third-party-http-client', '2.4.0');
  const app = trace.getTracer('my-agent-app');
  const logger = logs.getLogger('my-agent-app');
  const counter = metrics.getMeter('third-party-http-client').createCounter('http.client.requests');
  const linkTarget = app.startSpan('link target');
  linkTarget.end();
  for (const entry of planted) {
    app.startActiveSpan(`invoke_agent ${entry.snippet}`, { attributes: { 'gen_ai.operation.name': 'invoke_agent', note: entry.snippet } }, (agent) => {
      const call = library.startSpan(`POST ${entry.snippet}`, {
        attributes: {
          'url.full': `https://api.example.com/v1/run?token=${encodeURIComponent(entry.snippet)}`,
          'http.request.header.authorization': [`Bearer ${entry.snippet}`],
          'gen_ai.tool.call.arguments': JSON.stringify({ config: { value: entry.snippet }, list: [entry.snippet], inner: JSON.stringify({ deep: entry.snippet }) }),
        },
        links: [{ context: linkTarget.spanContext(), attributes: { reason: entry.snippet } }],
      });
      call.addEvent(`retry ${entry.snippet}`, { detail: entry.snippet });
      call.recordException(new Error(`upstream said ${entry.snippet}`));
      call.setStatus({ code: SpanStatusCode.ERROR, message: `failed: ${entry.snippet}` });
      call.end();
      logger.emit({
        severityNumber: SeverityNumber.INFO,
        eventName: 'audit.tool.end',
        body: { message: `tool finished with ${entry.snippet}`, output: JSON.stringify({ result: entry.snippet }) },
        attributes: { 'audit.event.type': 'tool.end', detail: entry.snippet },
      });
      logger.emit({ severityNumber: SeverityNumber.WARN, body: `plain text ${entry.snippet}` });
      counter.add(1, { 'http.route': entry.snippet, 'server.address': 'api.example.com' });
      agent.setStatus({ code: SpanStatusCode.ERROR, message: entry.snippet });
      agent.end();
    });
  }
}

const resourceSecrets = (): Record<string, string> => ({
  'deployment.note': `deploy key ${planted.find((entry) => entry.kind === 'github_token')!.snippet}`,
  'process.command_line': `node agent.js --api-key ${planted.find((entry) => entry.kind === 'anthropic_api_key')!.snippet}`,
  'vcs.token': 'plain-resource-token-value',
});

let directory: string | undefined;
let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  directory = undefined;
});

async function filesUnder(root: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path);
    text += (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8') + '\n';
  }
  return text;
}

describe('redaction end to end through start()', () => {
  it('no secret reaches the in-memory exporters or OTLP on the wire (http/protobuf)', async () => {
    receiver = await new OtlpReceiver().start();
    directory = await mkdtemp(join(tmpdir(), 'swarmtrail-redaction-'));
    const spans = new InMemorySpanExporter();
    const records = new InMemoryLogRecordExporter();
    const handle = start({
      serviceName: 'redaction-e2e',
      resourceAttributes: resourceSecrets(),
      endpoint: receiver.url,
      protocol: 'http/protobuf',
      journal: false,
      directory,
      spanExporters: [spans],
      logRecordExporters: [records],
      handleExitSignals: false,
      env: {},
    });
    emitEverywhere();
    await handle.forceFlush();
    // Read before shutdown: the in-memory exporters forget everything when shut down.
    const exportedSpans = spans.getFinishedSpans();
    const exportedRecords = records.getFinishedLogRecords();
    await handle.shutdown();

    expect(exportedSpans.length).toBeGreaterThan(planted.length * 2);
    expect(exportedRecords.length).toBeGreaterThan(planted.length * 2);
    const inMemory = JSON.stringify({
      spans: exportedSpans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, links: span.links.map((link) => link.attributes), status: span.status, resource: span.resource.attributes })),
      records: exportedRecords.map((record) => ({ body: record.body, attributes: record.attributes, eventName: record.eventName, resource: record.resource.attributes })),
    });
    expect(inMemory).toContain('[REDACTED:');
    expect(leaks(inMemory)).toEqual([]);

    for (const path of ['/v1/traces', '/v1/logs', '/v1/metrics']) {
      expect(receiver.on(path).length, `${path} requests`).toBeGreaterThan(0);
    }
    const wire = receiver.requests.map((request) => request.body.toString('utf8')).join('\n');
    expect(wire).toContain('[REDACTED:');
    expect(wire).toContain('redaction-e2e');
    expect(leaks(wire)).toEqual([]);
  });

  it('no secret reaches the local journal files (OTLP/JSON segments)', async () => {
    directory = await mkdtemp(join(tmpdir(), 'swarmtrail-redaction-'));
    const handle = start({
      serviceName: 'redaction-e2e-journal',
      resourceAttributes: resourceSecrets(),
      directory,
      handleExitSignals: false,
      env: {},
    });
    emitEverywhere();
    await handle.forceFlush();
    await handle.shutdown();
    const files = await filesUnder(directory);
    expect(files).toContain('"traceId"');
    expect(files).toContain('http.client.requests');
    expect(files).toContain('[REDACTED:');
    expect(leaks(files)).toEqual([]);
  });

  it('with redaction: false (explicit) the same secrets do reach the exporters, so the test can fail', async () => {
    directory = await mkdtemp(join(tmpdir(), 'swarmtrail-redaction-'));
    const spans = new InMemorySpanExporter();
    const handle = start({ serviceName: 'redaction-off', redaction: false, journal: false, directory, spanExporters: [spans], handleExitSignals: false, env: {} });
    emitEverywhere();
    await handle.forceFlush();
    const text = JSON.stringify(spans.getFinishedSpans().map((span) => ({ name: span.name, attributes: span.attributes })));
    await handle.shutdown();
    expect(leaks(text).length).toBe(planted.length);
  });
});
