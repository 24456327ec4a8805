/**
 * The clean-value cache (repeated short values cost a look-up) and the no-copy paths of the
 * processors: they must never let a secret through and never change what is redacted.
 */
import { context, logs, SeverityNumber, trace } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { RedactingLogRecordProcessor } from '../../src/processors/RedactingLogRecordProcessor.js';
import { RedactingSpanProcessor } from '../../src/processors/RedactingSpanProcessor.js';
import { CleanValueCache } from '../../src/redaction/CleanValueCache.js';
import { RedactionReport, Redactor } from '../../src/redaction/Redactor.js';
import { generateCorpus, GENERATORS, Random } from './corpus.js';

afterEach(() => {
  trace.disable();
  logs.disable();
  context.disable();
});

describe('CleanValueCache', () => {
  it('remembers a value from its second time on', () => {
    const cache = new CleanValueCache(16);
    expect(cache.has('web_search')).toBe(false);
    cache.add('web_search');
    expect(cache.has('web_search')).toBe(false);
    cache.add('web_search');
    expect(cache.has('web_search')).toBe(true);
    expect(cache.has('web_searc')).toBe(false);
    expect(cache.has('web_search ')).toBe(false);
  });

  it('keeps repeated values while a stream of unique values passes through', () => {
    const cache = new CleanValueCache(64);
    const repeated = ['success', 'researcher', 'execute_tool', 'market-report'];
    for (const value of repeated) {
      cache.add(value);
      cache.add(value);
    }
    const remembered = repeated.filter((value) => cache.has(value));
    for (let index = 0; index < 50_000; index++) cache.add(`0190a1b2-c3d4-7e5f-8a9b-${String(index).padStart(12, '0')}`);
    // Unique values only ever reach probation: none of them evicts a remembered value.
    expect(repeated.filter((value) => cache.has(value))).toEqual(remembered);
    expect(remembered.length).toBeGreaterThanOrEqual(3);
    expect(cache.has('0190a1b2-c3d4-7e5f-8a9b-000000000007')).toBe(false);
  });

  it('is bounded: never holds more values than its slots, and evicts on collision', () => {
    const cache = new CleanValueCache(5);
    expect(cache.size).toBe(8);
    const values = Array.from({ length: 1000 }, (_, index) => `tool_${index}`);
    for (const value of values) {
      cache.add(value);
      cache.add(value);
    }
    const held = values.filter((value) => cache.has(value));
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThanOrEqual(8);
    expect(new CleanValueCache(0).size).toBe(1);
  });
});

