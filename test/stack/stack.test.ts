/**
 * End-to-end: the real collector build running collector/config.yaml, real Prometheus, and
 * OTLP/HTTP stand-ins for Tempo and Loki's /otlp endpoint, all on 127.0.0.1; the demo swarm
 * (dist/examples/demo-swarm.js) exports through them like any app, and what it exported (its
 * journal) is what the backends must hold. Raw OTLP requests play a client that does not redact.
 * Run with `npm run test:stack` (scripts/ci-stack.sh in CI). SWARMTRAIL_KEEP_STACK=1 keeps the
 * temporary directory with the logs; SWARMTRAIL_WRITE_OBSERVED_METRICS=1 rewrites
 * test/stack/observed-metrics.json from this run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTrustedKeys } from '../../src/integrity/keys.js';
import { feedLogsRequest } from '../../src/integrity/otlpSource.js';
import { TrailVerifier } from '../../src/integrity/TrailVerifier.js';
import { OtlpHttpSink } from './OtlpHttpSink.js';
import { freePort, waitFor } from './processes.js';
import { auditRecord, logsRequest, newSpanId, newTraceId, postOtlpJson, traceRequest, type RawLogRecord } from './rawOtlp.js';
import { CollectorProcess, collectorBinary, PrometheusProcess, REPOSITORY_ROOT, validateCollectorConfig, type CollectorPorts } from './stack.js';
import { runDemoSwarm, shipJournal, type SwarmRun } from './swarmRun.js';

const OBSERVED_METRICS_FILE = join(REPOSITORY_ROOT, 'test', 'stack', 'observed-metrics.json');

let binary: string;
let workDirectory: string;
let tempo: OtlpHttpSink;
let loki: OtlpHttpSink;
let prometheus: PrometheusProcess;
let collector: CollectorProcess;
let collectorPorts: CollectorPorts;
let run: SwarmRun;

async function startCollector(): Promise<CollectorProcess> {
  return CollectorProcess.start({
    binary,
    workDirectory,
    tempoEndpoint: tempo.endpoint,
    lokiEndpoint: loki.endpoint,
    remoteWriteEndpoint: prometheus.remoteWriteEndpoint,
    ports: collectorPorts,
  });
}

function auditIdsReceived(): Set<string> {
  const ids = new Set<string>();
  for (const record of loki.logRecords) {
    const id = record.attributes['audit.event.id'];
    if (typeof id === 'string') ids.add(id);
  }
  return ids;
}

async function waitForAuditIds(ids: readonly string[], what: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    () => {
      const received = auditIdsReceived();
      return ids.every((id) => received.has(id));
    },
    { timeoutMs, what },
  ).catch((error: unknown) => {
    const received = auditIdsReceived();
    const missing = ids.filter((id) => !received.has(id));
    throw new Error(`${(error as Error).message}; ${missing.length} of ${ids.length} missing\n${collector.process.logTail(30)}`, { cause: error });
  });
}

/** Waits until the PromQL query returns at least one sample and every sample satisfies `accept`. */
async function queryUntil(promql: string, accept: (values: number[]) => boolean): Promise<{ metric: Record<string, string>; value: number }[]> {
  return waitFor(
    async () => {
      const samples = await prometheus.query(promql);
      return samples.length > 0 && accept(samples.map((sample) => sample.value)) ? samples : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500, what: `PromQL ${promql}` },
  );
}

beforeAll(async () => {
  if (!PrometheusProcess.available()) {
    throw new Error(`Prometheus not found at ${PrometheusProcess.binary()}: run scripts/ci-stack.sh (installs it) or set SWARMTRAIL_PROMETHEUS_BIN`);
  }
  binary = collectorBinary();
  workDirectory = mkdtempSync(join(tmpdir(), 'swarmtrail-stack-'));
  tempo = new OtlpHttpSink();
  loki = new OtlpHttpSink({ pathPrefix: '/otlp' });
  await tempo.start();
  await loki.start();
  collectorPorts = { grpc: await freePort(), http: await freePort(), health: await freePort(), telemetry: await freePort() };
  prometheus = await PrometheusProcess.start({ workDirectory, scrapeTargets: [`127.0.0.1:${collectorPorts.telemetry}`] });
  collector = await startCollector();
  run = await runDemoSwarm({ collectorEndpoint: collector.otlpHttpEndpoint, workDirectory });
});

