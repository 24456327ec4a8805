/* eslint-disable @typescript-eslint/no-explicit-any -- untyped callers are the point */
import { context, diag, DiagLogLevel, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { audit, withAgent, withLLM, withRun, withSpan, withTool } from '../../src/index.js';
import { resetInstrumentationCaches } from '../../src/instrument/caches.js';
import { collectingDiagLogger } from '../helpers/diag.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const collected = collectingDiagLogger();
const diagLogger = collected.logger;
const said = collected.messages;

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  said.length = 0;
});

class ProcessorFailure extends Error {}

/** A user-supplied span processor that throws whenever a span ends. */
const throwingOnEnd: SpanProcessor = {
  onStart: () => {},
  onEnd: () => {
    throw new ProcessorFailure('processor boom');
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/**
 * The user's own OTel SDK, without start() (whose guards would catch a throwing processor first):
 * here only the wrappers stand between the processor and the user's code.
 */
function ownSdk(processor: SpanProcessor): { exporter: InMemorySpanExporter; stop: () => Promise<void> } {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor({ exporter })] });
  trace.disable();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  trace.setGlobalTracerProvider(provider);
  diag.setLogger(diagLogger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  resetInstrumentationCaches();
  return {
    exporter,
    stop: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      diag.disable();
      resetInstrumentationCaches();
    },
  };
}

describe('a span processor that throws, in an OTel SDK the user wired', () => {
  let sdk: { exporter: InMemorySpanExporter; stop: () => Promise<void> } | undefined;
  afterEach(async () => {
    await sdk?.stop();
    sdk = undefined;
  });

  it('on end never reaches user code: values, errors and streams pass through as they are', async () => {
    sdk = ownSdk(throwingOnEnd);
    expect(withSpan('sync', () => 42)).toBe(42);
    expect(await withTool('async', async () => 43)).toBe(43);
    const userError = new SyntaxError('user error');
    expect(() =>
      withAgent('throws', () => {
        throw userError;
      }),
    ).toThrow(userError);
    await expect(withLLM({ provider: 'p', model: 'm' }, () => Promise.reject(userError))).rejects.toBe(userError);
    async function* chunks() {
      yield 'a';
      yield 'b';
    }
    const seen: string[] = [];
    for await (const chunk of withSpan('stream', () => chunks())) seen.push(chunk);
    expect(seen).toEqual(['a', 'b']);
    expect(await withRun('run', async ({ runId }) => runId)).toMatch(/^[0-9a-f]{32}$/);
    expect(said.filter((line) => line.startsWith('swarmtrail: instrument:'))).toEqual(
      Array.from({ length: 6 }, () => 'swarmtrail: instrument: could not end a span'),
    );
  });

  it('on start leaves the function running, without a span', async () => {
    sdk = ownSdk({
      ...throwingOnEnd,
      onStart: () => {
        throw new ProcessorFailure('start boom');
      },
      onEnd: () => {},
    });
    expect(withTool('t', (span) => span.isRecording())).toBe(false);
    expect(await withAgent('a', async () => 'ran')).toBe('ran');
    expect(said.filter((line) => line.startsWith('swarmtrail: instrument:'))).toEqual([
      'swarmtrail: instrument: could not start span execute_tool t',
      'swarmtrail: instrument: could not start span invoke_agent a',
    ]);
    expect(sdk.exporter.getFinishedSpans()).toEqual([]);
  });
});

describe('malformed input from untyped callers', () => {
  it('never throws from the audit helpers: what can be recorded is, the rest is reported', async () => {
    h = startHarness({ journal: false, redaction: false, diagLogger, logLevel: DiagLogLevel.WARN });
    const api = audit.apiCall({ url: 'https://x.example/a?token=abc' } as any);
    const commandWithoutLine = audit.command({ exitCode: 1 } as any);
    const numericCommand = audit.command({ command: 42 } as any);
    const argvOfNumbers = audit.command({ command: ['sleep', 5], output: 7 } as any);
    const noDecision = audit.decision(undefined as any);
    const noArtifact = audit.artifact(null as any);
    expect(noDecision).toBe('');
    expect(noArtifact).toBe('');
    for (const id of [api, commandWithoutLine, numericCommand, argvOfNumbers]) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const { records } = await h.collect();
    expect(records.map((record) => [record.body, record.attributes['audit.command.line'] ?? record.attributes['url.full']])).toEqual([
      ['call https://x.example/a?token=REDACTED', 'https://x.example/a?token=REDACTED'],
      ['command exited 1: ', ''],
      ['command: 42', '42'],
      ['command: sleep 5', 'sleep 5'],
    ]);
    expect(records[0].attributes['http.request.method']).toBeUndefined();
    expect(records[3].attributes['audit.command.output']).toBe('7');
    expect(said.filter((line) => line.includes('could not record a'))).toEqual([
      'swarmtrail: audit: could not record a decision event from the fields given',
      'swarmtrail: audit: could not record a artifact event from the fields given',
    ]);
  });

  it('always runs the user function of a wrapper given an unusable description', async () => {
    h = startHarness({ journal: false, diagLogger, logLevel: DiagLogLevel.WARN });
    expect(withTool(null as any, () => 'tool ran')).toBe('tool ran');
    expect(withAgent(undefined as any, () => 'agent ran')).toBe('agent ran');
    expect(withLLM(null as any, (llm) => (llm.recordResponse(null as any), 'llm ran'))).toBe('llm ran');
    expect(withRun(Symbol('run') as any, ({ runId }) => runId)).toMatch(/^[0-9a-f]{32}$/);
    expect(
      withLLM({ provider: 'p', model: 'm' }, (llm) => {
        llm.recordResponse({ usage: null } as any);
        llm.recordResponse({ usage: { inputTokens: 3 }, finishReasons: 'stop' } as any);
        return 'recorded';
      }),
    ).toBe('recorded');
    const { spans } = await h.collect();
    expect(spans.map((span) => [span.name, span.status.code, span.attributes['gen_ai.operation.name']])).toEqual([
      ['execute_tool', SpanStatusCode.UNSET, 'execute_tool'],
      ['invoke_agent', SpanStatusCode.UNSET, 'invoke_agent'],
      ['chat', SpanStatusCode.UNSET, 'chat'],
      ['invoke_workflow', SpanStatusCode.UNSET, 'invoke_workflow'],
      ['chat m', SpanStatusCode.UNSET, 'chat'],
    ]);
    expect(spans[4].attributes['gen_ai.usage.input_tokens']).toBe(3);
    expect(said.filter((line) => line.startsWith('swarmtrail: instrument:'))).toEqual([
      'swarmtrail: instrument: withTool: unusable tool description',
      'swarmtrail: instrument: withAgent: unusable agent description',
      'swarmtrail: instrument: withLLM: unusable call description',
      'swarmtrail: instrument: withLLM: could not record the response',
      'swarmtrail: instrument: withRun: unusable run name or options',
    ]);
  });
});
