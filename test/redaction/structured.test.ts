/**
 * Structured values: numbers, JSON held in strings (redacted in place), keys, bytes.
 * Review 23: H6 (numbers never inspected), M10 (JSON re-serialised), M11 (keys, severity text,
 * instrumentation scopes), M4 (bytes).
 */
import { logs, trace, context } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import { afterEach, describe, expect, it } from 'vitest';
import { RedactingLogRecordProcessor } from '../../src/processors/RedactingLogRecordProcessor.js';
import { RedactingSpanProcessor } from '../../src/processors/RedactingSpanProcessor.js';
import { redact } from '../../src/redaction/redact.js';
import { RedactionReport, Redactor } from '../../src/redaction/Redactor.js';
import { luhnComplete, Random } from './corpus.js';

const join = (...parts: string[]): string => parts.join('');
const random = new Random(23);
const openaiKey = join('sk-', 'proj-', random.chars('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 40));

afterEach(() => {
  trace.disable();
  logs.disable();
  context.disable();
});

describe('numbers (H6)', () => {
  it('redacts card numbers held as numbers in structured values, keeps other numbers', () => {
    expect(redact({ card: 4111111111111111, amount: 5, epoch: 1732519333123, ratio: 0.25, negative: -4111111111111111 })).toEqual({
      card: '[REDACTED:payment_card]',
      amount: 5,
      epoch: 1732519333123,
      ratio: 0.25,
      negative: '[REDACTED:payment_card]',
    });
    expect(redact([5555555555554444, 42])).toEqual(['[REDACTED:payment_card]', 42]);
    expect(redact(4111111111111111)).toBe('[REDACTED:payment_card]');
  });

  it('redacts card numbers held as bigints', () => {
    const card = BigInt(luhnComplete('4', 19, random));
    expect(redact({ card, small: 12n })).toEqual({ card: '[REDACTED:payment_card]', small: 12n });
  });

  it('redacts card numbers that are numbers inside JSON strings', () => {
    expect(redact('{"card":4111111111111111}')).toBe('{"card":"[REDACTED:payment_card]"}');
    expect(redact('[{"amount":5,"card":4111111111111111}]')).toBe('[{"amount":5,"card":"[REDACTED:payment_card]"}]');
    // 19 digits: beyond 2^53, where a parsed number would no longer hold the digits.
    const long = luhnComplete('4', 19, random);
    expect(redact(`{"card": ${long}, "n": 1}`)).toBe('{"card": "[REDACTED:payment_card]", "n": 1}');
  });

  it('span attributes and log bodies holding card numbers as numbers do not leak', async () => {
    const redactor = new Redactor();
    const spans = new InMemorySpanExporter();
    const tracerProvider = new TracerProvider({ spanProcessors: [new RedactingSpanProcessor({ redactor }), new SimpleSpanProcessor({ exporter: spans })] });
    const span = tracerProvider.getTracer('third-party').startSpan('pay');
    span.setAttribute('payment.card', 5555555555554444);
    span.setAttribute('http.response.body.size', 1234);
    span.end();
    const records = new InMemoryLogRecordExporter();
    const loggerProvider = new LoggerProvider({ processors: [new RedactingLogRecordProcessor({ redactor }), new SimpleLogRecordProcessor({ exporter: records })] });
    loggerProvider.getLogger('third-party').emit({ body: { card: 4111111111111111, items: 3 } });
    await tracerProvider.forceFlush();
    await loggerProvider.forceFlush();
    expect(spans.getFinishedSpans()[0].attributes).toEqual({ 'payment.card': '[REDACTED:payment_card]', 'http.response.body.size': 1234 });
    expect(records.getFinishedLogRecords()[0].body).toEqual({ card: '[REDACTED:payment_card]', items: 3 });
    await tracerProvider.shutdown();
    await loggerProvider.shutdown();
  });
});

describe('JSON held in strings is redacted in place (M10)', () => {
  it('keeps the source text of every value it does not redact', () => {
    expect(redact('{"tweet_id": 1859912345678901234, "author_email": "a@example.com", "price": 1.10}')).toBe(
      '{"tweet_id": 1859912345678901234, "author_email": "[REDACTED:email]", "price": 1.10}',
    );
    expect(redact('[ 1e3, "jane@example.com", {"b": 2.50, "a": "\\u00e9"} ]')).toBe('[ 1e3, "[REDACTED:email]", {"b": 2.50, "a": "\\u00e9"} ]');
  });

  it('finds what \\u escapes hide', () => {
    expect(redact('{"contact":"jane\\u0040example.com","n":1}')).toBe('{"contact":"[REDACTED:email]","n":1}');
  });

  it('member order (including integer-like keys) and escapes stay as they were', () => {
    expect(redact('{"b":1,"2":"x","1":"jane@example.com","esc":"line\\nbreak"}')).toBe('{"b":1,"2":"x","1":"[REDACTED:email]","esc":"line\\nbreak"}');
  });

  it('dropped members are removed and the result stays valid JSON', () => {
    const strict = new Redactor({ preset: 'strict' });
    expect(strict.redactString('{"a": 1, "gen_ai.prompt": "hello", "b": 2}')).toBe('{"a": 1,"b": 2}');
    const last = strict.redactString('{"a": 1, "gen_ai.prompt": "hello"}');
    expect(JSON.parse(last)).toEqual({ a: 1 });
    const only = strict.redactString('{"gen_ai.prompt": "hello", "gen_ai.completion": "bye"}');
    expect(JSON.parse(only)).toEqual({});
  });

  it('a match the structural pass cannot place is still redacted, as text', () => {
    const custom = new Redactor({ patterns: [{ name: 'order_number', pattern: /"order":\d+/ }] });
    expect(custom.redactString('{"order":42,"note":"x"}')).toBe('{[REDACTED:order_number],"note":"x"}');
  });

  it('a keep rule is honoured inside JSON strings (no text fallback over it)', () => {
    const custom = new Redactor({ keyRules: [{ key: 'public.card_example', action: 'keep' }] });
    const value = '{"public.card_example":"4111 1111 1111 1111"}';
    expect(custom.redactString(value)).toBe(value);
  });
});

describe('keys (M11)', () => {
  it('redacts secrets in object keys and attribute keys', () => {
    expect(redact({ 'jane@example.com': { role: 'admin' } })).toEqual({ '[REDACTED:email]': { role: 'admin' } });
    const redactor = new Redactor();
    expect(redactor.redactAttributes({ 'user.jane@example.com': 1, 'user/bob@example.org': 2, plain: 'x' })).toEqual({ '[REDACTED:email]': 1, 'user/[REDACTED:email]': 2, plain: 'x' });
  });

  it('redacts secrets in keys inside JSON strings', () => {
    expect(redact(`{"${openaiKey}": 1, "n": 2}`)).toBe('{"[REDACTED:openai_api_key]": 1, "n": 2}');
    expect(redact('{"jane.doe@example.com": {"role": "admin"}}')).toBe('{"[REDACTED:email]": {"role": "admin"}}');
  });

  it('the span processor renames attribute keys holding secrets', async () => {
    const spans = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new RedactingSpanProcessor({ redactor: new Redactor() }), new SimpleSpanProcessor({ exporter: spans })] });
    const span = provider.getTracer('t').startSpan('s');
    span.setAttribute('user/jane.keyleak@example.com', 1);
    span.setAttribute('kept', 'x');
    span.end();
    await provider.forceFlush();
    expect(spans.getFinishedSpans()[0].attributes).toEqual({ 'user/[REDACTED:email]': 1, kept: 'x' });
    await provider.shutdown();
  });

  it('log severity text is redacted', async () => {
    const records = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [new RedactingLogRecordProcessor({ redactor: new Redactor() }), new SimpleLogRecordProcessor({ exporter: records })] });
    provider.getLogger('t').emit({ body: 'x', severityText: 'sevtext.leak@example.com' });
    provider.getLogger('t').emit({ body: 'y', severityText: 'INFO' });
    await provider.forceFlush();
    expect(records.getFinishedLogRecords().map((record) => record.severityText)).toEqual(['[REDACTED:email]', 'INFO']);
    await provider.shutdown();
  });
});

