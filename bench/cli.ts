/**
 * CLI query latency on a journal of one million records.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/cli.js [--records 1000000] [--rounds 5] [--writer journal|direct] [--keep] [--no-write]
 *
 * Generates a journal in a temporary directory: runs of 1 workflow, 4 agents, 8 LLM calls and
 * 16 tool calls (29 spans) plus their 29 span-end audit records and 5 other audit events.
 * `--writer journal` (default): the spans and log records are made with the OpenTelemetry SDK and
 * written by swarmtrail's own journal writer (src/journal/Journal.ts with its defaults: lines of up
 * to 512 records, 16 MiB segments, closed segments gzip-compressed). `--writer direct`: the same
 * shapes written straight as OTLP/JSON lines of 512 records into 32 MiB plain segments (fast).
 * The journal writer keeps the CLI's summary index (`.index/`) up to date as it closes segments
 * and at shutdown; `--writer direct` writes no index.
 * Then runs the built CLI as a child process (`node dist/src/cli/main.js ...`, start-up included)
 * and reports the median of several rounds: the first call of `runs`, `events --type` and `show`,
 * each on a fresh copy of the journal exactly as the writer left it; then the same and `stats`
 * once the CLI has seen the journal; and `runs` and `events --type` on a copy without any index
 * (the CLI reads every segment and builds the index). Results go to docs/benchmarks.md between the
 * `<!-- cli:start -->` and `<!-- cli:end -->` markers.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { TraceFlags, context, trace, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { Journal } from '../src/journal/Journal.js';
import { readSummaryFile, summaryMatches } from '../src/journal/JournalIndex.js';
import { listSegments } from '../src/journal/JournalReader.js';
import { replaceSection } from './sections.js';

const execFileAsync = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const repository = resolve(here, '..', '..');
const cliPath = join(repository, 'dist', 'src', 'cli', 'main.js');

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '5' },
    writer: { type: 'string', default: 'journal' },
    keep: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
if (values.writer !== 'journal' && values.writer !== 'direct') throw new Error('--writer must be journal or direct');
const TARGET_RECORDS = Number(values.records);
const ROUNDS = Number(values.rounds);
const BATCH = 512;
const SEGMENT_BYTES = 32 * 1024 * 1024;
const MODELS = ['gpt-4o', 'claude-sonnet', 'llama-3-70b'];
const TOOLS = ['search', 'fetch', 'read_file', 'write_file', 'run_tests', 'sql'];
const AGENTS = ['planner', 'researcher', 'coder', 'reviewer'];
const EVENTS = ['decision', 'artifact', 'file.change', 'command', 'secret.access'];

let randomState = 42;
function random(): number {
  // xorshift32: deterministic, fast
  randomState ^= randomState << 13;
  randomState ^= randomState >>> 17;
  randomState ^= randomState << 5;
  return (randomState >>> 0) / 4294967296;
}
function hex(length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 4294967296).toString(16).padStart(8, '0');
  return out.slice(0, length);
}
function nanos(ms: number): string {
  return `${Math.floor(ms)}${String(Math.round((ms % 1) * 1e6)).padStart(6, '0')}`;
}

type Value = { stringValue: string } | { intValue: number } | { doubleValue: number };
type AttributeMap = Record<string, string | number>;

function kv(attributes: AttributeMap): Array<{ key: string; value: Value }> {
  return Object.entries(attributes).map(([key, value]) => ({
    key,
    value:
      typeof value === 'string'
        ? { stringValue: value }
        : Number.isInteger(value)
          ? { intValue: value }
          : { doubleValue: value },
  }));
}

const resource = { attributes: kv({ 'service.name': 'bench-swarm', 'service.version': '1.0.0' }), droppedAttributesCount: 0 };
const scope = { name: 'swarmtrail', version: '0.1.0' };

/** One span of a generated run, in plain form. */
interface RawSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP kind: 1 internal, 3 client. */
  readonly kind: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: AttributeMap;
  readonly failed: boolean;
}

