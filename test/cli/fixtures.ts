/**
 * Test journals built with the real OpenTelemetry SDK: spans and audit log records go through
 * TracerProvider/LoggerProvider into in-memory exporters and are serialised with
 * @opentelemetry/otlp-transformer's JSON serializers into segment files, as the journal holds them.
 * Ids come from a counter so outputs are stable.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Context } from '@opentelemetry/api';
import { JsonLogsSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { main, type CliIO } from '../../src/cli/main.js';

export interface AuditSpec {
  readonly type: string;
  readonly at: number;
  readonly outcome?: string;
  readonly body?: string;
  readonly attributes?: Attributes;
}

export interface SpanSpec {
  readonly name: string;
  readonly operation?: 'invoke_workflow' | 'invoke_agent' | 'execute_tool' | 'chat';
  readonly start: number;
  readonly end: number;
  readonly attributes?: Attributes;
  readonly error?: string;
  readonly children?: readonly SpanSpec[];
  /** Audit events emitted while this span is active. */
  readonly events?: readonly AuditSpec[];
}

export interface RunSpec {
  /** Milliseconds since the epoch; span times are offsets from it. */
  readonly base: number;
  readonly root: SpanSpec;
  /** Write the audit records only (no spans), as when traces are not journaled. */
  readonly auditOnly?: boolean;
}

const END_TYPES: Record<string, string> = {
  invoke_workflow: 'run.end',
  invoke_agent: 'agent.end',
  execute_tool: 'tool.end',
  chat: 'llm.end',
};

function counterIds(seed: number): { generateTraceId(): string; generateSpanId(): string } {
  let trace = seed * 1000;
  let span = seed * 100_000;
  return {
    generateTraceId: () => `${(trace += 1).toString(16).padStart(8, '0')}ab12cd34ef56ab12cd34ef56`,
    generateSpanId: () => (span += 1).toString(16).padStart(16, '0'),
  };
}

export interface Telemetry {
  readonly spans: ReadableSpan[];
  readonly logs: ReadableLogRecord[];
}

let eventCounter = 0;

/** Produces the spans and audit records of the runs with the real SDK. */
export async function produce(runs: readonly RunSpec[], seed = 1, service = 'swarm-test'): Promise<Telemetry> {
  const spanExporter = new InMemorySpanExporter();
  const logExporter = new InMemoryLogRecordExporter();
  const resource = resourceFromAttributes({ 'service.name': service });
  const tracerProvider = new TracerProvider({
    resource,
    idGenerator: counterIds(seed),
    spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
  });
  const loggerProvider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  const tracer = tracerProvider.getTracer('swarmtrail-test');
  const logger = loggerProvider.getLogger('swarmtrail-test');
  const auditOnlyTraces = new Set<string>();
  const emit = (ctx: Context, base: number, audit: AuditSpec, inherited: Attributes): void => {
    eventCounter += 1;
    logger.emit({
      eventName: `audit.${audit.type}`,
      timestamp: base + audit.at,
      body: audit.body,
      context: ctx,
      attributes: {
        ...inherited,
        'audit.event.type': audit.type,
        'audit.event.id': `evt-${String(eventCounter).padStart(6, '0')}`,
        ...(audit.outcome !== undefined ? { 'audit.outcome': audit.outcome } : {}),
        ...audit.attributes,
      },
    });
  };
  const walk = (spec: SpanSpec, parent: Context, base: number, inherited: Attributes): void => {
    const attributes: Attributes = { ...(spec.operation ? { 'gen_ai.operation.name': spec.operation } : {}), ...spec.attributes };
    const span = tracer.startSpan(
      spec.name,
      { startTime: base + spec.start, attributes, kind: spec.operation === 'chat' ? SpanKind.CLIENT : SpanKind.INTERNAL },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    const scope: Attributes = { ...inherited };
    for (const key of ['gen_ai.workflow.name', 'gen_ai.agent.name']) if (attributes[key] !== undefined) scope[key] = attributes[key];
    for (const audit of spec.events ?? []) emit(ctx, base, audit, scope);
    for (const child of spec.children ?? []) walk(child, ctx, base, scope);
    if (spec.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: spec.error });
    span.end(base + spec.end);
    const type = spec.operation === undefined ? undefined : END_TYPES[spec.operation];
    if (type !== undefined) {
      emit(ctx, base, {
        type,
        at: spec.end,
        outcome: spec.error === undefined ? 'success' : 'failure',
        attributes: { ...attributes, 'audit.duration': (spec.end - spec.start) / 1000 },
      }, scope);
    }
  };
  for (const run of runs) {
    const before = spanExporter.getFinishedSpans().length;
    walk(run.root, context.active(), run.base, {});
    if (run.auditOnly === true) auditOnlyTraces.add(spanExporter.getFinishedSpans()[before].spanContext().traceId);
  }
  await tracerProvider.forceFlush();
  await loggerProvider.forceFlush();
  const spans = spanExporter.getFinishedSpans().filter((span) => !auditOnlyTraces.has(span.spanContext().traceId));
  const logs = [...logExporter.getFinishedLogRecords()];
  await tracerProvider.shutdown();
  await loggerProvider.shutdown();
  return { spans, logs };
}

export function traceLine(spans: ReadableSpan[]): string {
  return new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans));
}

