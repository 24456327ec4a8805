import { SpanStatusCode, trace, context, type Link } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type Span } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { RedactingMetricExporter } from '../../src/exporters/RedactingMetricExporter.js';
import { RedactingPrometheusExporter } from '../../src/exporters/RedactingPrometheusExporter.js';
import { RedactingLogRecordProcessor } from '../../src/processors/RedactingLogRecordProcessor.js';
import { RedactingSpanProcessor } from '../../src/processors/RedactingSpanProcessor.js';
import { redactingMetricViews } from '../../src/redaction/metrics.js';
import { Redactor } from '../../src/redaction/Redactor.js';
import { redactResource } from '../../src/redaction/resource.js';
import { GENERATORS, Random, secretRemoved } from './corpus.js';

const random = new Random(42);
/** One fake secret of every kind, generated at run time. */
const planted = Object.entries(GENERATORS).map(([kind, generate]) => ({ kind, ...generate(random) }));
const secrets = planted.map((entry) => entry.secret);
const snippet = (kind: string): string => planted.find((entry) => entry.kind === kind)!.snippet;

function leaked(exported: unknown): string[] {
  const text = JSON.stringify(exported, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
  return secrets.filter((secret) => !secretRemoved(text, secret) || text.includes(JSON.stringify(secret).slice(1, -1)));
}

function tracing(redactor: Redactor, meterProvider?: MeterProvider) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [
      new RedactingSpanProcessor({ redactor, meter: meterProvider?.getMeter('swarmtrail') }),
      new SimpleSpanProcessor({ exporter }),
    ],
  });
  return { exporter, provider, tracer: provider.getTracer('test') };
}

afterEach(() => {
  trace.disable();
  logs.disable();
  context.disable();
});