/** One audit log record of a generated run. */
interface RawLog {
  readonly traceId: string;
  readonly spanId: string;
  readonly eventName: string;
  readonly timeMs: number;
  readonly body: string | undefined;
  readonly attributes: AttributeMap;
}

interface GeneratedRun {
  readonly traceId: string;
  /** In the order they end (children first), as a tracer would report them. */
  readonly spans: RawSpan[];
  readonly logs: RawLog[];
}

function generateRun(startMs: number): GeneratedRun {
  const traceId = hex(32);
  const spans: RawSpan[] = [];
  const logs: RawLog[] = [];
  const workflow = `workflow-${Math.floor(random() * 5)}`;
  const span = (
    spanId: string,
    parentSpanId: string | undefined,
    name: string,
    kind: number,
    start: number,
    end: number,
    attributes: AttributeMap,
    failed: boolean,
  ): void => {
    spans.push({ traceId, spanId, parentSpanId, name, kind, startMs: start, endMs: end, attributes, failed });
  };
  const audit = (spanId: string, type: string, time: number, attributes: AttributeMap, body?: string): void => {
    logs.push({
      traceId,
      spanId,
      eventName: `audit.${type}`,
      timeMs: time,
      body,
      attributes: {
        'audit.event.type': type,
        'audit.event.id': `0190${hex(4)}-${hex(4)}-7${hex(3)}-8${hex(3)}-${hex(12)}`,
        'gen_ai.workflow.name': workflow,
        ...attributes,
      },
    });
  };
  const rootId = hex(16);
  let cursor = startMs + 1;
  let failedRun = false;
  for (let a = 0; a < AGENTS.length; a += 1) {
    const agentId = hex(16);
    const agentName = AGENTS[a];
    const agentStart = cursor;
    for (let step = 0; step < 5; step += 1) {
      const id = hex(16);
      const start = cursor;
      const duration = 5 + random() * 400;
      cursor += duration + 1;
      if (step % 2 === 0 && step < 4) {
        const model = MODELS[Math.floor(random() * MODELS.length)];
        const attributes = {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': model,
          'gen_ai.usage.input_tokens': Math.floor(100 + random() * 2000),
          'gen_ai.usage.output_tokens': Math.floor(20 + random() * 500),
        };
        span(id, agentId, `chat ${model}`, 3, start, start + duration, attributes, false);
        audit(id, 'llm.end', start + duration, { ...attributes, 'gen_ai.agent.name': agentName, 'audit.outcome': 'success', 'audit.duration': duration / 1000 });
      } else {
        const tool = TOOLS[Math.floor(random() * TOOLS.length)];
        const failed = random() < 0.03;
        failedRun ||= failed;
        const attributes = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool };
        span(id, agentId, `execute_tool ${tool}`, 1, start, start + duration, attributes, failed);
        audit(id, 'tool.end', start + duration, {
          ...attributes,
          'gen_ai.agent.name': agentName,
          'audit.outcome': failed ? 'failure' : 'success',
          'audit.duration': duration / 1000,
        });
        if (step === 1) {
          const second = hex(16);
          const d2 = 5 + random() * 100;
          span(second, agentId, `execute_tool ${tool}`, 1, cursor, cursor + d2, attributes, false);
          audit(second, 'tool.end', cursor + d2, { ...attributes, 'gen_ai.agent.name': agentName, 'audit.outcome': 'success', 'audit.duration': d2 / 1000 });
          cursor += d2 + 1;
        }
      }
    }
    if (a === 1) {
      const type = EVENTS[Math.floor(random() * EVENTS.length)];
      audit(agentId, type, cursor - 1, { 'gen_ai.agent.name': agentName, 'audit.outcome': 'success' }, `${type} by ${agentName}`);
    }
    span(agentId, rootId, `invoke_agent ${agentName}`, 1, agentStart, cursor, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agentName }, false);
    audit(agentId, 'agent.end', cursor, {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': agentName,
      'audit.outcome': 'success',
      'audit.duration': (cursor - agentStart) / 1000,
    });
  }
  for (let extra = 0; extra < 4; extra += 1) {
    const type = EVENTS[Math.floor(random() * EVENTS.length)];
    audit(rootId, type, startMs + extra, { 'audit.outcome': 'success' }, `${type} ${extra}`);
  }
  span(rootId, undefined, `invoke_workflow ${workflow}`, 1, startMs, cursor, { 'gen_ai.operation.name': 'invoke_workflow', 'gen_ai.workflow.name': workflow }, failedRun);
  audit(rootId, 'run.end', cursor, {
    'gen_ai.operation.name': 'invoke_workflow',
    'audit.outcome': failedRun ? 'failure' : 'success',
    'audit.duration': (cursor - startMs) / 1000,
  });
  return { traceId, spans, logs };
}