describe('Redactor with the clean-value cache', () => {
  const random = new Random(31);
  const token = GENERATORS.github_token(random).secret;

  it('never lets a remembered value through under a secret-named key (either order)', () => {
    const redactor = new Redactor();
    const value = 'correct-horse-battery';
    for (let round = 0; round < 3; round++) {
      expect(redactor.redactString(value, 'note')).toBe(value);
      expect(redactor.redactString(value)).toBe(value);
    }
    expect(redactor.redactString(value, 'password')).toBe('[REDACTED:password]');
    expect(redactor.redactAttributes({ 'db.password': value, 'note': value })).toEqual({
      'db.password': '[REDACTED:password]',
      'note': value,
    });
    expect(redactor.redactValue({ auth: { client_secret: value }, text: value })).toEqual({
      auth: { client_secret: '[REDACTED:secret]' },
      text: value,
    });

    const other = new Redactor();
    expect(other.redactString(value, 'api_key')).toBe('[REDACTED:api_key]');
    expect(other.redactString(value, 'note')).toBe(value);
    expect(other.redactString(value, 'note')).toBe(value);
    expect(other.redactString(value, 'api_key')).toBe('[REDACTED:api_key]');
  });

  it('still applies the entropy check of weakly secret keys to a remembered value', () => {
    const redactor = new Redactor();
    const random32 = 'q8Zr2LwX0vTn5KpB7yHc3MfD9sGj1RaE';
    for (let round = 0; round < 3; round++) expect(redactor.redactString(random32, 'note')).toBe(random32);
    expect(redactor.redactString(random32, 'signing_key')).toBe('[REDACTED:high_entropy_secret]');
  });

  it('applies user key rules to a remembered value', () => {
    const redactor = new Redactor({ keyRules: [{ key: 'customer.name', action: 'redact' }, { key: 'internal.note', action: 'drop' }] });
    const value = 'Jane Example';
    for (let round = 0; round < 3; round++) expect(redactor.redactAttributes({ note: value })).toEqual({ note: value });
    expect(redactor.redactAttributes({ note: value, 'customer.name': value, 'internal.note': value })).toEqual({
      note: value,
      'customer.name': '[REDACTED:key_rule]',
    });
  });

  it('does not remember JSON whose clean verdict came from a structural pass (depth and node limits still apply)', () => {
    const json = '{"token":null}';
    const redactor = new Redactor({ limits: { maxDepth: 2 } });
    for (let round = 0; round < 3; round++) expect(redactor.redactString(json)).toBe(json);
    const report = new RedactionReport();
    // The object inside the JSON is too deep: replaced whole, and the string stays valid JSON.
    expect(redactor.redactValue({ nested: json }, undefined, report)).toEqual({ nested: '"[REDACTED:too_deep]"' });
    expect(report.kinds()).toEqual(['too_deep']);

    const bounded = new Redactor({ limits: { maxNodes: 3 } });
    for (let round = 0; round < 3; round++) expect(bounded.redactString(json)).toBe(json);
    expect(bounded.redactAttributes({ a: 1, b: 2, c: json })).toEqual({ a: 1, b: 2, c: '"[REDACTED:too_many_values]"' });
  });

  it('gives the same output as without the cache on the labelled corpus, each value seen several times and under several keys', () => {
    const corpus = generateCorpus({ seed: 77 });
    const texts = [...corpus.positives, ...corpus.negatives].map((sample) => sample.text).filter((text) => text.length <= 128);
    expect(texts.length).toBeGreaterThan(1000);
    const uncached = new Redactor({ cleanValueCache: 0 });
    for (const cached of [new Redactor(), new Redactor({ cleanValueCache: 1 }), new Redactor({ cleanValueCache: 3 })]) {
      for (let round = 0; round < 3; round++) {
        for (const text of texts) {
          expect(cached.redactString(text)).toBe(uncached.redactString(text));
          for (const key of ['note', 'password', 'signing_key', 'gen_ai.tool.call.arguments']) {
            expect(cached.redactString(text, key)).toBe(uncached.redactString(text, key));
          }
        }
      }
    }
  });

  it('redacts a secret that appears once in a stream of repeated values', () => {
    const redactor = new Redactor();
    for (let index = 0; index < 100; index++) redactor.redactAttributes({ 'gen_ai.tool.name': 'web_search', 'audit.outcome': 'success' });
    const report = new RedactionReport();
    expect(redactor.redactAttributes({ 'gen_ai.tool.name': 'web_search', 'tool.input': `use ${token}` }, report)).toEqual({
      'gen_ai.tool.name': 'web_search',
      'tool.input': 'use [REDACTED:github_token]',
    });
    expect(report.kinds()).toEqual(['github_token']);
  });

  it('rejects a bad cleanValueCache with the option name', () => {
    expect(() => new Redactor({ cleanValueCache: -1 })).toThrow(/redaction\.cleanValueCache/);
    expect(() => new Redactor({ cleanValueCache: 1.5 })).toThrow(/redaction\.cleanValueCache/);
  });
});

describe('whole-value UUIDs (kept without a scan)', () => {
  const random = new Random(36);
  const hex = (alphabet: string, length: number): string => random.chars(alphabet, length);
  const uuid = (alphabet: string): string => [8, 4, 4, 4, 12].map((length) => hex(alphabet, length)).join('-');

  it('keeps exactly what the full scan keeps: no built-in detector matches inside a UUID', () => {
    const fast = new Redactor({ cleanValueCache: 0 });
    // A user pattern that never matches turns the shortcut off: every UUID is scanned.
    const scanned = new Redactor({ cleanValueCache: 0, patterns: [{ name: 'never', pattern: /(?!)/ }] });
    const alphabets = ['0123456789abcdef', '0123456789ABCDEF', '0123456789', '0123456789aAbBcCdDeEfF', '0145'];
    for (let index = 0; index < 20_000; index++) {
      const value = uuid(alphabets[index % alphabets.length]);
      expect(fast.redactString(value)).toBe(value);
      expect(scanned.redactString(value)).toBe(value);
    }
  });

  it('still redacts a UUID under a secret-named key, and for user patterns', () => {
    const value = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    expect(new Redactor().redactString(value, 'heroku_api_key')).toBe('[REDACTED:api_key]');
    const custom = new Redactor({ patterns: [{ name: 'customer_id', pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/ }] });
    expect(custom.redactString(value)).toBe('[REDACTED:customer_id]');
    expect(new Redactor({ limits: { maxStringLength: 20 } }).redactString(value)).toBe('[REDACTED:too_large]');
  });
});