describe('instrumentation scopes (M11)', () => {
  it('redacts scope names of spans and log records, one shared copy per scope, grouped as one in OTLP', async () => {
    const spans = new InMemorySpanExporter();
    const tracerProvider = new TracerProvider({ spanProcessors: [new RedactingSpanProcessor({ redactor: new Redactor() }), new SimpleSpanProcessor({ exporter: spans })] });
    const leaky = tracerProvider.getTracer('scope.leak@example.com', '1.0.0');
    leaky.startSpan('a').end();
    leaky.startSpan('b').end();
    tracerProvider.getTracer('clean-library').startSpan('c').end();
    const records = new InMemoryLogRecordExporter();
    const loggerProvider = new LoggerProvider({ processors: [new RedactingLogRecordProcessor({ redactor: new Redactor({ recordKinds: true }) }), new SimpleLogRecordProcessor({ exporter: records })] });
    const logger = loggerProvider.getLogger('logger.leak@example.com');
    logger.emit({ body: 'one' });
    logger.emit({ body: 'two' });
    await tracerProvider.forceFlush();
    await loggerProvider.forceFlush();
    const [first, second, clean] = spans.getFinishedSpans();
    expect(first.instrumentationScope).toMatchObject({ name: '[REDACTED:email]', version: '1.0.0' });
    expect(second.instrumentationScope).toBe(first.instrumentationScope);
    expect(clean.instrumentationScope.name).toBe('clean-library');
    const exported = records.getFinishedLogRecords();
    expect(exported[0].instrumentationScope.name).toBe('[REDACTED:email]');
    expect(exported[1].instrumentationScope).toBe(exported[0].instrumentationScope);
    expect(exported[1].attributes).toEqual({ 'swarmtrail.redacted.kinds': ['email'] });
    const otlp = JSON.parse(new TextDecoder().decode(JsonLogsSerializer.serializeRequest(exported))) as { resourceLogs: Array<{ scopeLogs: unknown[] }> };
    expect(otlp.resourceLogs[0].scopeLogs).toHaveLength(1);
    expect(JSON.stringify(otlp)).not.toContain('example.com');
    await tracerProvider.shutdown();
    await loggerProvider.shutdown();
  });
});