interface GenerationResult {
  readonly records: number;
  readonly runs: number;
  readonly bytes: number;
  readonly firstRunId: string;
}

async function segmentBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const name of await readdir(dir)) if (/\.jsonl(\.gz)?$/.test(name)) bytes += (await stat(join(dir, name))).size;
  return bytes;
}

/** The runs made with the OpenTelemetry SDK and written by swarmtrail's journal writer. */
async function generateWithJournal(dir: string): Promise<GenerationResult> {
  const journal = new Journal({ directory: dir });
  const sdkResource = resourceFromAttributes({ 'service.name': 'bench-swarm', 'service.version': '1.0.0' });
  // Ids come from the generated run, so spans and audit records agree.
  const ids = { traceId: '', spanId: '' };
  const tracerProvider = new TracerProvider({
    resource: sdkResource,
    idGenerator: { generateTraceId: () => ids.traceId, generateSpanId: () => ids.spanId },
    spanProcessors: [
      {
        onStart: () => undefined,
        onEnd: (span) => journal.appendSpan(span),
        forceFlush: () => journal.flush(),
        shutdown: () => Promise.resolve(),
      },
    ],
  });
  const loggerProvider = new LoggerProvider({
    resource: sdkResource,
    processors: [
      {
        onEmit: (record) => journal.appendLogRecord(record),
        forceFlush: () => journal.flush(),
        shutdown: () => Promise.resolve(),
      },
    ],
  });
  const tracer = tracerProvider.getTracer('swarmtrail', '0.1.0');
  const logger = loggerProvider.getLogger('swarmtrail', '0.1.0');
  let runs = 0;
  let records = 0;
  let start = Date.UTC(2026, 0, 1);
  let firstRunId = '';
  const contextOf = (traceId: string, spanId: string): ReturnType<typeof context.active> =>
    trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
  while (records < TARGET_RECORDS - 60) {
    const run = generateRun(start);
    if (firstRunId === '') firstRunId = run.traceId;
    for (const raw of run.spans) {
      ids.traceId = raw.traceId;
      ids.spanId = raw.spanId;
      const parent = raw.parentSpanId === undefined ? context.active() : contextOf(raw.traceId, raw.parentSpanId);
      const span = tracer.startSpan(raw.name, { startTime: raw.startMs, kind: raw.kind - 1, attributes: raw.attributes }, parent);
      if (raw.failed) span.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' });
      span.end(raw.endMs);
    }
    for (const raw of run.logs) {
      logger.emit({
        eventName: raw.eventName,
        timestamp: raw.timeMs,
        ...(raw.body !== undefined ? { body: raw.body } : {}),
        attributes: raw.attributes,
        context: contextOf(raw.traceId, raw.spanId),
      });
    }
    records += run.spans.length + run.logs.length;
    runs += 1;
    start += 20_000;
    // Keep the writer's in-memory queue bounded (beyond 100k records it drops, counted).
    if (runs % 100 === 0) await journal.flush();
  }
  await journal.shutdown();
  return { records, runs, bytes: await segmentBytes(dir), firstRunId };
}

class SegmentWriter {
  private sequence = 0;
  private bytes = 0;
  private stream: ReturnType<typeof createWriteStream> | undefined;
  private buffer: object[] = [];
  records = 0;

