import { afterEach, describe, expect, it } from 'vitest';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { audit, start, withAgent, withRun, withTool } from '../../src/index.js';
import { readEnvironment } from '../../src/setup/environment.js';
import { collectingDiagLogger } from '../helpers/diag.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.stop();
});

/** A harness with the settings the preset decides left to it (the harness turns some off). */
function started(options: Parameters<typeof startHarness>[0]): Harness {
  const harness = startHarness({ integrity: undefined, systemEvents: true, processMetrics: true, ...options });
  harnesses.push(harness);
  return harness;
}

/** Keeps what it was given after shutdown (the in-memory exporter forgets), to see system.stop. */
class KeepingLogRecordExporter implements LogRecordExporter {
  readonly records: ReadableLogRecord[] = [];
  export(records: ReadableLogRecord[], done: (result: { code: ExportResultCode }) => void): void {
    this.records.push(...records);
    done({ code: ExportResultCode.SUCCESS });
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}


function byType(records: ReadableLogRecord[], type: string): ReadableLogRecord[] {
  return records.filter((record) => record.attributes['audit.event.type'] === type);
}

function toolCallWithSecretArgs(): Promise<string> {
  return withRun('r', () => withTool('lookup', () => Promise.resolve('done'), { arguments: { query: 'client 10.1.2.3' } }));
}

describe('system.start and system.stop', () => {
  it('say which version, preset and components started, and for how long they ran', async () => {
    const kept = new KeepingLogRecordExporter();
    const harness = started({ integrity: false, logRecordExporters: [kept] });
    await harness.handle.shutdown();
    const records = kept.records;
    const [begin] = byType(records, 'system.start');
    const [end] = byType(records, 'system.stop');
    expect(begin.eventName).toBe('audit.system.start');
    expect(begin.body).toMatch(/^swarmtrail \d+\.\d+\.\d+ started \(preset production: redaction, journal\(batch\), audit_span_records, custom_exporters\)$/);
    expect(begin.attributes).toMatchObject({
      'audit.system.preset': 'production',
      'audit.system.components': ['redaction', 'journal(batch)', 'audit_span_records', 'custom_exporters'],
      'process.pid': process.pid,
      'process.runtime.version': process.versions.node,
      'audit.outcome': 'success',
    });
    expect(begin.spanContext).toBeUndefined();
    expect(end.attributes['audit.system.uptime']).toBeGreaterThan(0);
    expect(records.indexOf(end)).toBe(records.length - 1);
    expect(begin.resource.attributes['telemetry.distro.name']).toBe('swarmtrail');
  });

  it('are chained like every audit record when integrity is on', async () => {
    const kept = new KeepingLogRecordExporter();
    const harness = started({ logRecordExporters: [kept] });
    await harness.handle.shutdown();
    const records = kept.records;
    expect(records.map((record) => record.attributes['audit.event.type'])).toEqual(['system.start', 'system.stop', 'checkpoint']);
    expect(records.map((record) => record.attributes['audit.chain.seq'])).toEqual([1, 2, 3]);
  });

  it('can be turned off', async () => {
    const kept = new KeepingLogRecordExporter();
    const harness = started({ systemEvents: false, integrity: false, logRecordExporters: [kept] });
    await harness.handle.shutdown();
    expect(kept.records).toEqual([]);
  });
});

describe('run and agent start records', () => {
  it('put a run that has not ended (or never will: a crash) in the audit log, with its identity', async () => {
    const harness = started({ integrity: false, systemEvents: false, auditStartRecords: true });
    let release: () => void = () => undefined;
    const pending = withRun('stuck', () => withAgent('worker', () => new Promise<void>((resolve) => (release = resolve))));
    const { spans, records } = await harness.collect();
    expect(spans).toEqual([]); // nothing has ended yet
    expect(records.map((record) => [record.attributes['audit.event.type'], record.body])).toEqual([
      ['run.start', 'run stuck started'],
      ['agent.start', 'agent worker started'],
    ]);
    const runId = records[0].spanContext!.traceId;
    expect(records[0].attributes).toMatchObject({ 'audit.run.id': runId, 'gen_ai.workflow.name': 'stuck' });
    expect(records[1].attributes).toMatchObject({ 'audit.run.id': runId, 'gen_ai.workflow.name': 'stuck', 'gen_ai.agent.name': 'worker' });
    release();
    await pending;
  });

  it('are off with auditStartRecords: false', async () => {
    const harness = started({ integrity: false, systemEvents: false, auditStartRecords: false });
    withRun('r', () => withAgent('a', () => 1));
    const { records } = await harness.collect();
    expect(records.map((record) => record.attributes['audit.event.type'])).toEqual(['agent.end', 'run.end']);
  });
});

describe('session and user identity', () => {
  it('go on every audit record of a run, so one session or one user can be found in the audit log alone', async () => {
    const harness = started({ integrity: false, systemEvents: false, auditStartRecords: true });
    await withRun(
      'chat-turn',
      () =>
        withAgent('assistant', async () => {
          await withTool('search', () => Promise.resolve('ok'));
          audit.thought({ content: 'consider the sources' });
        }),
      { conversationId: 'conv-42', userId: 'user-7' },
    );
    const { spans, records } = await harness.collect();
    expect(records.map((record) => record.attributes['audit.event.type'])).toEqual(['run.start', 'agent.start', 'tool.end', 'thought', 'agent.end', 'run.end']);
    for (const record of records) {
      expect(record.attributes, String(record.attributes['audit.event.type'])).toMatchObject({ 'gen_ai.conversation.id': 'conv-42', 'user.id': 'user-7' });
    }
    expect(spans.find((span) => span.name === 'invoke_workflow chat-turn')!.attributes).toMatchObject({ 'gen_ai.conversation.id': 'conv-42', 'user.id': 'user-7' });
  });
});

describe('process metrics', () => {
  it('export the process CPU time by mode and its resident memory', async () => {
    const harness = started({ integrity: false });
    let spin = 0;
    for (let i = 0; i < 2e6; i += 1) spin += i % 7;
    expect(spin).toBeGreaterThan(0);
    await harness.handle.forceFlush();
    const metrics = harness.metrics.getMetrics().flatMap((batch) => batch.scopeMetrics.flatMap((scope) => scope.metrics));
    const cpu = metrics.filter((metric) => metric.descriptor.name === 'process.cpu.time').at(-1)!;
    expect(cpu.descriptor.unit).toBe('s');
    const modes = Object.fromEntries(cpu.dataPoints.map((point) => [String(point.attributes['cpu.mode']), point.value as number]));
    expect(Object.keys(modes).sort()).toEqual(['system', 'user']);
    expect(modes['user']).toBeGreaterThan(0.01);
    const memory = metrics.filter((metric) => metric.descriptor.name === 'process.memory.usage').at(-1)!;
    expect(memory.descriptor.unit).toBe('By');
    expect(memory.dataPoints[0].value).toBeGreaterThan(10 * 1024 * 1024);
  });
});

describe('presets', () => {
  it('production is the default: content off, hash chain on, span-end records on', async () => {
    const harness = started({});
    await toolCallWithSecretArgs();
    const { spans, records } = await harness.collect();
    expect(spans.find((span) => span.name === 'execute_tool lookup')!.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    expect(byType(records, 'tool.end')).toHaveLength(1);
    expect(byType(records, 'tool.end')[0].attributes['audit.chain.seq']).toEqual(expect.any(Number));
    expect(byType(records, 'system.start')[0].attributes['audit.system.components']).toEqual(expect.arrayContaining(['integrity', 'journal(batch)']));
  });

  it('development captures content (still redacted), skips the chain and fsync', async () => {
    const harness = started({ preset: 'development' });
    await toolCallWithSecretArgs();
    const { spans, records } = await harness.collect();
    expect(spans.find((span) => span.name === 'execute_tool lookup')!.attributes['gen_ai.tool.call.arguments']).toBe('{"query":"client 10.1.2.3"}');
    expect(records.some((record) => 'audit.chain.seq' in record.attributes)).toBe(false);
    expect(byType(records, 'system.start')[0].attributes['audit.system.components']).toEqual(['redaction', 'journal(none)', 'audit_span_records', 'custom_exporters']);
  });

  it('compliance fsyncs every record, redacts IP addresses and checkpoints every 100 records', async () => {
    const diagnostics = collectingDiagLogger(true);
    const harness = started({ preset: 'compliance', captureContent: true, diagLogger: diagnostics.logger });
    await toolCallWithSecretArgs();
    for (let i = 0; i < 120; i += 1) audit.decision({ summary: `step ${i}` });
    const { spans, records } = await harness.collect();
    expect(spans.find((span) => span.name === 'execute_tool lookup')!.attributes['gen_ai.tool.call.arguments']).toBe('{"query":"client [REDACTED:ip_address]"}');
    // The count checkpoint follows the record that reached 100 in a microtask: after a synchronous burst, at its end.
    const counted = byType(records, 'checkpoint').filter((record) => record.attributes['audit.checkpoint.reason'] === 'count');
    expect(counted).toHaveLength(1);
    expect(counted[0].attributes['audit.checkpoint.seq']).toBeGreaterThanOrEqual(100);
    expect(byType(records, 'system.start')[0].attributes['audit.system.components']).toEqual(expect.arrayContaining(['journal(record)', 'integrity']));
    const warnings = diagnostics.messages;
    expect(warnings.some((text) => text.includes('preset compliance: no signing key'))).toBe(true);
    expect(warnings.some((text) => text.includes('preset compliance: no anchor'))).toBe(true);
  });

  it('minimal keeps spans and explicit events, without span-end records or the chain', async () => {
    const harness = started({ preset: 'minimal' });
    await toolCallWithSecretArgs();
    audit.decision({ summary: 'kept' });
    const { spans, records } = await harness.collect();
    expect(spans.map((span) => span.name).sort()).toEqual(['execute_tool lookup', 'invoke_workflow r']);
    expect(records.map((record) => record.attributes['audit.event.type'])).toEqual(['system.start', 'decision']);
    expect(records.some((record) => 'audit.chain.seq' in record.attributes)).toBe(false);
  });

  it('explicit options beat the environment, which beats the preset', async () => {
    const harness = started({ preset: 'development', captureContent: false, env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' } });
    await toolCallWithSecretArgs();
    const { spans } = await harness.collect();
    expect(spans.find((span) => span.name === 'execute_tool lookup')!.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    await harness.stop();
    harnesses.splice(harnesses.indexOf(harness), 1);

    const fromEnv = started({ preset: undefined, env: { SWARMTRAIL_PRESET: 'minimal', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' } });
    await toolCallWithSecretArgs();
    const collected = await fromEnv.collect();
    expect(byType(collected.records, 'system.start')[0].attributes['audit.system.preset']).toBe('minimal');
    expect(byType(collected.records, 'tool.end')).toHaveLength(0);
    expect(collected.spans.find((span) => span.name === 'execute_tool lookup')!.attributes['gen_ai.tool.call.arguments']).toBe('{"query":"client 10.1.2.3"}');
  });

  it('a preset option beats SWARMTRAIL_PRESET; a bad option throws, a bad variable warns and falls back', () => {
    expect(() => start({ preset: 'fast' as never, handleExitSignals: false, env: {} })).toThrow(
      "swarmtrail start(): preset must be one of production, development, compliance, minimal, got \"fast\"",
    );
    const diagnostics = collectingDiagLogger(true);
    diag.setLogger(diagnostics.logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    expect(readEnvironment({ SWARMTRAIL_PRESET: 'fast' }).preset).toBeUndefined();
    expect(diagnostics.messages.join('\n')).toContain('ignoring SWARMTRAIL_PRESET="fast"');
    expect(readEnvironment({ SWARMTRAIL_PRESET: 'compliance' }).preset).toBe('compliance');
  });
});