export function logLine(logs: ReadableLogRecord[]): string {
  return new TextDecoder().decode(JsonLogsSerializer.serializeRequest(logs));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface WriteOptions {
  /** Records per line (export request); default 5. */
  readonly batch?: number;
  /** Lines per segment; default: all in one segment. */
  readonly linesPerSegment?: number;
  /** Gzip all segments but the last of each signal. */
  readonly compressClosed?: boolean;
}

/** Writes telemetry as journal segments into `dir`; returns the file names written. */
export async function writeJournal(dir: string, telemetry: Telemetry, options: WriteOptions = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const batch = options.batch ?? 5;
  const written: string[] = [];
  const groups: Array<[string, string[]]> = [
    ['traces', chunks(telemetry.spans, batch).map(traceLine)],
    ['logs', chunks(telemetry.logs, batch).map(logLine)],
  ];
  for (const [signal, lines] of groups) {
    const segments = chunks(lines, options.linesPerSegment ?? Math.max(1, lines.length));
    for (let i = 0; i < segments.length; i += 1) {
      const name = `${signal}-${String(i + 1).padStart(10, '0')}.jsonl`;
      const content = segments[i].map((line) => `${line}\n`).join('');
      if (options.compressClosed === true && i < segments.length - 1) {
        await writeFile(join(dir, `${name}.gz`), gzipSync(content));
        written.push(`${name}.gz`);
      } else {
        await writeFile(join(dir, name), content);
        written.push(name);
      }
    }
  }
  return written;
}

/** Base time of the standard fixture: 2026-01-15T10:00:00Z. */
export const BASE = Date.UTC(2026, 0, 15, 10, 0, 0);

/** Three runs: one failing with tools and LLM calls, one clean, one with audit records only. */
export function standardRuns(): RunSpec[] {
  return [
    {
      base: BASE,
      root: {
        name: 'invoke_workflow research',
        operation: 'invoke_workflow',
        start: 0,
        end: 2500,
        attributes: { 'gen_ai.workflow.name': 'research' },
        error: 'fetch failed',
        children: [
          {
            name: 'invoke_agent planner',
            operation: 'invoke_agent',
            start: 10,
            end: 900,
            attributes: { 'gen_ai.agent.name': 'planner' },
            events: [{ type: 'decision', at: 800, outcome: 'success', body: 'use web search, approved by lead' }],
            children: [
              {
                name: 'chat gpt-test',
                operation: 'chat',
                start: 20,
                end: 420,
                attributes: { 'gen_ai.request.model': 'gpt-test', 'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 40 },
              },
              {
                name: 'execute_tool search',
                operation: 'execute_tool',
                start: 430,
                end: 730,
                attributes: { 'gen_ai.tool.name': 'search' },
              },
            ],
          },
          {
            name: 'invoke_agent writer',
            operation: 'invoke_agent',
            start: 1000,
            end: 2400,
            attributes: { 'gen_ai.agent.name': 'writer' },
            error: 'fetch failed',
            events: [{ type: 'secret.access', at: 1050, outcome: 'denied', body: 'key alias "crm, prod"' }],
            children: [
              {
                name: 'execute_tool fetch',
                operation: 'execute_tool',
                start: 1100,
                end: 2300,
                attributes: { 'gen_ai.tool.name': 'fetch' },
                error: 'fetch failed',
              },
            ],
          },
        ],
      },
    },
    {
      base: BASE + 3_600_000,
      root: {
        name: 'invoke_workflow billing',
        operation: 'invoke_workflow',
        start: 0,
        end: 1000,
        attributes: { 'gen_ai.workflow.name': 'billing' },
        children: [
          {
            name: 'invoke_agent accountant',
            operation: 'invoke_agent',
            start: 100,
            end: 900,
            attributes: { 'gen_ai.agent.name': 'accountant' },
            events: [{ type: 'financial', at: 500, outcome: 'success', body: 'invoice 42: 12.50 EUR' }],
            children: [
              {
                name: 'chat gpt-test',
                operation: 'chat',
                start: 200,
                end: 600,
                attributes: { 'gen_ai.request.model': 'gpt-test', 'gen_ai.usage.input_tokens': 80, 'gen_ai.usage.output_tokens': 20 },
              },
            ],
          },
        ],
      },
    },
    {
      base: BASE + 7_200_000,
      auditOnly: true,
      root: {
        name: 'invoke_workflow triage',
        operation: 'invoke_workflow',
        start: 0,
        end: 3000,
        attributes: { 'gen_ai.workflow.name': 'triage' },
        children: [
          {
            name: 'invoke_agent sorter',
            operation: 'invoke_agent',
            start: 100,
            end: 2900,
            attributes: { 'gen_ai.agent.name': 'sorter' },
            children: [
              {
                name: 'execute_tool label',
                operation: 'execute_tool',
                start: 200,
                end: 700,
                attributes: { 'gen_ai.tool.name': 'label' },
              },
              {
                name: 'chat small-model',
                operation: 'chat',
                start: 800,
                end: 1800,
                attributes: { 'gen_ai.request.model': 'small-model', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 },
              },
            ],
          },
        ],
      },
    },
  ];
}

/** A writable that keeps what was written. */
export class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process. */
export async function cli(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string>; now?: number; signal?: AbortSignal; tty?: boolean } = {},
): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  stdout.isTTY = options.tty === true;
  const io: CliIO = {
    stdout,
    stderr,
    env: options.env ?? {},
    cwd: options.cwd ?? tmpdir(),
    now: () => options.now ?? BASE + 86_400_000,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  };
  const code = await main(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export async function temporaryDirectory(): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'swarmtrail-cli-'));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}