  constructor(
    private readonly dir: string,
    private readonly signal: 'traces' | 'logs',
  ) {}

  async add(items: object[]): Promise<void> {
    for (const item of items) {
      this.buffer.push(item);
      if (this.buffer.length >= BATCH) await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const request =
      this.signal === 'traces'
        ? { resourceSpans: [{ resource, scopeSpans: [{ scope, spans: this.buffer }] }] }
        : { resourceLogs: [{ resource, scopeLogs: [{ scope, logRecords: this.buffer }] }] };
    this.records += this.buffer.length;
    this.buffer = [];
    const line = `${JSON.stringify(request)}\n`;
    if (this.stream === undefined || this.bytes >= SEGMENT_BYTES) {
      await this.close();
      this.sequence += 1;
      this.bytes = 0;
      this.stream = createWriteStream(join(this.dir, `${this.signal}-${String(this.sequence).padStart(10, '0')}.jsonl`));
    }
    this.bytes += Buffer.byteLength(line);
    const stream = this.stream;
    if (!stream.write(line)) await new Promise<void>((r) => stream.once('drain', () => r()));
  }

  async close(): Promise<void> {
    if (this.stream === undefined) return;
    const stream = this.stream;
    this.stream = undefined;
    await new Promise<void>((r) => stream.end(r));
  }
}

/** The runs written straight as OTLP/JSON lines, without the SDK. */
async function generateDirect(dir: string): Promise<GenerationResult> {
  const traces = new SegmentWriter(dir, 'traces');
  const logs = new SegmentWriter(dir, 'logs');
  let runs = 0;
  let start = Date.UTC(2026, 0, 1);
  let firstRunId = '';
  while (traces.records + logs.records < TARGET_RECORDS - 60) {
    const run = generateRun(start);
    if (firstRunId === '') firstRunId = run.traceId;
    await traces.add(
      run.spans.map((s) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        ...(s.parentSpanId !== undefined ? { parentSpanId: s.parentSpanId } : {}),
        name: s.name,
        kind: s.kind,
        startTimeUnixNano: nanos(s.startMs),
        endTimeUnixNano: nanos(s.endMs),
        attributes: kv(s.attributes),
        status: s.failed ? { code: 2, message: 'tool failed' } : {},
        flags: 257,
      })),
    );
    await logs.add(
      run.logs.map((l) => ({
        timeUnixNano: nanos(l.timeMs),
        observedTimeUnixNano: nanos(l.timeMs),
        ...(l.body !== undefined ? { body: { stringValue: l.body } } : {}),
        eventName: l.eventName,
        attributes: kv(l.attributes),
        flags: 1,
        traceId: l.traceId,
        spanId: l.spanId,
      })),
    );
    runs += 1;
    start += 20_000;
  }
  await traces.flush();
  await logs.flush();
  await traces.close();
  await logs.close();
  return { records: traces.records + logs.records, runs, bytes: await segmentBytes(dir), firstRunId };
}

async function timeCommand(args: string[]): Promise<{ ms: number; stdout: string }> {
  const started = process.hrtime.bigint();
  const { stdout } = await execFileAsync(process.execPath, [cliPath, ...args], { maxBuffer: 256 * 1024 * 1024 });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, stdout };
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

function describeWriter(): string {
  return values.writer === 'journal'
    ? "written with the OpenTelemetry SDK through swarmtrail's journal writer (16 MiB segments, closed ones gzip-compressed, lines of up to 512 records)"
    : 'written directly as OTLP/JSON (32 MiB plain segments, lines of 512 records)';
}