afterAll(async () => {
  await collector?.stop();
  await prometheus?.stop();
  await tempo?.stop();
  await loki?.stop();
  if (workDirectory !== undefined && process.env['SWARMTRAIL_KEEP_STACK'] === undefined) rmSync(workDirectory, { recursive: true, force: true });
});

describe('collector configs', () => {
  it('otelcol validate accepts the main config, each backend overlay and the agent/gateway layout', () => {
    const env = { PATH: process.env['PATH'], SWARMTRAIL_VENDOR_ENDPOINT: 'https://otlp.example.com/otlp', SWARMTRAIL_VENDOR_AUTHORIZATION: 'Bearer example' };
    const collectorDirectory = join(REPOSITORY_ROOT, 'collector');
    const layouts = [
      ['config.yaml'],
      ['config.yaml', 'backends/otlp-vendor.yaml'],
      ['config.yaml', 'backends/audit-archive.yaml'],
      ['config.yaml', 'gateway.yaml'],
      ['agent.yaml'],
    ];
    for (const layout of layouts) {
      const result = validateCollectorConfig(binary, layout.map((file) => join(collectorDirectory, file)), env);
      expect({ layout, ...result }).toMatchObject({ layout, code: 0 });
    }
  });

  it('otelcol validate rejects the vendor overlay when its endpoint is not set', () => {
    const collectorDirectory = join(REPOSITORY_ROOT, 'collector');
    const result = validateCollectorConfig(binary, [join(collectorDirectory, 'config.yaml'), join(collectorDirectory, 'backends/otlp-vendor.yaml')], { PATH: process.env['PATH'] });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('otlp_http/vendor');
  });
});

describe('backend configs for docker-compose', () => {
  it('promtool accepts the Prometheus config that compose mounts', () => {
    const promtool = join(dirname(PrometheusProcess.binary()), 'promtool');
    const output = execFileSync(promtool, ['check', 'config', join(REPOSITORY_ROOT, 'collector', 'stack', 'prometheus.yml')], { encoding: 'utf8', timeout: 30_000 });
    expect(output).toContain('SUCCESS');
  });
});

