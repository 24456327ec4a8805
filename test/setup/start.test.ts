import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { audit, redact, start, withAgent, withLLM, withRun, withTool, type SwarmtrailHandle } from '../../src/index.js';
import { readEnvironment } from '../../src/setup/environment.js';
import { OtlpReceiver } from '../helpers/otlpReceiver.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmtrail-start-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function receiver(): Promise<OtlpReceiver> {
  const r = await new OtlpReceiver().start();
  cleanups.push(() => r.stop());
  return r;
}

function started(handle: SwarmtrailHandle): SwarmtrailHandle {
  cleanups.push(() => handle.shutdown());
  return handle;
}

async function tinyRun(): Promise<string> {
  return withRun('wire', async ({ runId }) => {
    await withAgent('a', async () => {
      await withTool('t', async () => 1);
      withLLM({ provider: 'openai', model: 'gpt-4o' }, (llm) => llm.recordResponse({ usage: { inputTokens: 5, outputTokens: 6 } }));
      audit.decision({ summary: 'done' });
    });
    return runId;
  });
}

describe('OTLP/HTTP export to a local receiver', () => {
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    for (const journal of [false, true]) {
      it(`${protocol}, ${journal ? 'through the journal spool' : 'direct OTel exporters'}`, async () => {
        const r = await receiver();
        const handle = started(
          start({
            endpoint: r.url,
            protocol,
            headers: { 'x-api-key': 'test-key' },
            serviceName: 'wire-test',
            directory: tempDir(),
            journal: journal ? { flushIntervalMillis: 10 } : false,
            handleExitSignals: false,
            metricExportIntervalMillis: 60_000,
            env: {},
          }),
        );
        expect(handle.destination.kind).toBe('otlp');
        const runId = await tinyRun();
        await handle.shutdown();
        const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
        for (const path of ['/v1/traces', '/v1/logs', '/v1/metrics']) {
          expect(r.on(path).length, path).toBeGreaterThan(0);
          for (const request of r.on(path)) {
            expect(request.contentType).toContain(contentType);
            expect(request.headers['x-api-key']).toBe('test-key');
          }
        }
        const spans = r.spans();
        expect(spans.map((span) => span.name).sort()).toEqual(['chat gpt-4o', 'execute_tool t', 'invoke_agent a', 'invoke_workflow wire']);
        for (const span of spans) {
          expect(span.traceId).toBe(runId);
          expect(span.resource['service.name']).toBe('wire-test');
        }
        const root = spans.find((span) => span.name === 'invoke_workflow wire')!;
        const agent = spans.find((span) => span.name === 'invoke_agent a')!;
        expect(root.parentSpanId).toBe('');
        expect(agent.parentSpanId).toBe(root.spanId);
        expect(spans.find((span) => span.name === 'execute_tool t')!.parentSpanId).toBe(agent.spanId);
        const all = r.logRecords();
        // The SDK's own system.start/stop records belong to no run (and share the process chain).
        const system = all.filter((record) => record.traceId === '' || record.traceId === undefined);
        expect(system.map((record) => record.eventName)).toEqual(['audit.system.start', 'audit.system.stop', 'audit.checkpoint']);
        expect(system[0].attributes['audit.system.preset']).toBe('production');
        expect(system[0].attributes['audit.system.components']).toEqual(
          expect.arrayContaining(['redaction', 'integrity', `otlp(${protocol})`, 'audit_span_records']),
        );
        expect(system[1].attributes['audit.system.uptime']).toBeGreaterThan(0);
        const records = all.filter((record) => !system.includes(record));
        expect(records.map((record) => record.eventName).sort()).toEqual([
          'audit.agent.end',
          'audit.agent.start',
          'audit.checkpoint',
          'audit.decision',
          'audit.llm.end',
          'audit.run.end',
          'audit.run.start',
          'audit.tool.end',
        ]);
        // A run's first record is its start: a run that never ends is still in the audit log.
        const byChainSeq = [...records].sort((a, b) => Number(a.attributes['audit.chain.seq']) - Number(b.attributes['audit.chain.seq']));
        expect(byChainSeq[0].eventName).toBe('audit.run.start');
        expect(byChainSeq[0].attributes).toMatchObject({ 'audit.run.id': runId, 'gen_ai.workflow.name': 'wire', 'gen_ai.operation.name': 'invoke_workflow' });
        expect(byChainSeq[0].body).toBe('run wire started');
        for (const record of records) expect(record.traceId).toBe(runId);
        // Integrity is on by default: every audit record is chained, and the run's sealing
        // checkpoint is on the root span too.
        const chain = root.attributes['audit.chain.id'];
        expect(chain).toEqual(expect.any(String));
        expect(root.attributes['audit.checkpoint.signature']).toEqual(expect.any(String));
        for (const record of records) expect(record.attributes['audit.chain.id']).toBe(chain);
        const sequence = records.map((record) => Number(record.attributes['audit.chain.seq'])).sort((a, b) => a - b);
        expect(sequence).toEqual(sequence.map((_, index) => sequence[0] + index));
        if (protocol === 'http/json') {
          const metrics = r.jsonMetrics();
          expect([...metrics.keys()]).toEqual(
            expect.arrayContaining(['gen_ai.client.token.usage', 'gen_ai.client.operation.duration', 'swarmtrail.tool.duration', 'swarmtrail.audit.events', 'process.cpu.time', 'process.memory.usage']),
          );
        }
      });
    }
  }
});