async function main(): Promise<void> {
  const startLoad = loadavg()[0];
  const root = await mkdtemp(join(tmpdir(), 'swarmtrail-bench-cli-'));
  const journal = join(root, 'journal');
  await mkdir(journal);
  try {
    const generationStarted = Date.now();
    const generated = values.writer === 'journal' ? await generateWithJournal(journal) : await generateDirect(journal);
    console.log(
      `generated ${generated.records} records (${generated.runs} runs), ${(generated.bytes / 1048576).toFixed(0)} MiB on disk in ${((Date.now() - generationStarted) / 1000).toFixed(1)} s`,
    );
    // What the writer left: segments whose stored summary matches them (the CLI reads nothing else for those).
    const segments = await listSegments(journal);
    let indexed = 0;
    for (const segment of segments) {
      const stored = await readSummaryFile(journal, segment.baseName);
      if (stored !== undefined && summaryMatches(stored, segment)) indexed += 1;
    }
    console.log(`segments with a valid summary from the writer: ${indexed} of ${segments.length}`);
    const writerIndexBytes = await directorySize(join(journal, '.index')).catch(() => 0);
    const runId = generated.firstRunId;
    const commands: Record<'runs' | 'events' | 'show', string[]> = {
      runs: ['runs'],
      events: ['events', '--type', 'tool.end'],
      show: ['show', runId.slice(0, 12)],
    };
    // First calls: each on a fresh copy of the journal as the writer left it.
    const fresh = join(root, 'fresh');
    const summaryTimes = async (dir: string): Promise<Map<string, number>> => {
      const times = new Map<string, number>();
      const names = await readdir(join(dir, '.index')).catch(() => [] as string[]);
      for (const name of names) times.set(name, (await stat(join(dir, '.index', name))).mtimeMs);
      return times;
    };
    let rebuiltByFirstCalls = 0;
    const firstCall = async (args: string[], withoutIndex: boolean): Promise<number> => {
      await rm(fresh, { recursive: true, force: true });
      // `cp -a` keeps the nanosecond mtimes the summaries are keyed by (fs.cp keeps milliseconds at best).
      await execFileAsync('cp', ['-a', journal, fresh]);
      if (withoutIndex) await rm(join(fresh, '.index'), { recursive: true, force: true });
      await execFileAsync('sync');
      const before = await summaryTimes(fresh);
      const { ms } = await timeCommand([...args, '--dir', fresh]);
      if (!withoutIndex) {
        // Summaries the CLI had to (re)build: none when the writer's index is complete and valid.
        for (const [name, mtimeMs] of await summaryTimes(fresh)) if (before.get(name) !== mtimeMs) rebuiltByFirstCalls += 1;
      }
      return ms;
    };
    const firstRounds = Math.min(3, ROUNDS);
    const firsts: Array<{ name: string; times: number[]; target: boolean }> = [];
    for (const [name, args, withoutIndex, target] of [
      ['`runs`, first call', commands.runs, false, true],
      ['`events --type tool.end` (newest 50), first call', commands.events, false, true],
      ['`show <oldest run, id prefix>`, first call', commands.show, false, false],
      ['`runs`, first call without an index (reads every segment, builds the index)', commands.runs, true, true],
      ['`events --type tool.end`, first call without an index (reads every segment, builds the index)', commands.events, true, true],
    ] as const) {
      const times: number[] = [];
      for (let round = 0; round < firstRounds; round += 1) times.push(await firstCall([...args], withoutIndex));
      firsts.push({ name, times, target });
      console.log(`${name}: median ${median(times).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`);
    }
    await rm(fresh, { recursive: true, force: true });
    console.log(`summaries the first calls (re)built: ${rebuiltByFirstCalls}`);

    // What the CLI counts is the figure reported: records the writer might have dropped do not count.
    const counted = JSON.parse((await timeCommand(['stats', '--json', '--dir', journal])).stdout) as { records: number; runs: { total: number } };
    console.log(`the CLI counts ${counted.records} records in ${counted.runs.total} runs`);
    const indexBytes = await directorySize(join(journal, '.index'));
    const queries: Array<[string, string[]]> = [
      ['runs', ['runs', '--dir', journal]],
      ['runs --json --limit 0 (all runs)', ['runs', '--json', '--limit', '0', '--dir', journal]],
      ['events --type tool.end (newest 50)', ['events', '--type', 'tool.end', '--dir', journal]],
      ['events --type decision --limit 0 (all)', ['events', '--type', 'decision', '--limit', '0', '--json', '--dir', journal]],
      ['show <oldest run, id prefix>', ['show', runId.slice(0, 12), '--dir', journal]],
      ['stats', ['stats', '--dir', journal]],
    ];
    const results: Array<{ name: string; median: number; min: number; max: number }> = [];
    for (const [name, args] of queries) {
      const times: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) times.push((await timeCommand(args)).ms);
      results.push({ name, median: median(times), min: Math.min(...times), max: Math.max(...times) });
      console.log(`${name}: median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`);
    }
    const met = (ms: number): string => (ms < 2000 ? '< 2 s: met' : '< 2 s: NOT met');
    const target = (name: string, ms: number): string =>
      name.startsWith('runs') || name.startsWith('events --type tool.end') ? met(ms) : '';
    const withIndex = firsts.filter((first) => !first.name.includes('without an index'));
    const allMet =
      withIndex.every((first) => !first.target || median(first.times) < 2000) &&
      results.every((r) => target(r.name, r.median) !== '< 2 s: NOT met');
    const row = (name: string, times: number[], hasTarget: boolean): string =>
      `| ${name} | ${median(times).toFixed(0)} ms | ${Math.min(...times).toFixed(0)} ms | ${Math.max(...times).toFixed(0)} ms | ${hasTarget ? met(median(times)) : ''} |`;
    const table = [
      `Journal: ${counted.records.toLocaleString('en-US')} records as counted by the CLI (${counted.runs.total.toLocaleString('en-US')} runs of 29 spans + 34 audit records), ` +
        `${describeWriter()}: ${(generated.bytes / 1048576).toFixed(0)} MiB on disk in ${segments.length} segments. ` +
        (values.writer === 'journal'
          ? `When the writer had shut down, ${indexed} of ${segments.length} segments had a valid summary in \`.index/\` (${(writerIndexBytes / 1048576).toFixed(1)} MiB), written by its background indexer; ` +
            `the first calls below had to build ${rebuiltByFirstCalls === 0 ? 'none' : rebuiltByFirstCalls} themselves.`
          : 'No summary index was written with the journal.'),
      '',
      `Each figure is the wall time of \`node dist/src/cli/main.js ...\` as a child process (Node start-up included), ` +
        `median of ${ROUNDS} rounds (first calls: ${firstRounds} rounds, each on a fresh copy of the journal as the writer left it), on ${cpus().length} shared cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; ` +
        `load average at the start ${startLoad.toFixed(1)}, at the end ${loadavg()[0].toFixed(1)} (other work shared the machine).`,
      '',
      `Targets (\`runs\` and \`events --type\` under 2 s on one million records), first calls included: **${allMet ? 'met' : 'NOT met'}**.`,
      '',
      '| Command | Median | Min | Max | Target |',
      '| --- | ---: | ---: | ---: | --- |',
      ...withIndex.map((first) => row(first.name, first.times, first.target)),
      ...results.map((r) => `| \`${r.name}\` | ${r.median.toFixed(0)} ms | ${r.min.toFixed(0)} ms | ${r.max.toFixed(0)} ms | ${target(r.name, r.median)} |`),
      ...firsts.filter((first) => first.name.includes('without an index')).map((first) => row(first.name, first.times, false)),
      '',
      `Summary index after these queries: ${(indexBytes / 1048576).toFixed(1)} MiB.`,
      '',
      `Reproduce: \`npx tsc -p tsconfig.build.json && node dist/bench/cli.js --writer ${values.writer}\` (options: \`--records N\`, \`--rounds N\`, \`--writer journal|direct\`, \`--no-write\`).`,
    ].join('\n');
    if (values['no-write'] !== true) replaceSection(join(repository, 'docs', 'benchmarks.md'), 'cli', table, '## CLI query latency (1M-record journal)');
    console.log(`\n${table}`);
  } finally {
    if (values.keep === true) console.log(`kept ${root}`);
    else await rm(root, { recursive: true, force: true });
  }
}

await main();