describe('a swarm run through the collector', () => {
  it('reaches the Tempo stand-in as one trace per run with the whole tree and GenAI attributes', async () => {
    const traceIds = new Set(run.traceIds);
    const received = (): typeof tempo.spans => tempo.spans.filter((span) => traceIds.has(span.traceId));
    await waitFor(() => new Set(received().map((span) => span.spanId)).size >= run.spans.length, {
      timeoutMs: 30_000,
      what: `${run.spans.length} spans of the demo run at the Tempo stand-in`,
    });
    const byId = new Map(received().map((span) => [span.spanId, span]));
    expect(byId.size).toBe(run.spans.length);
    for (const expected of run.spans) {
      const span = byId.get(expected.spanId);
      expect(span, `span ${expected.name}`).toBeDefined();
      expect(span?.traceId).toBe(expected.traceId);
      expect(span?.name).toBe(expected.name);
      expect(span?.parentSpanId).toBe(expected.parentSpanId);
      expect(span?.attributes).toMatchObject(expected.attributes);
    }
    // One trace per run: exactly one root per trace, an invoke_workflow span, and every other
    // span's parent is in the same trace.
    for (const traceId of traceIds) {
      const spans = received().filter((span) => span.traceId === traceId);
      const roots = spans.filter((span) => span.parentSpanId === '');
      expect(roots.map((span) => span.attributes['gen_ai.operation.name'])).toEqual(['invoke_workflow']);
      const ids = new Set(spans.map((span) => span.spanId));
      expect(spans.filter((span) => span.parentSpanId !== '' && !ids.has(span.parentSpanId))).toEqual([]);
    }
    const operations = new Set(received().map((span) => span.attributes['gen_ai.operation.name']));
    for (const operation of ['invoke_workflow', 'invoke_agent', 'chat', 'execute_tool']) expect(operations).toContain(operation);
    expect(received().every((span) => span.resource['deployment.environment.name'] !== undefined)).toBe(true);
    expect(tempo.errors).toEqual([]);
  });

  it('reaches the Loki stand-in with every audit record, each carrying trace and span ids', async () => {
    expect(run.auditRecords.length).toBeGreaterThan(0);
    await waitForAuditIds(run.auditRecords.map((record) => record.auditEventId), 'every audit record of the demo run at the Loki stand-in');
    const spanIds = new Set(run.spans.map((span) => span.spanId));
    const traceIds = new Set(run.traceIds);
    for (const expected of run.auditRecords) {
      const record = loki.logRecords.find((candidate) => candidate.attributes['audit.event.id'] === expected.auditEventId);
      expect(record?.eventName).toBe(expected.eventName);
      expect(record?.attributes).toMatchObject(expected.attributes);
      expect(record?.traceId).toBe(expected.traceId);
      expect(record?.spanId).toBe(expected.spanId);
      // The SDK's system.start/stop records (and their chain's final checkpoint) belong to no run.
      if (expected.eventName === 'audit.system.start' || expected.eventName === 'audit.system.stop' || (expected.eventName === 'audit.checkpoint' && expected.traceId === '')) {
        expect(record?.traceId).toBe('');
        continue;
      }
      expect(traceIds.has(record?.traceId ?? '')).toBe(true);
      expect(spanIds.has(record?.spanId ?? '')).toBe(true);
    }
    const outside = run.auditRecords.filter((record) => record.traceId === '').map((record) => record.eventName);
    expect(outside).toEqual(['audit.system.start', 'audit.system.stop', 'audit.checkpoint']);
    for (const type of ['run.end', 'agent.end', 'tool.end', 'llm.end']) {
      expect(run.auditRecords.some((record) => record.attributes['audit.event.type'] === type), type).toBe(true);
    }
    expect(loki.errors).toEqual([]);
  });

  it('delivers the audit trail to the Loki stand-in unaltered: the hash chains and signatures verify there', async () => {
    await waitForAuditIds(run.auditRecords.map((record) => record.auditEventId), 'every audit record of the demo run at the Loki stand-in');
    const chains = new Set(run.auditRecords.map((record) => record.attributes['audit.chain.id']).filter((id) => typeof id === 'string'));
    expect(chains.size).toBeGreaterThanOrEqual(2); // the run's chain and the process chain of system.start/stop
    const verifier = new TrailVerifier({
      source: 'Loki stand-in',
      ordered: false,
      trustedKeys: loadTrustedKeys([join(workDirectory, 'demo', '.swarmtrail', 'keys', 'signing-key.pub.pem')]),
    });
    let fed = 0;
    loki.logRequests.forEach((request, index) => {
      // Only the demo's chains: other tests send their own records to the same stand-in.
      const onlyDemo = structuredClone(request) as { resourceLogs?: { scopeLogs?: { logRecords?: { attributes?: { key: string; value: { stringValue?: string } }[] }[] }[] }[] };
      for (const resourceLogs of onlyDemo.resourceLogs ?? []) {
        for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
          scopeLogs.logRecords = (scopeLogs.logRecords ?? []).filter((record) =>
            chains.has(record.attributes?.find((kv) => kv.key === 'audit.chain.id')?.value.stringValue ?? ''),
          );
          fed += scopeLogs.logRecords.length;
        }
      }
      feedLogsRequest(onlyDemo, `loki request ${index + 1}`, verifier);
    });
    const report = verifier.finish();
    expect(fed).toBe(run.auditRecords.filter((record) => chains.has(record.attributes['audit.chain.id'] as string)).length);
    expect({ findings: report.findings, chainFindings: report.chains.flatMap((chain) => chain.findings) }).toEqual({ findings: [], chainFindings: [] });
    expect(report.chains.every((chain) => chain.sealed)).toBe(true);
  });

  it('lets Prometheus answer PromQL for the token and duration metrics with the values of the run', async () => {
    const promqls = run.metricExpectations.map((expectation) => expectation.promql).join('\n');
    expect(promqls).toContain('gen_ai_client_token_usage_sum');
    expect(promqls).toContain('_duration_seconds_sum');
    for (const expectation of run.metricExpectations) {
      const matches = (values: number[]): boolean => values.length === 1 && Math.abs(values[0] - expectation.value) <= expectation.tolerance;
      const samples = await queryUntil(expectation.promql, matches).catch(async (error: unknown) => {
        const actual = await prometheus.query(expectation.promql);
        throw new Error(`${(error as Error).message}: expected ${expectation.value}, got ${JSON.stringify(actual)}`, { cause: error });
      });
      expect(samples).toHaveLength(1);
    }
  });

  it('holds the final value of every counter and histogram the SDK exported, under its Prometheus name', async () => {
    const promqls = run.exportedMetricExpectations.map((expectation) => expectation.promql).join('\n');
    for (const name of ['gen_ai_client_token_usage_count', 'swarmtrail_tool_duration_seconds_count', 'swarmtrail_audit_events_total']) expect(promqls).toContain(name);
    for (const expectation of run.exportedMetricExpectations) {
      const matches = (values: number[]): boolean => values.length === 1 && Math.abs(values[0] - expectation.value) <= expectation.tolerance;
      await queryUntil(expectation.promql, matches).catch(async (error: unknown) => {
        const actual = await prometheus.query(expectation.promql);
        throw new Error(`${(error as Error).message}: expected ${expectation.value}, got ${JSON.stringify(actual)}`, { cause: error });
      });
    }
  });

  it("lets Prometheus answer PromQL for the collector's span metrics, with exemplars linking to the trace", async () => {
    for (const [operation, count] of run.spanCountsByOperation) {
      const promql = `sum(traces_span_metrics_calls_total{job="${run.job}",gen_ai_operation_name="${operation}"})`;
      await queryUntil(promql, (values) => values[0] === count);
      const histogram = `sum(traces_span_metrics_duration_seconds_count{job="${run.job}",gen_ai_operation_name="${operation}"})`;
      await queryUntil(histogram, (values) => values[0] === count);
    }
    const traceIds = new Set(run.traceIds);
    const exemplars = await waitFor(
      async () => {
        const found = await prometheus.exemplars(`traces_span_metrics_duration_seconds_bucket{job="${run.job}"}`);
        return found.some((exemplar) => traceIds.has(exemplar.labels['trace_id'] ?? '')) ? found : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'span-metric exemplars carrying a trace id of the run' },
    );
    expect(exemplars.length).toBeGreaterThan(0);
  });

  it("exposes the collector's own metrics to Prometheus", async () => {
    const samples = await queryUntil('sum(otelcol_receiver_accepted_spans_total{job="otelcol"})', (values) => values[0] >= run.spans.length);
    expect(samples[0].value).toBeGreaterThanOrEqual(run.spans.length);
  });
});

