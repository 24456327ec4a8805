/**
 * The strict preset drops free-text content, ours and third-party instrumentations' (review 23, M1).
 */
import { logs, trace, context } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { RedactingLogRecordProcessor } from '../../src/processors/RedactingLogRecordProcessor.js';
import { RedactingSpanProcessor } from '../../src/processors/RedactingSpanProcessor.js';
import { Redactor } from '../../src/redaction/Redactor.js';
import {
  ATTR_AUDIT_COMMAND_OUTPUT,
  ATTR_AUDIT_DECISION_REASONING,
  ATTR_AUDIT_FILE_DIFF,
  ATTR_AUDIT_THOUGHT_CONTENT,
} from '../../src/semconv.js';

afterEach(() => {
  trace.disable();
  logs.disable();
  context.disable();
});

/** Content attributes by the instrumentation that writes them. */
const CONTENT: Record<string, string> = {
  [ATTR_AUDIT_THOUGHT_CONTENT]: 'FREE-TEXT-THOUGHT',
  [ATTR_AUDIT_FILE_DIFF]: 'FREE-TEXT-DIFF',
  [ATTR_AUDIT_COMMAND_OUTPUT]: 'FREE-TEXT-OUTPUT',
  [ATTR_AUDIT_DECISION_REASONING]: 'FREE-TEXT-REASONING',
  'gen_ai.input.messages': 'FREE-TEXT-INPUT',
  'gen_ai.prompt.0.content': 'FREE-TEXT-OPENLLMETRY-PROMPT',
  'gen_ai.completion.0.content': 'FREE-TEXT-OPENLLMETRY-COMPLETION',
  'gen_ai.completion.0.tool_calls.0.arguments': 'FREE-TEXT-OPENLLMETRY-ARGS',
  'llm.input_messages.0.message.content': 'FREE-TEXT-OPENINFERENCE-INPUT',
  'llm.output_messages.1.message.contents.0.message_content.text': 'FREE-TEXT-OPENINFERENCE-OUTPUT',
  'input.value': 'FREE-TEXT-OPENINFERENCE-VALUE',
  'output.value': 'FREE-TEXT-OPENINFERENCE-OUTPUT-VALUE',
  'ai.prompt': 'FREE-TEXT-VERCEL-PROMPT',
  'ai.response.text': 'FREE-TEXT-VERCEL-RESPONSE',
  'traceloop.entity.input': 'FREE-TEXT-TRACELOOP',
};
/** Metadata next to the content that strict keeps. */
const METADATA = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.prompt.0.role': 'user',
  'llm.input_messages.0.message.role': 'user',
  'audit.command.exit_code': 0,
  'audit.file.path': 'src/index.ts',
};

describe('strict preset (M1)', () => {
  it('drops our content attributes and the indexed and OpenInference forms, keeps metadata', () => {
    expect(new Redactor({ preset: 'strict' }).redactAttributes({ ...CONTENT, ...METADATA })).toEqual(METADATA);
  });

  it('the default preset keeps content (redacting only what it detects)', () => {
    expect(new Redactor().redactAttributes({ ...CONTENT, ...METADATA })).toEqual({ ...CONTENT, ...METADATA });
  });

  it('spans and span events from third-party instrumentations export no content', async () => {
    const spans = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new RedactingSpanProcessor({ redactor: new Redactor({ preset: 'strict' }) }), new SimpleSpanProcessor({ exporter: spans })] });
    const span = provider.getTracer('openllmetry').startSpan('chat x', { attributes: { ...CONTENT, ...METADATA } });
    span.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': 'FREE-TEXT-EVENT' });
    span.end();
    await provider.forceFlush();
    const text = JSON.stringify(spans.getFinishedSpans().map((exported) => [exported.attributes, exported.events]));
    expect(text.match(/FREE-TEXT-[A-Z-]+/g)).toBeNull();
    await provider.shutdown();
  });

  it('log bodies of every type are replaced whole (GenAI events carry content in map bodies)', async () => {
    const records = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [new RedactingLogRecordProcessor({ redactor: new Redactor({ preset: 'strict' }) }), new SimpleLogRecordProcessor({ exporter: records })] });
    const logger = provider.getLogger('otel-genai');
    logger.emit({ eventName: 'gen_ai.user.message', body: { content: 'FREE-TEXT-LOGMAP', role: 'user' } });
    logger.emit({ eventName: 'gen_ai.choice', body: [{ message: { content: 'FREE-TEXT-LOGARRAY' } }] });
    logger.emit({ body: new TextEncoder().encode('FREE-TEXT-BYTES') });
    logger.emit({ body: 'FREE-TEXT-STRING', attributes: { 'gen_ai.system': 'openai' } });
    await provider.forceFlush();
    const exported = records.getFinishedLogRecords();
    expect(exported.map((record) => record.body)).toEqual(['[REDACTED:content]', '[REDACTED:content]', '[REDACTED:content]', '[REDACTED:content]']);
    expect(exported[3].attributes).toEqual({ 'gen_ai.system': 'openai' });
    await provider.shutdown();
  });
});