describe('configuration precedence', () => {
  it('reads the standard OTel variables', () => {
    const env = readEnvironment({
      OTEL_SERVICE_NAME: 'svc',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=other,deployment.environment.name=prod,team=a%20b',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:4318/custom/logs',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x,x-tenant=t1',
      OTEL_SDK_DISABLED: 'false',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'TRUE',
    });
    expect(env).toMatchObject({
      serviceName: 'svc',
      resourceAttributes: { 'service.name': 'other', 'deployment.environment.name': 'prod', team: 'a b' },
      endpoint: 'http://collector:4318',
      signalEndpoints: { logs: 'http://logs:4318/custom/logs' },
      protocol: 'http/json',
      headers: { authorization: 'Bearer x', 'x-tenant': 't1' },
      sdkDisabled: false,
      captureContent: true,
    });
  });

  it('ignores malformed values with a warning instead of throwing', () => {
    const env = readEnvironment({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_SDK_DISABLED: 'maybe', OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' });
    expect(env.protocol).toBeUndefined();
    expect(env.sdkDisabled).toBeUndefined();
    expect(env.endpoint).toBeUndefined();
  });

  it('explicit options beat the environment, which beats the defaults', async () => {
    const fromEnv = await receiver();
    const fromOption = await receiver();
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: fromEnv.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'env-name',
      OTEL_RESOURCE_ATTRIBUTES: 'team=env-team',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
    };
    // Environment only: endpoint, protocol, name and content capture come from it.
    let handle = started(start({ env, journal: false, handleExitSignals: false, directory: tempDir() }));
    withTool('t', () => 1, { arguments: { q: 1 } });
    await handle.shutdown();
    const envSpan = fromEnv.spans()[0];
    expect(fromEnv.on('/v1/traces')[0].contentType).toContain('application/json');
    expect(envSpan.resource['service.name']).toBe('env-name');
    expect(envSpan.resource['team']).toBe('env-team');
    expect(envSpan.attributes['gen_ai.tool.call.arguments']).toBe('{"q":1}');
    // Explicit options win over every one of them.
    handle = started(
      start({ env, endpoint: fromOption.url, protocol: 'http/protobuf', serviceName: 'opt-name', captureContent: false, journal: false, handleExitSignals: false, directory: tempDir() }),
    );
    withTool('t', () => 1, { arguments: { q: 1 } });
    await handle.shutdown();
    const optionSpan = fromOption.spans()[0];
    expect(fromOption.on('/v1/traces')[0].contentType).toContain('application/x-protobuf');
    expect(optionSpan.resource['service.name']).toBe('opt-name');
    expect(optionSpan.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    expect(fromEnv.on('/v1/traces')).toHaveLength(1);
    // service.name given as an explicit resource attribute also beats OTEL_SERVICE_NAME.
    const viaResource = await receiver();
    handle = started(
      start({ env, endpoint: viaResource.url, resourceAttributes: { 'service.name': 'res-name' }, journal: false, handleExitSignals: false, directory: tempDir() }),
    );
    withTool('t', () => 1);
    await handle.shutdown();
    expect(viaResource.spans()[0].resource['service.name']).toBe('res-name');
  });

  it('redact() without options applies the policy start() was given, and the default again after shutdown', async () => {
    const handle = started(start({ redaction: { patterns: [{ name: 'employee_id', pattern: /EMP-\d{6}/ }], allowlist: ['ops@example.com'] }, journal: false, integrity: false, handleExitSignals: false, env: {}, logRecordExporters: [] }));
    expect(redact('id EMP-123456 mail ops@example.com other jane@example.com')).toBe('id [REDACTED:employee_id] mail ops@example.com other [REDACTED:email]');
    await handle.shutdown();
    expect(redact('id EMP-123456 mail ops@example.com')).toBe('id EMP-123456 mail [REDACTED:email]');
  });

  it('uses per-signal endpoint variables as full URLs', async () => {
    const r = await receiver();
    const handle = started(
      start({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${r.url}/my/traces`, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${r.url}/my/logs`, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${r.url}/my/metrics` }, journal: false, handleExitSignals: false, directory: tempDir() }),
    );
    withTool('t', () => 1);
    await handle.shutdown();
    expect(r.on('/my/traces')).toHaveLength(1);
    expect(r.on('/my/logs')).toHaveLength(1);
    expect(r.on('/my/metrics').length).toBeGreaterThan(0);
  });

  for (const journal of [true, false]) {
    it(`sends each signal with its own headers and protocol, never another signal's credential (${journal ? 'journal spool' : 'direct exporters'})`, async () => {
      const traces = await receiver();
      const logs = await receiver();
      const env = {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${traces.url}/v1/traces`,
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=Bearer%20vendor-a',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${logs.url}/v1/logs`,
        OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-scope-orgid=tenant-b',
        OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${logs.url}/v1/metrics`,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-shared=1',
      };
      const handle = started(start({ env, ...(journal ? {} : { journal: false }), integrity: false, handleExitSignals: false, directory: tempDir() }));
      await withTool('t', async () => 1);
      audit.decision({ summary: 'routed' });
      await handle.forceFlush();
      const deadline = Date.now() + 10_000;
      while ((traces.on('/v1/traces').length === 0 || logs.on('/v1/logs').length === 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await handle.shutdown();
      expect(traces.on('/v1/traces').length).toBeGreaterThan(0);
      for (const request of traces.on('/v1/traces')) {
        expect(request.headers['authorization']).toBe('Bearer vendor-a');
        expect(request.headers['x-shared']).toBe('1');
        expect(request.contentType).toContain('protobuf');
      }
      expect(logs.on('/v1/logs').length).toBeGreaterThan(0);
      for (const path of ['/v1/logs', '/v1/metrics']) {
        for (const request of logs.on(path)) {
          expect(request.headers['authorization'], path).toBeUndefined();
          expect(request.headers['x-shared'], path).toBe('1');
        }
      }
      for (const request of logs.on('/v1/logs')) {
        expect(request.headers['x-scope-orgid']).toBe('tenant-b');
        expect(request.contentType).toContain('json');
      }
    });
  }

  it('rejects bad explicit options with a message naming the option', () => {
    expect(() => start({ endpoint: 'ftp://x', env: {} })).toThrow(/endpoint must be an http\(s\) URL/);
    expect(() => start({ protocol: 'grpc' as never, env: {} })).toThrow(/protocol must be 'http\/protobuf' or 'http\/json'/);
  });

  it('writes to the local journal when no endpoint is configured', async () => {
    const directory = tempDir();
    const handle = started(start({ directory, handleExitSignals: false, env: {} }));
    expect(handle.destination).toEqual({ kind: 'journal', directory: join(directory, 'journal') });
  });

  it('shutdown and forceFlush are idempotent', async () => {
    const handle = started(start({ journal: false, handleExitSignals: false, spanExporters: [new InMemorySpanExporter()], env: {} }));
    await handle.forceFlush();
    await Promise.all([handle.shutdown(), handle.shutdown()]);
    await handle.shutdown();
    await handle.forceFlush();
  });
});

describe('integrity defaults', () => {
  it('chains records outside any run in one process chain instead of a chain per trace', async () => {
    const logs = new InMemoryLogRecordExporter();
    const handle = started(start({ journal: false, handleExitSignals: false, logRecordExporters: [logs], directory: tempDir(), env: {} }));
    for (let i = 0; i < 50; i++) withTool('standalone', () => i);
    await handle.forceFlush();
    const records = logs.getFinishedLogRecords();
    expect(records.filter((record) => record.eventName === 'audit.tool.end')).toHaveLength(50);
    expect(new Set(records.map((record) => record.attributes['audit.chain.id'])).size).toBe(1);
    // No run ended and no chain was evicted: no checkpoint (an Ed25519 signature) per tool call.
    expect(records.filter((record) => record.eventName === 'audit.checkpoint')).toHaveLength(0);
    for (const record of records) expect(record.attributes['audit.run.id']).toBeUndefined();
  });
});

describe('OTEL_SDK_DISABLED', () => {
  it('makes everything a no-op while the user functions still run', async () => {
    const exporter = new InMemorySpanExporter();
    const handle = started(start({ env: { OTEL_SDK_DISABLED: 'true' }, spanExporters: [exporter] }));
    expect(handle.enabled).toBe(false);
    let ran = 0;
    const runId = await withRun('off', async ({ runId }) => {
      ran++;
      expect(withTool('t', () => 5)).toBe(5);
      expect(audit.decision({ summary: 'x' })).toBe('');
      expect(trace.getActiveSpan()).toBeUndefined();
      return runId;
    });
    expect(ran).toBe(1);
    expect(runId).toBe('00000000000000000000000000000000');
    // (Nothing is wired when disabled, so an exporter here could not fail: test/instrument/settings.test.ts
    // checks "nothing recorded" against a working pipeline with a control span.)
    await handle.forceFlush();
    await expect(Promise.resolve(withAgent('a', () => Promise.reject(new Error('still thrown'))))).rejects.toThrow('still thrown');
  });
});