describe('redaction in the collector (defence in depth)', () => {
  it('removes secrets sent by a client that does not redact before they reach Tempo and Loki', async () => {
    const secrets = {
      openai: `sk-proj-${'A1b2C3d4E5f6G7h8I9j0'.repeat(2)}`,
      aws: 'AKIAIOSFODNN7EXAMPLE',
      github: `ghp_${'x9Y8w7V6u5'.repeat(4)}`,
      password: 'hunter2-correct-horse',
    };
    const traceId = newTraceId();
    const spanId = newSpanId();
    await postOtlpJson(
      collector.otlpHttpEndpoint,
      'traces',
      traceRequest('raw-client', [
        {
          traceId,
          spanId,
          name: 'execute_tool http_get',
          attributes: {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.call.arguments': `{"url":"https://api.example.com","headers":{"Authorization":"Bearer ${secrets.openai}"}}`,
            'cloud.note': `using key ${secrets.aws} today`,
            'db.password': secrets.password,
          },
        },
      ]),
    );
    // Look-alikes that must pass unchanged: ids and timestamps made of digits, prose, and values
    // the SDK already redacted.
    const harmless = {
      'audit.note': 'basic configuration loaded; bearer of good news',
      'request.id': '12345678-1234-4234-8234-123456789012',
      'event.timestamp_us': '1732512345678901',
      'url.full': 'https://reports.example.org/publish?api_key=REDACTED&doc=report.md',
      'tool.arguments': '{"password":"[REDACTED:secret_assignment]"}',
    };
    const marker = auditRecord('tool.end', { 'gen_ai.tool.name': 'http_get', 'tool.output': `token=${secrets.github}`, 'card.used': '4111 1111 1111 1111', ...harmless }, { traceId, spanId });
    await postOtlpJson(
      collector.otlpHttpEndpoint,
      'logs',
      logsRequest('raw-client', [{ ...marker, body: `called with password: ${secrets.password} and ${secrets.github}` }]),
    );
    await waitFor(() => tempo.spans.some((span) => span.traceId === traceId), { timeoutMs: 30_000, what: 'the raw span at the Tempo stand-in' });
    await waitForAuditIds([String(marker.attributes['audit.event.id'])], 'the raw audit record at the Loki stand-in');

    const span = tempo.spans.find((candidate) => candidate.traceId === traceId);
    const record = loki.logRecords.find((candidate) => candidate.attributes['audit.event.id'] === marker.attributes['audit.event.id']);
    expect(span?.attributes['gen_ai.tool.call.arguments']).toContain('api.example.com');
    expect(span?.attributes['cloud.note']).toMatch(/^using key \*+ today$/);
    expect(span?.attributes['db.password']).toBe('****');
    expect(record?.body).toMatch(/^called with \*+ and \*+$/);
    expect(record?.attributes['card.used']).toBe('****');
    expect(record?.attributes).toMatchObject(harmless);
    const everything = [...tempo.receivedText, ...loki.receivedText].join('\n');
    for (const secret of Object.values(secrets)) expect(everything).not.toContain(secret);
  });
});