describe('RedactingSpanProcessor (real SDK, InMemorySpanExporter)', () => {
  it('redacts every secret kind from names, attributes, events, links and status messages', async () => {
    const { exporter, provider, tracer } = tracing(new Redactor());
    const linked = tracer.startSpan('linked');
    linked.end();
    for (const entry of planted) {
      const links: Link[] = [{ context: linked.spanContext(), attributes: { note: entry.snippet } }];
      const span = tracer.startSpan(`call ${entry.snippet}`, { attributes: { 'initial.note': entry.snippet }, links });
      span.setAttribute('gen_ai.tool.call.arguments', JSON.stringify({ query: 'status', nested: { value: entry.snippet }, list: [entry.snippet] }));
      span.setAttribute('http.request.header.x-custom', [entry.snippet, 'plain']);
      span.setAttribute('message', `the tool said: ${entry.snippet}`);
      span.addEvent(`event ${entry.snippet}`, { 'event.body': entry.snippet, count: 3 });
      span.addLink({ context: linked.spanContext(), attributes: { 'link.note': entry.snippet } });
      span.recordException(new Error(`failed with ${entry.snippet}`));
      span.setStatus({ code: SpanStatusCode.ERROR, message: `boom ${entry.snippet}` });
      span.end();
    }
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(planted.length + 1);
    expect(leaked(spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, links: span.links.map((link) => link.attributes), status: span.status })))).toEqual([]);
    await provider.shutdown();
  });

  it('pins the shape of one redacted span', async () => {
    const { exporter, provider, tracer } = tracing(new Redactor({ recordKinds: true }));
    const key = snippet('github_token');
    const span = tracer.startSpan('execute_tool deploy', {
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.call.arguments': JSON.stringify({ repo: 'org/app', token: 'abc123xyz', ref: key }),
        'http.request.header.authorization': ['Bearer abc.def.ghi'],
        'user.email': 'jane.doe@example.com',
        'gen_ai.usage.input_tokens': 120,
        'trace.parent': '4bf92f3577b34da6a3ce929d0e0e4736',
      },
    });
    span.setStatus({ code: SpanStatusCode.ERROR, message: `push rejected for ${key}` });
    span.end();
    await provider.forceFlush();
    const [exported] = exporter.getFinishedSpans();
    expect({ name: exported.name, attributes: exported.attributes, status: exported.status }).toMatchInlineSnapshot(`
      {
        "attributes": {
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.call.arguments": "{"repo":"org/app","token":"[REDACTED:token]","ref":"[REDACTED:github_token]"}",
          "gen_ai.usage.input_tokens": 120,
          "http.request.header.authorization": [
            "[REDACTED:authorization]",
          ],
          "swarmtrail.redacted.kinds": [
            "authorization",
            "email",
            "github_token",
            "token",
          ],
          "trace.parent": "4bf92f3577b34da6a3ce929d0e0e4736",
          "user.email": "[REDACTED:email]",
        },
        "name": "execute_tool deploy",
        "status": {
          "code": 2,
          "message": "push rejected for [REDACTED:github_token]",
        },
      }
    `);
    await provider.shutdown();
  });

  it('redacts spans made with raw @opentelemetry/api calls through the global provider', async () => {
    const { exporter, provider } = tracing(new Redactor());
    trace.setGlobalTracerProvider(provider);
    const rawTracer = trace.getTracer('some-third-party-library', '1.0.0');
    rawTracer.startActiveSpan('GET /v1/items', (span) => {
      span.setAttributes({ 'url.full': `https://api.example.com/v1/items?api_key=${snippet('openai_api_key')}`, 'http.request.header.cookie': 'session=abcdef0123456789' });
      span.addEvent('request.body', { body: JSON.stringify({ password: 'hunter22', card: snippet('payment_card') }) });
      span.end();
    });
    await provider.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span.attributes['url.full']).toBe('https://api.example.com/v1/items?api_key=[REDACTED:openai_api_key]');
    expect(span.attributes['http.request.header.cookie']).toBe('[REDACTED:cookie]');
    expect(JSON.parse(span.events[0].attributes!['body'] as string)).toEqual({ password: '[REDACTED:password]', card: '[REDACTED:payment_card]' });
    expect(leaked(exporter.getFinishedSpans().map((s) => ({ attributes: s.attributes, events: s.events })))).toEqual([]);
    await provider.shutdown();
  });

  it('counts redactions by kind and signal into swarmtrail.redactions', async () => {
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const { provider, tracer } = tracing(new Redactor(), meterProvider);
    const span = tracer.startSpan('x', { attributes: { a: 'mail jane@example.com and john@example.org', password: 'p4ssword!' } });
    span.end();
    await meterProvider.forceFlush();
    const metric = metricExporter.getMetrics()[0].scopeMetrics[0].metrics.find((m) => m.descriptor.name === 'swarmtrail.redactions')!;
    const points = metric.dataPoints.map((point) => ({ attributes: point.attributes, value: point.value })).sort((a, b) => String(a.attributes['swarmtrail.redaction.kind']).localeCompare(String(b.attributes['swarmtrail.redaction.kind'])));
    expect(points).toEqual([
      { attributes: { 'swarmtrail.redaction.kind': 'email', 'swarmtrail.signal': 'traces' }, value: 2 },
      { attributes: { 'swarmtrail.redaction.kind': 'password', 'swarmtrail.signal': 'traces' }, value: 1 },
    ]);
    await provider.shutdown();
    await meterProvider.shutdown();
  });

  it('fails closed when a detector throws: values replaced whole, counted, no throw into user code', async () => {
    const counted: string[] = [];
    const redactor = new Redactor({ patterns: [{ name: 'boom', pattern: /x/g }], onRedaction: (kind) => counted.push(kind) });
    // A user pattern whose replace() throws on this input: simulate a broken detector.
    (redactor as unknown as { _userPatterns: Array<{ name: string; pattern: RegExp }> })._userPatterns[0].pattern = {
      lastIndex: 0,
      test: () => true,
      [Symbol.replace]: () => {
        throw new Error('detector failure');
      },
    } as unknown as RegExp;
    const { exporter, provider, tracer } = tracing(redactor);
    const span = tracer.startSpan('name with x', { attributes: { note: 'x marks the spot', count: 2 } });
    expect(() => span.end()).not.toThrow();
    await provider.forceFlush();
    const [exported] = exporter.getFinishedSpans();
    expect(exported.name).toBe('[REDACTED:redaction_error]');
    expect(exported.attributes).toEqual({ note: '[REDACTED:redaction_error]', count: 2 });
    // The instrumentation scope ('test') cannot be inspected either: exported without its name.
    expect(exported.instrumentationScope.name).toBe('[REDACTED:redaction_error]');
    expect(counted).toEqual(['redaction_error', 'redaction_error', 'redaction_error']);
    await provider.shutdown();
  });
});

