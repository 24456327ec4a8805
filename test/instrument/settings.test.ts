import { diag, DiagLogLevel, logs, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { audit, start, withAgent, withLLM, withRun, withSpan, withTool } from '../../src/index.js';
import { configureInstrumentation } from '../../src/instrument/config.js';
import { readCaptureContent, readEnvironment } from '../../src/setup/environment.js';
import { collectingDiagLogger } from '../helpers/diag.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const collected = collectingDiagLogger();
const diagLogger = collected.logger;
const said = collected.messages;

let h: Harness | undefined;
afterEach(async () => {
  configureInstrumentation({ disabled: false });
  await h?.stop();
  h = undefined;
  said.length = 0;
});

const CAPTURE = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';

describe(CAPTURE, () => {
  it('accepts true/false and the content modes of the OTel GenAI instrumentations, in any case', () => {
    const read = (value: string) => readCaptureContent({ [CAPTURE]: value });
    expect(['true', 'TRUE', 'SPAN_ONLY', 'EVENT_ONLY', 'SPAN_AND_EVENT', 'span_and_event'].map(read)).toEqual([true, true, true, true, true, true]);
    expect(['false', 'False', 'NO_CONTENT', ' no_content '].map(read)).toEqual([false, false, false, false]);
    expect(readCaptureContent({})).toBeUndefined();
    expect(readEnvironment({ [CAPTURE]: 'SPAN_ONLY' }).captureContent).toBe(true);
  });

  it('warns about anything else and leaves the default', async () => {
    // start() reads the environment before it installs its diagLogger option: install ours first.
    diag.setLogger(diagLogger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    h = startHarness({ journal: false, diagLogger, logLevel: DiagLogLevel.WARN, env: { [CAPTURE]: 'sometimes' } });
    expect(said).toContain(
      'swarmtrail: ignoring OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="sometimes": expected true, false, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT or NO_CONTENT',
    );
    withTool('t', () => 'result', { arguments: { q: 1 } });
    const { spans } = await h.collect();
    expect(spans[0].attributes['gen_ai.tool.call.arguments']).toBeUndefined();
  });

  it('turns content capture on with SPAN_ONLY and off with NO_CONTENT, over the preset', async () => {
    h = startHarness({ journal: false, env: { [CAPTURE]: 'SPAN_ONLY' } });
    withTool('t', () => 'result', { arguments: { q: 1 } });
    const on = (await h.collect()).spans;
    expect(on[0].attributes['gen_ai.tool.call.arguments']).toBe('{"q":1}');
    await h.stop();
    h = startHarness({ journal: false, preset: 'development', env: { [CAPTURE]: 'NO_CONTENT' } });
    withTool('t', () => 'result', { arguments: { q: 1 } });
    const off = (await h.collect()).spans;
    expect(off[0].attributes['gen_ai.tool.call.arguments']).toBeUndefined();
  });
});

describe('OTEL_SDK_DISABLED=true', () => {
  it('records nothing from the wrappers and audit helpers, even with providers wired, while user code runs', async () => {
    // A working pipeline is registered first, so that anything the wrappers emitted would be exported.
    h = startHarness({ journal: false });
    const handle = start({ env: { OTEL_SDK_DISABLED: 'true' }, handleExitSignals: false });
    expect(handle.enabled).toBe(false);

    let ran = 0;
    const runId = await withRun('off', async ({ runId: id, span }) => {
      ran++;
      expect(span.isRecording()).toBe(false);
      expect(trace.getActiveSpan()).toBeUndefined();
      expect(withTool('t', () => 5)).toBe(5);
      expect(withLLM({ provider: 'p', model: 'm' }, (llm) => (llm.recordResponse({ usage: { inputTokens: 1 } }), 'llm'))).toBe('llm');
      expect(audit.decision({ summary: 'x' })).toBe('');
      expect(audit.event('custom')).toBe('');
      return id;
    });
    expect(ran).toBe(1);
    expect(runId).toBe('00000000000000000000000000000000');
    const error = new Error('still thrown');
    await expect(withAgent('a', () => Promise.reject(error))).rejects.toBe(error);
    async function* chunks() {
      yield 1;
    }
    const stream = chunks();
    expect(withSpan('stream', () => stream)).toBe(stream);

    // The control: the same pipeline does export what is emitted without the wrappers.
    trace.getTracer('control').startSpan('control span').end();
    logs.getLogger('control').emit({ body: 'control record' });
    const { spans, records } = await h.collect();
    expect(spans.map((span) => [span.name, span.status.code])).toEqual([['control span', SpanStatusCode.UNSET]]);
    expect(records.map((record) => record.body)).toEqual(['control record']);
    await handle.shutdown();
  });
});