describe('size limits in the collector', () => {
  it('caps huge attribute values and log bodies instead of letting a backend refuse the batch', async () => {
    const traceId = newTraceId();
    const spanId = newSpanId();
    await postOtlpJson(collector.otlpHttpEndpoint, 'traces', traceRequest('limits-client', [{ traceId, spanId, name: 'execute_tool dump', attributes: { 'gen_ai.tool.call.result': 'x'.repeat(20_000) } }]));
    const record = auditRecord('tool.end', { 'tool.output': 'y'.repeat(20_000) }, { traceId, spanId });
    await postOtlpJson(collector.otlpHttpEndpoint, 'logs', logsRequest('limits-client', [{ ...record, body: 'z'.repeat(70_000) }]));
    await waitFor(() => tempo.spans.some((span) => span.traceId === traceId), { timeoutMs: 30_000, what: 'the huge span at the Tempo stand-in' });
    await waitForAuditIds([String(record.attributes['audit.event.id'])], 'the huge audit record at the Loki stand-in');
    const span = tempo.spans.find((candidate) => candidate.traceId === traceId);
    const received = loki.logRecords.find((candidate) => candidate.attributes['audit.event.id'] === record.attributes['audit.event.id']);
    expect(span?.attributes['gen_ai.tool.call.result']).toBe('x'.repeat(16_384));
    expect(received?.attributes['tool.output']).toBe('y'.repeat(16_384));
    expect(received?.body).toBe('z'.repeat(65_536));
  });
});