describe('RedactingLogRecordProcessor (real SDK, InMemoryLogRecordExporter)', () => {
  function logging(redactor: Redactor) {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      processors: [new RedactingLogRecordProcessor({ redactor }), new SimpleLogRecordProcessor({ exporter })],
    });
    return { exporter, provider, logger: provider.getLogger('test') };
  }

  it('redacts every secret kind from bodies (strings and maps), attributes and nested JSON strings', async () => {
    const { exporter, provider, logger } = logging(new Redactor());
    for (const entry of planted) {
      logger.emit({ severityNumber: SeverityNumber.INFO, eventName: 'audit.tool.end', body: `tool output: ${entry.snippet}`, attributes: { 'audit.event.type': 'tool.end', detail: entry.snippet, args: JSON.stringify({ input: { text: entry.snippet } }) } });
      logger.emit({ body: { message: 'nested', payload: { items: [entry.snippet], json: JSON.stringify([entry.snippet]) } }, attributes: { map: { inner: entry.snippet } } });
    }
    await provider.forceFlush();
    const records = exporter.getFinishedLogRecords();
    expect(records).toHaveLength(planted.length * 2);
    expect(leaked(records.map((record) => ({ body: record.body, attributes: record.attributes, eventName: record.eventName })))).toEqual([]);
    const first = records[0];
    expect(first.eventName).toBe('audit.tool.end');
    expect(first.attributes['audit.event.type']).toBe('tool.end');
    expect(() => JSON.parse(first.attributes['args'] as string) as unknown).not.toThrow();
    await provider.shutdown();
  });

  it('the strict preset replaces string bodies and drops content attributes', async () => {
    const { exporter, provider, logger } = logging(new Redactor({ preset: 'strict', recordKinds: true }));
    logger.emit({ body: 'the user asked about their invoice', attributes: { 'gen_ai.input.messages': '[{"role":"user","content":"hi"}]', 'gen_ai.tool.name': 'lookup', ip: 'client 10.1.2.3' } });
    await provider.forceFlush();
    const [record] = exporter.getFinishedLogRecords();
    expect({ body: record.body, attributes: record.attributes }).toEqual({
      body: '[REDACTED:content]',
      attributes: { 'gen_ai.tool.name': 'lookup', ip: 'client [REDACTED:ip_address]', 'swarmtrail.redacted.kinds': ['content', 'ip_address'] },
    });
    await provider.shutdown();
  });
});

describe('metric and resource attributes', () => {
  it('RedactingMetricExporter exports redacted data-point and resource attributes', async () => {
    const redactor = new Redactor();
    const inner = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: new RedactingMetricExporter({ exporter: inner, redactor }), exportIntervalMillis: 60_000 });
    const resource = resourceFromAttributes({ 'service.name': 'agents', 'deployment.note': `key ${snippet('anthropic_api_key')}` });
    const meterProvider = new MeterProvider({ readers: [reader], resource });
    const counter = meterProvider.getMeter('m').createCounter('tool.calls');
    for (const entry of planted) counter.add(1, { 'tool.input': entry.snippet, 'gen_ai.tool.name': 'search' });
    meterProvider.getMeter('meter.leak@example.com').createCounter('other').add(1);
    await meterProvider.forceFlush();
    const exported = inner.getMetrics();
    expect(exported.length).toBeGreaterThan(0);
    expect(exported[0].scopeMetrics.map((scopeMetrics) => scopeMetrics.scope.name)).toEqual(['m', '[REDACTED:email]']);
    expect(leaked(exported.map((metrics) => ({ resource: metrics.resource.attributes, scopeMetrics: metrics.scopeMetrics })))).toEqual([]);
    expect(exported[0].resource.attributes['service.name']).toBe('agents');
    await meterProvider.shutdown();
  });

  it('redactingMetricViews redacts at measurement time, for every reader', async () => {
    const redactor = new Redactor();
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader], views: redactingMetricViews(redactor) });
    const histogram = meterProvider.getMeter('m').createHistogram('latency');
    for (const entry of planted) histogram.record(5, { 'http.url': entry.snippet });
    await meterProvider.forceFlush();
    expect(leaked(exporter.getMetrics().map((metrics) => metrics.scopeMetrics))).toEqual([]);
    await meterProvider.shutdown();
  });

  it('RedactingPrometheusExporter serves only redacted attributes on /metrics (real HTTP scrape)', async () => {
    const redactor = new Redactor();
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const exporter = new RedactingPrometheusExporter({ host: '127.0.0.1', port, redactor });
    const resource = resourceFromAttributes({ 'service.name': 'agents', 'deployment.note': `key ${snippet('xai_api_key')}` });
    const meterProvider = new MeterProvider({ readers: [exporter], resource });
    const counter = meterProvider.getMeter('m').createCounter('tool.calls');
    for (const entry of planted) counter.add(1, { 'tool.input': entry.snippet, 'gen_ai.tool.name': 'search' });
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
      const body = await response.text();
      expect(response.status).toBe(200);
      expect(body).toContain('tool_calls_total');
      expect(body).toContain('[REDACTED:');
      expect(leaked(body)).toEqual([]);
    } finally {
      await meterProvider.shutdown();
    }
  });

  it('redactResource redacts resource attributes and keeps clean resources as they are', () => {
    const redactor = new Redactor();
    const clean = resourceFromAttributes({ 'service.name': 'agents', 'service.version': '1.2.3' });
    expect(redactResource(clean, redactor)).toBe(clean);
    const dirty = resourceFromAttributes({ 'service.name': 'agents', 'vcs.token': 'abc', 'process.command_line': `node app.js --api-key ${snippet('groq_api_key')}` });
    expect(redactResource(dirty, redactor).attributes).toEqual({
      'service.name': 'agents',
      'vcs.token': '[REDACTED:token]',
      'process.command_line': 'node app.js --api-key [REDACTED:groq_api_key]',
    });
  });
});

export type { Span };