describe('redactAttributesIfNeeded and the processors: no copy when nothing changes', () => {
  it('returns the same map when clean, a redacted copy otherwise, and never modifies its argument', () => {
    const redactor = new Redactor();
    const clean = { 'gen_ai.tool.name': 'web_search', count: 3, tags: ['a', 'b'], ok: true };
    expect(redactor.redactAttributesIfNeeded(clean)).toBe(clean);
    const copy = redactor.redactAttributes(clean);
    expect(copy).not.toBe(clean);
    expect(copy).toEqual(clean);

    const dirty = { 'gen_ai.tool.name': 'web_search', password: 'hunter22', tags: ['a', 'mail jane.doe@example.com'] };
    const snapshot = structuredClone(dirty);
    const redacted = redactor.redactAttributesIfNeeded(dirty);
    expect(redacted).not.toBe(dirty);
    expect(redacted).toEqual({ 'gen_ai.tool.name': 'web_search', password: '[REDACTED:password]', tags: ['a', 'mail [REDACTED:email]'] });
    expect(dirty).toEqual(snapshot);

    const dropping = new Redactor({ keyRules: [{ key: 'internal.id', action: 'drop' }] });
    const withDrop = { keep: 'x', 'internal.id': 'y' };
    expect(dropping.redactAttributesIfNeeded(withDrop)).toEqual({ keep: 'x' });
    expect(withDrop).toEqual({ keep: 'x', 'internal.id': 'y' });
  });

  it('span processor: clean events keep their objects, events with secrets are replaced by redacted copies', () => {
    const exporter = new InMemorySpanExporter();
    const redactor = new Redactor();
    const provider = new TracerProvider({ spanProcessors: [new RedactingSpanProcessor({ redactor }), new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('test');
    const cleanAttributes = { attempt: 1, reason: 'timeout after 3000 ms' };
    for (let index = 0; index < 3; index++) {
      const span = tracer.startSpan('execute_tool web_search', { attributes: { 'gen_ai.tool.name': 'web_search', 'audit.outcome': 'success' } });
      span.addEvent('tool.retry', cleanAttributes);
      span.addEvent('tool.output', { text: `password=hunter2${index}`, attempt: index });
      span.setStatus({ code: 2, message: 'failed: jane.doe@example.com' });
      span.end();
    }
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(3);
    for (const [index, span] of spans.entries()) {
      expect(span.name).toBe('execute_tool web_search');
      expect(span.attributes).toEqual({ 'gen_ai.tool.name': 'web_search', 'audit.outcome': 'success' });
      expect(span.events.map((event) => [event.name, event.attributes])).toEqual([
        ['tool.retry', { attempt: 1, reason: 'timeout after 3000 ms' }],
        ['tool.output', { text: 'password=[REDACTED:secret_assignment]', attempt: index }],
      ]);
      expect(span.status.message).toBe('failed: [REDACTED:email]');
    }
    expect(cleanAttributes).toEqual({ attempt: 1, reason: 'timeout after 3000 ms' });
  });

  it('log processor: string bodies, attributes and event names are redacted, clean ones left as they are', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      processors: [new RedactingLogRecordProcessor({ redactor: new Redactor() }), new SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('test');
    for (let index = 0; index < 3; index++) {
      logger.emit({
        eventName: 'audit.tool.end',
        severityNumber: SeverityNumber.INFO,
        body: 'tool web_search finished',
        attributes: { 'audit.event.type': 'tool.end', 'audit.outcome': 'success', 'audit.duration': 0.4 },
      });
      logger.emit({ eventName: 'audit.tool.end', body: 'card 4111 1111 1111 1111 charged', attributes: { 'audit.outcome': 'success', 'api_key': 'abc123' } });
    }
    await provider.forceFlush();
    const records = exporter.getFinishedLogRecords();
    expect(records).toHaveLength(6);
    for (let index = 0; index < 6; index += 2) {
      expect(records[index].body).toBe('tool web_search finished');
      expect(records[index].attributes).toEqual({ 'audit.event.type': 'tool.end', 'audit.outcome': 'success', 'audit.duration': 0.4 });
      expect(records[index + 1].body).toBe('card [REDACTED:payment_card] charged');
      expect(records[index + 1].attributes).toEqual({ 'audit.outcome': 'success', 'api_key': '[REDACTED:api_key]' });
    }
    await provider.shutdown();
  });
});