describe('bytes (M4)', () => {
  it('redacts UTF-8 bytes as text and returns bytes', () => {
    const output = redact(new TextEncoder().encode('password=abc123xyz'));
    expect(output).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(output)).toBe('password=[REDACTED:secret_assignment]');
    const clean = new TextEncoder().encode('nothing to see');
    expect(redact(clean)).toBe(clean);
  });

  it('replaces bytes that are not UTF-8 whole, and counts them', () => {
    const report = new RedactionReport();
    const output = new Redactor().redactValue({ blob: new Uint8Array([0xff, 0xfe, 0x00, 0x81]) }, undefined, report);
    expect(output).toEqual({ blob: '[REDACTED:binary]' });
    expect(report.kinds()).toEqual(['binary']);
  });

  it('a log body of bytes never reaches the exporter with its secret', async () => {
    const records = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [new RedactingLogRecordProcessor({ redactor: new Redactor() }), new SimpleLogRecordProcessor({ exporter: records })] });
    provider.getLogger('t').emit({ body: new TextEncoder().encode('password=BytesSecret123') });
    await provider.forceFlush();
    const body = records.getFinishedLogRecords()[0].body;
    expect(body).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(body as Uint8Array)).toBe('password=[REDACTED:secret_assignment]');
    await provider.shutdown();
  });

  it('finds in JSON text what its strings show alone: after a quote, behind JSON escapes, and behind percent escapes next to a stray %', () => {
    const redactor = new Redactor();
    const cases: Array<[string, string]> = [
      ['{"d":"100%","q":"jane%40example.com"}', '{"d":"100%","q":"[REDACTED:email]"}'],
      ['{"d":"100%","q":"jane%40example.com","password":"x"}', '{"d":"100%","q":"[REDACTED:email]","password":"[REDACTED:password]"}'],
      ['{"v":"-u a:bcdefgh"}', '{"v":"-u a:[REDACTED:cli_credentials]"}'],
      ['{"h":"Bearer\\tabcdefgh12345678XYZ"}', '{"h":"Bearer\\t[REDACTED:bearer_token]"}'],
      ['{"u":"https:\\/\\/hooks.slack.com\\/services\\/T0000000\\/B0000000\\/XXXXXXXXXXXXXXXXXXXXXXXX"}', '{"u":"[REDACTED:slack_webhook]"}'],
      // Plain text: a stray `%` or a Latin-1 escape no longer stops the decoding of the others.
      ['upload 100% done, contact jane%40example.com', 'upload 100% done, contact [REDACTED:email]'],
      ['q=%E9t%E9 jane%40example.com', 'q=%E9t%E9 [REDACTED:email]'],
    ];
    for (const [text, expected] of cases) expect(redactor.redactString(text)).toBe(expected);
    const keeping = new Redactor({ keyRules: [{ key: 'zzz', action: 'keep' }] });
    expect(keeping.redactString('{"v":"-u a:bcdefgh"}')).toBe('{"v":"-u a:[REDACTED:cli_credentials]"}');
  });

  it('walking JSON text found clean, still rescans strings whose escapes may hide a secret, and applies key rules', () => {
    const redactor = new Redactor();
    // `token` makes the walk happen; the tab escape hides the Bearer token from the text pass.
    expect(redactor.redactString('{"token":"x","n":"Bearer\\tabcdefgh12345678XYZ","m":"ok","list":["a",{"secret":"abc"}]}')).toBe(
      '{"token":"[REDACTED:token]","n":"Bearer\\t[REDACTED:bearer_token]","m":"ok","list":["a",{"secret":"[REDACTED:secret]"}]}',
    );
    // The node budget still counts the strings the walk does not rescan.
    const limited = new Redactor({ limits: { maxNodes: 3 } });
    expect(limited.redactString('{"token":"x","a":"1","b":"2","c":"3"}')).toContain('[REDACTED:too_many_values]');
  });

  it('walking JSON text with findings, rescans the strings between the first and the last one', () => {
    const redactor = new Redactor();
    const key = openaiKey;
    expect(redactor.redactString(`{"password":"x","b":"see ${key}","c":"y"}`)).toBe(
      '{"password":"[REDACTED:password]","b":"see [REDACTED:openai_api_key]","c":"y"}',
    );
    expect(redactor.redactString(`{"a":"${key}","password":"x","b":"mail jane@example.com","c":"${key}","d":"z"}`)).toBe(
      '{"a":"[REDACTED:openai_api_key]","password":"[REDACTED:password]","b":"mail [REDACTED:email]","c":"[REDACTED:openai_api_key]","d":"z"}',
    );
  });
});