describe('no audit record is lost', () => {
  it('when the collector stops in the middle of the demo runs (journal and persistent queue together)', async () => {
    // Run 1 is accepted by the collector while Loki is down: its records wait in the collector's
    // fsync'ed queue. Then the collector is killed without any chance to flush, and run 2 happens
    // while it is down: its records exist only in the SDK's journal.
    await loki.stop();
    const before = await runDemoSwarm({ collectorEndpoint: collector.otlpHttpEndpoint, workDirectory, name: 'demo-before-kill' });
    await collector.stop('SIGKILL');
    const during = await runDemoSwarm({ collectorEndpoint: collector.otlpHttpEndpoint, workDirectory, name: 'demo-collector-down' });
    collector = await startCollector();
    await loki.start();
    await shipJournal({ journalDirectory: join(workDirectory, 'demo-collector-down', '.swarmtrail', 'journal'), collectorEndpoint: collector.otlpHttpEndpoint });
    await waitForAuditIds(
      [...before.auditRecords, ...during.auditRecords].map((record) => record.auditEventId),
      'the audit records of both runs after the collector restart',
    );
  });

  it('when the collector is killed with records queued and started again', async () => {
    await loki.stop();
    const queued: RawLogRecord[] = Array.from({ length: 50 }, (_, index) => auditRecord('tool.end', { 'gen_ai.tool.name': `queued-${index}` }, { traceId: newTraceId(), spanId: newSpanId() }));
    for (let index = 0; index < queued.length; index += 10) {
      await postOtlpJson(collector.otlpHttpEndpoint, 'logs', logsRequest('loss-test', queued.slice(index, index + 10)));
    }
    // The collector acknowledged every request: the records are in its fsync'ed queue. Kill it
    // without a chance to flush anything, then start it again on the same storage.
    await collector.stop('SIGKILL');
    collector = await startCollector();
    await loki.start();
    await waitForAuditIds(queued.map((record) => String(record.attributes['audit.event.id'])), 'records queued before the kill to arrive after the restart');
  });

  it('while the Loki stand-in is down and the collector keeps running', async () => {
    await loki.stop();
    const during: RawLogRecord[] = Array.from({ length: 30 }, (_, index) => auditRecord('agent.end', { 'gen_ai.agent.name': `outage-${index}` }, { traceId: newTraceId(), spanId: newSpanId() }));
    for (let index = 0; index < during.length; index += 5) {
      await postOtlpJson(collector.otlpHttpEndpoint, 'logs', logsRequest('loss-test', during.slice(index, index + 5)));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Longer than the first retries: the exporter must keep retrying, never give up.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(auditIdsReceived().has(String(during[0].attributes['audit.event.id']))).toBe(false);
    await loki.start();
    await waitForAuditIds(during.map((record) => String(record.attributes['audit.event.id'])), 'records sent during the outage to arrive after it');
  });
});

describe('backend overlays, running', () => {
  it('otlp-vendor.yaml sends every signal to the vendor endpoint with the authorization header', async () => {
    const vendor = new OtlpHttpSink({ pathPrefix: '/otlp' });
    await vendor.start();
    const overlay = await CollectorProcess.start({
      binary,
      workDirectory,
      name: 'vendor-collector',
      tempoEndpoint: tempo.endpoint,
      lokiEndpoint: loki.endpoint,
      remoteWriteEndpoint: prometheus.remoteWriteEndpoint,
      overlays: [join(REPOSITORY_ROOT, 'collector', 'backends', 'otlp-vendor.yaml')],
      env: { SWARMTRAIL_VENDOR_ENDPOINT: vendor.endpoint, SWARMTRAIL_VENDOR_AUTHORIZATION: 'Bearer vendor-test-credential' },
    });
    try {
      const traceId = newTraceId();
      const spanId = newSpanId();
      const record = auditRecord('tool.end', {}, { traceId, spanId });
      await postOtlpJson(overlay.otlpHttpEndpoint, 'traces', traceRequest('vendor-client', [{ traceId, spanId, name: 'execute_tool search', attributes: { 'gen_ai.operation.name': 'execute_tool' } }]));
      await postOtlpJson(overlay.otlpHttpEndpoint, 'logs', logsRequest('vendor-client', [record]));
      await waitFor(() => vendor.spans.some((span) => span.traceId === traceId) && vendor.logRecords.some((received) => received.spanId === spanId) && vendor.metricsRequests > 0, {
        timeoutMs: 30_000,
        what: 'traces, logs and span metrics at the vendor stand-in',
      });
      expect(vendor.headers.map((request) => request.headers['authorization'])).toEqual(vendor.headers.map(() => 'Bearer vendor-test-credential'));
      expect(tempo.spans.some((span) => span.traceId === traceId)).toBe(false);
      expect(vendor.errors).toEqual([]);
    } finally {
      await overlay.stop();
      await vendor.stop();
    }
  });

  it('audit-archive.yaml archives audit records, and only those, to files next to Loki', async () => {
    const archiveDirectory = join(workDirectory, 'archive');
    const overlay = await CollectorProcess.start({
      binary,
      workDirectory,
      name: 'archive-collector',
      tempoEndpoint: tempo.endpoint,
      lokiEndpoint: loki.endpoint,
      remoteWriteEndpoint: prometheus.remoteWriteEndpoint,
      overlays: [join(REPOSITORY_ROOT, 'collector', 'backends', 'audit-archive.yaml')],
      env: { SWARMTRAIL_ARCHIVE_DIRECTORY: archiveDirectory },
    });
    try {
      const audit = auditRecord('decision.made', { 'decision.summary': 'ship it' });
      const plain: RawLogRecord = { eventName: 'app.log', body: 'not an audit record', attributes: { 'log.marker': 'plain-archive-test' } };
      await postOtlpJson(overlay.otlpHttpEndpoint, 'logs', logsRequest('archive-client', [audit, plain]));
      const auditId = String(audit.attributes['audit.event.id']);
      const archived = await waitFor(
        () => {
          const text = readdirSync(archiveDirectory)
            .map((file) => readFileSync(join(archiveDirectory, file), 'utf8'))
            .join('');
          return text.includes(auditId) ? text : undefined;
        },
        { timeoutMs: 30_000, what: 'the audit record in the archive files' },
      );
      const lines = archived.split('\n').filter((line) => line !== '');
      for (const line of lines) expect(() => JSON.parse(line) as unknown, 'each archive line is OTLP/JSON').not.toThrow();
      expect(archived).not.toContain('plain-archive-test');
      await waitForAuditIds([auditId], 'the archived audit record at Loki too');
      expect(loki.logRecords.some((record) => record.attributes['log.marker'] === 'plain-archive-test')).toBe(true);
    } finally {
      await overlay.stop();
    }
  });
});

describe('agent -> gateway layout, running', () => {
  it('routes a run through an agent collector to a gateway and on to the backends', async () => {
    const collectorDirectory = join(REPOSITORY_ROOT, 'collector');
    const gateway = await CollectorProcess.start({
      binary,
      workDirectory,
      name: 'gateway',
      tempoEndpoint: tempo.endpoint,
      lokiEndpoint: loki.endpoint,
      remoteWriteEndpoint: prometheus.remoteWriteEndpoint,
      overlays: [join(collectorDirectory, 'gateway.yaml')],
    });
    let agent: CollectorProcess | undefined;
    try {
      agent = await CollectorProcess.start({
        binary,
        workDirectory,
        name: 'agent',
        baseConfig: join(collectorDirectory, 'agent.yaml'),
        tempoEndpoint: 'http://127.0.0.1:9/unused',
        lokiEndpoint: 'http://127.0.0.1:9/unused',
        remoteWriteEndpoint: 'http://127.0.0.1:9/unused',
        env: {
          SWARMTRAIL_GATEWAY_HOSTNAME: '127.0.0.1',
          SWARMTRAIL_GATEWAY_PORT: String(gateway.ports.grpc),
          SWARMTRAIL_GATEWAY_ENDPOINT: `127.0.0.1:${gateway.ports.grpc}`,
        },
      });
      const traceId = newTraceId();
      const rootId = newSpanId();
      const spans = [
        { traceId, spanId: rootId, name: 'invoke_workflow layout', attributes: { 'gen_ai.operation.name': 'invoke_workflow' } },
        ...Array.from({ length: 4 }, (_, index) => ({ traceId, spanId: newSpanId(), parentSpanId: rootId, name: 'execute_tool search', attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': `layout-${index}` } })),
      ];
      const records = spans.map((span) => auditRecord('tool.end', {}, { traceId, spanId: span.spanId }));
      await postOtlpJson(agent.otlpHttpEndpoint, 'traces', traceRequest('layout-client', spans));
      await postOtlpJson(agent.otlpHttpEndpoint, 'logs', logsRequest('layout-client', records));
      await waitFor(() => tempo.spans.filter((span) => span.traceId === traceId).length >= spans.length, { timeoutMs: 30_000, what: 'the spans routed through agent and gateway' });
      await waitForAuditIds(records.map((record) => String(record.attributes['audit.event.id'])), 'the audit records routed through agent and gateway');
      // The gateway's span metrics saw the whole trace.
      await queryUntil('sum(traces_span_metrics_calls_total{job="layout-client",gen_ai_operation_name="execute_tool"})', (values) => values[0] === 4);
    } finally {
      await agent?.stop();
      await gateway.stop();
    }
  });
});

describe('metric names the dashboards rely on', () => {
  it('are all present in Prometheus (test/stack/observed-metrics.json)', async () => {
    await queryUntil('sum(otelcol_exporter_sent_log_records_total{job="otelcol"})', (values) => values[0] > 0);
    const names = await prometheus.metricNames();
    if (process.env['SWARMTRAIL_WRITE_OBSERVED_METRICS'] === '1') {
      writeFileSync(OBSERVED_METRICS_FILE, `${JSON.stringify({ source: 'npm run test:stack (Prometheus /api/v1/label/__name__/values)', names }, null, 2)}\n`);
    }
    const observed = JSON.parse(readFileSync(OBSERVED_METRICS_FILE, 'utf8')) as { names: string[] };
    const missing = observed.names.filter((name) => !names.includes(name));
    expect(missing).toEqual([]);
  });
});
