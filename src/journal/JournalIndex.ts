/**
 * The journal's summary index: one small JSON file per segment under `<journal>/.index/`, holding
 * what `runs`, `stats`, `events` and `show` need without parsing the segment again.
 *
 * Who builds them: the journal writer, for each segment it closes (see SegmentIndexer.ts, which
 * runs this code in a worker thread), and the CLI, for whatever is missing or stale.
 *
 * Consistency: a summary is keyed by its segment's file name, size and mtime. A summary whose key
 * no longer matches is rebuilt; when only the size grew (an append-only segment still being
 * written), the new bytes are scanned from where the summary stopped and merged in. Summaries of
 * segments that no longer exist are deleted. The index is a cache: deleting `.index/` is always
 * safe, and when the directory is read-only the summaries are built in memory each time.
 */
import { mkdir, readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { threadId } from 'node:worker_threads';
import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import {
  ATTR_AUDIT_DURATION,
  ATTR_AUDIT_EVENT_ID,
  ATTR_AUDIT_EVENT_TYPE,
  ATTR_AUDIT_OUTCOME,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_WORKFLOW_NAME,
  AUDIT_EVENT_TYPE_AGENT_END,
  AUDIT_EVENT_TYPE_LLM_END,
  AUDIT_EVENT_TYPE_RUN_END,
  AUDIT_EVENT_TYPE_TOOL_END,
  AUDIT_OUTCOME_FAILURE,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW,
} from '../semconv.js';
import {
  decodeRequestLine,
  readSegmentLines,
  skipReason,
  type AttributeValue,
  type Attributes,
  type JournalLogRecord,
  type JournalRecord,
  type JournalSegment,
  type JournalSignal,
  type JournalSpan,
  type SkippedLine,
} from './JournalReader.js';
import { INDEX_DIRECTORY, summaryFilePath } from './segments.js';

// Where summaries live; defined with the directory layout so the writer needs no more of this module.
export { INDEX_DIRECTORY, summaryFilePath };
const INDEX_VERSION = 1;
/** Lines are grouped into blocks of about this many bytes; queries read whole blocks. */
const BLOCK_BYTES = 256 * 1024;
const MAX_SKIPPED_PER_SEGMENT = 100;
/** A temporary summary file older than this was left by a crash. */
const STALE_TEMPORARY_MILLIS = 10 * 60 * 1000;

// --- the run model ------------------------------------------------------------------------------

export type OperationKind = 'workflow' | 'agent' | 'tool' | 'llm' | 'other';

const LLM_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings', 'create_embeddings']);
const SPAN_KIND_CLIENT = 3;
const STATUS_CODE_ERROR = 2;

function stringAttribute(attributes: Attributes, key: string): string | undefined {
  const value = attributes[key];
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function numberAttribute(attributes: Attributes, key: string): number | undefined {
  const value = attributes[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** What a span stands for in a run: by `gen_ai.operation.name`, or a CLIENT span with a model. */
export function classifySpan(span: Pick<JournalSpan, 'attributes' | 'kind'>): OperationKind {
  const operation = stringAttribute(span.attributes, ATTR_GEN_AI_OPERATION_NAME);
  if (operation === GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW) return 'workflow';
  if (operation === GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT) return 'agent';
  if (operation === GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL) return 'tool';
  if (operation !== undefined && LLM_OPERATIONS.has(operation)) return 'llm';
  if (span.kind === SPAN_KIND_CLIENT && span.attributes[ATTR_GEN_AI_REQUEST_MODEL] !== undefined) return 'llm';
  return 'other';
}

/** What a span-end audit record stands for; `undefined` for other audit events. */
export function classifyAuditType(type: string | undefined): OperationKind | undefined {
  switch (type) {
    case AUDIT_EVENT_TYPE_RUN_END:
      return 'workflow';
    case AUDIT_EVENT_TYPE_AGENT_END:
      return 'agent';
    case AUDIT_EVENT_TYPE_TOOL_END:
      return 'tool';
    case AUDIT_EVENT_TYPE_LLM_END:
      return 'llm';
    default:
      return undefined;
  }
}

/** An audit event: a log record with `audit.event.type`. */
export interface AuditEvent {
  readonly timeMs: number;
  readonly type: string;
  readonly id: string | undefined;
  readonly outcome: string | undefined;
  readonly eventName: string | undefined;
  readonly workflow: string | undefined;
  readonly agent: string | undefined;
  readonly tool: string | undefined;
  /** The trace id: the run id when the event happened inside a run. */
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  /** `audit.duration`, in seconds, for span-end events. */
  readonly durationSeconds: number | undefined;
  readonly body: AttributeValue | undefined;
  readonly attributes: Attributes;
  readonly resource: Attributes;
  readonly location: { readonly file: string; readonly line: number };
}

/** The audit event a log record carries, or `undefined` for a log record that is not one. */
export function toAuditEvent(record: JournalLogRecord): AuditEvent | undefined {
  const type = stringAttribute(record.attributes, ATTR_AUDIT_EVENT_TYPE);
  if (type === undefined) return undefined;
  return {
    timeMs: record.timeMs,
    type,
    id: stringAttribute(record.attributes, ATTR_AUDIT_EVENT_ID),
    outcome: stringAttribute(record.attributes, ATTR_AUDIT_OUTCOME),
    eventName: record.eventName,
    workflow: stringAttribute(record.attributes, ATTR_GEN_AI_WORKFLOW_NAME),
    agent: stringAttribute(record.attributes, ATTR_GEN_AI_AGENT_NAME),
    tool: stringAttribute(record.attributes, ATTR_GEN_AI_TOOL_NAME),
    traceId: record.traceId,
    spanId: record.spanId,
    durationSeconds: numberAttribute(record.attributes, ATTR_AUDIT_DURATION),
    body: record.body,
    attributes: record.attributes,
    resource: record.resource,
    location: record.location,
  };
}

// --- mergeable summaries ------------------------------------------------------------------------

/** Log-bucketed duration histogram (relative error about 1%), mergeable by adding counts. */
export type DurationSketch = Record<string, number>;

const SKETCH_GAMMA = 1.02;
const LOG_GAMMA = Math.log(SKETCH_GAMMA);
const SKETCH_ZERO = 'z';

function sketchAdd(sketch: DurationSketch, seconds: number): void {
  const key = seconds > 1e-9 ? String(Math.ceil(Math.log(seconds) / LOG_GAMMA)) : SKETCH_ZERO;
  sketch[key] = (sketch[key] ?? 0) + 1;
}

/** The value at quantile `q` (0..1) of a sketch, in seconds; `undefined` for an empty sketch. */
export function sketchQuantile(sketch: DurationSketch, q: number): number | undefined {
  const entries = Object.entries(sketch)
    .map(([key, count]) => [key === SKETCH_ZERO ? Number.NEGATIVE_INFINITY : Number(key), count] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [key, count] of entries) {
    seen += count;
    if (seen >= rank) {
      if (key === Number.NEGATIVE_INFINITY) return 0;
      return (2 * SKETCH_GAMMA ** key) / (SKETCH_GAMMA + 1);
    }
  }
  return undefined;
}

export interface OperationStats {
  count: number;
  errors: number;
  totalSeconds: number;
  maxSeconds: number;
  sketch: DurationSketch;
}

export interface TokenStats {
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

/** Operation statistics from one source (spans, or span-end audit records). */
export interface OperationTotals {
  operations: number;
  errors: number;
  byKind: Record<string, number>;
  tools: Record<string, OperationStats>;
  agents: Record<string, OperationStats>;
  workflows: Record<string, OperationStats>;
  models: Record<string, TokenStats>;
}

/** A run (trace) as seen from one source. Times are Unix milliseconds. */
export interface RunView {
  workflow?: string;
  rootSpanId?: string;
  status?: 'ok' | 'error';
  rootStartMs?: number;
  rootEndMs?: number;
  startMs: number;
  endMs: number;
  agents: string[];
  agentCalls: number;
  toolCalls: number;
  llmCalls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  records: number;
}

/** What one segment knows about one trace. */
export interface TracePartial {
  /** From spans. */
  s?: RunView;
  /** From audit records. */
  a?: RunView;
  service?: string;
  /** Indexes into the segment's `blocks` holding records of this trace. */
  b: number[];
}

export interface SegmentBlock {
  offset: number;
  length: number;
  line: number;
  lines: number;
  records: number;
  minMs: number;
  maxMs: number;
  /** Audit event counts by type (logs segments). */
  types?: Record<string, number>;
}

export interface EventTotals {
  total: number;
  types: Record<string, number>;
  outcomes: Record<string, number>;
  /** Audit events per minute, keyed by Unix minute. */
  perMinute: Record<string, number>;
}

export interface SegmentSummary {
  version: number;
  name: string;
  baseName: string;
  signal: JournalSignal;
  size: number;
  mtimeMs: number;
  compressed: boolean;
  /** Byte offset after the last complete line: where an incremental update resumes. */
  endOffset: number;
  /** Line number of the line at `endOffset`. */
  endLine: number;
  lines: number;
  records: number;
  minMs: number;
  maxMs: number;
  skipped: SkippedLine[];
  skippedCount: number;
  /** An unterminated last line (torn, or being written); re-read on the next update. */
  tornLine?: number;
  blocks: SegmentBlock[];
  traces: Record<string, TracePartial>;
  operations: OperationTotals;
  events: EventTotals;
}

function emptyOperations(): OperationTotals {
  return { operations: 0, errors: 0, byKind: {}, tools: {}, agents: {}, workflows: {}, models: {} };
}

function emptyRunView(): RunView {
  return {
    startMs: Number.POSITIVE_INFINITY,
    endMs: Number.NEGATIVE_INFINITY,
    agents: [],
    agentCalls: 0,
    toolCalls: 0,
    llmCalls: 0,
    errors: 0,
    inputTokens: 0,
    outputTokens: 0,
    records: 0,
  };
}

/** What identifies a segment file to its summary (the summary's key is name, size and mtime). */
export type SegmentIdentity = Pick<JournalSegment, 'name' | 'baseName' | 'signal' | 'size' | 'mtimeMs' | 'compressed'>;

function emptySummary(segment: SegmentIdentity): SegmentSummary {
  return {
    version: INDEX_VERSION,
    name: segment.name,
    baseName: segment.baseName,
    signal: segment.signal,
    size: segment.size,
    mtimeMs: segment.mtimeMs,
    compressed: segment.compressed,
    endOffset: 0,
    endLine: 1,
    lines: 0,
    records: 0,
    minMs: Number.POSITIVE_INFINITY,
    maxMs: Number.NEGATIVE_INFINITY,
    skipped: [],
    skippedCount: 0,
    blocks: [],
    traces: {},
    operations: emptyOperations(),
    events: { total: 0, types: {}, outcomes: {}, perMinute: {} },
  };
}

function addOperation(
  stats: Record<string, OperationStats>,
  name: string,
  seconds: number,
  failed: boolean,
): void {
  let entry = stats[name];
  if (entry === undefined) {
    entry = { count: 0, errors: 0, totalSeconds: 0, maxSeconds: 0, sketch: {} };
    stats[name] = entry;
  }
  entry.count += 1;
  if (failed) entry.errors += 1;
  entry.totalSeconds += seconds;
  entry.maxSeconds = Math.max(entry.maxSeconds, seconds);
  sketchAdd(entry.sketch, seconds);
}

interface OperationFacts {
  kind: OperationKind;
  name: string | undefined;
  agent: string | undefined;
  model: string | undefined;
  seconds: number;
  failed: boolean;
  inputTokens: number;
  outputTokens: number;
}

function recordOperation(totals: OperationTotals, facts: OperationFacts): void {
  totals.operations += 1;
  totals.byKind[facts.kind] = (totals.byKind[facts.kind] ?? 0) + 1;
  if (facts.failed) totals.errors += 1;
  if (facts.kind === 'tool') addOperation(totals.tools, facts.name ?? '(unnamed)', facts.seconds, facts.failed);
  if (facts.kind === 'agent') addOperation(totals.agents, facts.agent ?? '(unnamed)', facts.seconds, facts.failed);
  if (facts.kind === 'workflow') addOperation(totals.workflows, facts.name ?? '(unnamed)', facts.seconds, facts.failed);
  if (facts.kind === 'llm') {
    const model = facts.model ?? '(unknown)';
    const entry = (totals.models[model] ??= { calls: 0, inputTokens: 0, outputTokens: 0 });
    entry.calls += 1;
    entry.inputTokens += facts.inputTokens;
    entry.outputTokens += facts.outputTokens;
  }
}

function updateRunView(view: RunView, facts: OperationFacts, startMs: number, endMs: number, spanId: string | undefined): void {
  view.records += 1;
  view.startMs = Math.min(view.startMs, startMs);
  view.endMs = Math.max(view.endMs, endMs);
  if (facts.failed) view.errors += 1;
  switch (facts.kind) {
    case 'workflow':
      view.workflow = facts.name ?? view.workflow;
      view.rootSpanId = spanId;
      view.status = facts.failed ? 'error' : 'ok';
      view.rootStartMs = startMs;
      view.rootEndMs = endMs;
      break;
    case 'agent':
      view.agentCalls += 1;
      if (facts.agent !== undefined && !view.agents.includes(facts.agent)) view.agents.push(facts.agent);
      break;
    case 'tool':
      view.toolCalls += 1;
      break;
    case 'llm':
      view.llmCalls += 1;
      view.inputTokens += facts.inputTokens;
      view.outputTokens += facts.outputTokens;
      break;
    default:
      break;
  }
}

function auditFacts(event: AuditEvent, kind: OperationKind | undefined): OperationFacts {
  const attributes = event.attributes;
  return {
    kind: kind ?? 'other',
    name: kind === 'tool' ? event.tool : kind === 'workflow' ? event.workflow : undefined,
    agent: event.agent,
    model: stringAttribute(attributes, ATTR_GEN_AI_REQUEST_MODEL) ?? stringAttribute(attributes, ATTR_GEN_AI_RESPONSE_MODEL),
    seconds: event.durationSeconds ?? 0,
    failed: event.outcome === AUDIT_OUTCOME_FAILURE,
    inputTokens: numberAttribute(attributes, ATTR_GEN_AI_USAGE_INPUT_TOKENS) ?? 0,
    outputTokens: numberAttribute(attributes, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS) ?? 0,
  };
}

/** Operation totals of span-end audit events (other events are ignored). */
export function operationsFromAuditEvents(events: Iterable<AuditEvent>): OperationTotals {
  const totals = emptyOperations();
  for (const event of events) {
    const kind = classifyAuditType(event.type);
    if (kind !== undefined) recordOperation(totals, auditFacts(event, kind));
  }
  return totals;
}

/** Builds a segment summary from records, block by block. */
class SummaryBuilder {
  readonly summary: SegmentSummary;
  private _block: SegmentBlock | undefined;

  constructor(summary: SegmentSummary) {
    this.summary = summary;
  }

  startLine(offset: number, length: number, line: number): void {
    const blocks = this.summary.blocks;
    let block = this._block ?? blocks[blocks.length - 1];
    if (block === undefined || block.length >= BLOCK_BYTES || block.offset + block.length + 1 !== offset) {
      block = {
        offset,
        length: 0,
        line,
        lines: 0,
        records: 0,
        minMs: Number.POSITIVE_INFINITY,
        maxMs: Number.NEGATIVE_INFINITY,
      };
      if (this.summary.signal === 'logs') block.types = {};
      blocks.push(block);
    } else {
      block.length += 1; // the newline between the previous line and this one
    }
    block.length += length;
    block.lines += 1;
    this._block = block;
    this.summary.lines += 1;
  }

  add(record: JournalRecord): void {
    const summary = this.summary;
    const block = this._block!;
    const blockIndex = summary.blocks.length - 1;
    summary.records += 1;
    block.records += 1;
    const time = record.signal === 'traces' ? record.endMs : record.timeMs;
    const firstTime = record.signal === 'traces' ? record.startMs : record.timeMs;
    summary.minMs = Math.min(summary.minMs, firstTime);
    summary.maxMs = Math.max(summary.maxMs, time);
    block.minMs = Math.min(block.minMs, firstTime);
    block.maxMs = Math.max(block.maxMs, time);
    const traceId = record.traceId;
    let partial: TracePartial | undefined;
    if (traceId !== undefined && traceId !== '') {
      partial = summary.traces[traceId];
      if (partial === undefined) {
        partial = { b: [] };
        const service = stringAttribute(record.resource, 'service.name');
        if (service !== undefined) partial.service = service;
        summary.traces[traceId] = partial;
      }
      if (partial.b[partial.b.length - 1] !== blockIndex) partial.b.push(blockIndex);
    }
    if (record.signal === 'traces') this.addSpan(record, partial);
    else this.addLog(record, block, partial);
  }

  private addSpan(span: JournalSpan, partial: TracePartial | undefined): void {
    const kind = classifySpan(span);
    const attributes = span.attributes;
    const facts: OperationFacts = {
      kind,
      name:
        kind === 'tool'
          ? stringAttribute(attributes, ATTR_GEN_AI_TOOL_NAME)
          : kind === 'workflow'
            ? (stringAttribute(attributes, ATTR_GEN_AI_WORKFLOW_NAME) ?? span.name.replace(/^invoke_workflow\s*/, '')) || undefined
            : undefined,
      agent: stringAttribute(attributes, ATTR_GEN_AI_AGENT_NAME),
      model: stringAttribute(attributes, ATTR_GEN_AI_REQUEST_MODEL) ?? stringAttribute(attributes, ATTR_GEN_AI_RESPONSE_MODEL),
      seconds: Math.max(0, span.endMs - span.startMs) / 1000,
      failed: span.statusCode === STATUS_CODE_ERROR,
      inputTokens: numberAttribute(attributes, ATTR_GEN_AI_USAGE_INPUT_TOKENS) ?? 0,
      outputTokens: numberAttribute(attributes, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS) ?? 0,
    };
    if (kind !== 'other' || facts.failed) recordOperation(this.summary.operations, facts);
    if (partial !== undefined) {
      partial.s ??= emptyRunView();
      updateRunView(partial.s, facts, span.startMs, span.endMs, span.spanId);
    }
  }

  private addLog(record: JournalLogRecord, block: SegmentBlock, partial: TracePartial | undefined): void {
    const event = toAuditEvent(record);
    if (event === undefined) return;
    const events = this.summary.events;
    events.total += 1;
    events.types[event.type] = (events.types[event.type] ?? 0) + 1;
    if (event.outcome !== undefined) events.outcomes[event.outcome] = (events.outcomes[event.outcome] ?? 0) + 1;
    const minute = String(Math.floor(event.timeMs / 60_000));
    events.perMinute[minute] = (events.perMinute[minute] ?? 0) + 1;
    block.types![event.type] = (block.types![event.type] ?? 0) + 1;
    const kind = classifyAuditType(event.type);
    const seconds = event.durationSeconds ?? 0;
    const facts = auditFacts(event, kind);
    if (kind !== undefined) recordOperation(this.summary.operations, facts);
    if (partial !== undefined) {
      const view = (partial.a ??= emptyRunView());
      if (kind !== undefined) {
        updateRunView(view, facts, event.timeMs - seconds * 1000, event.timeMs, event.spanId);
      } else {
        view.records += 1;
        view.startMs = Math.min(view.startMs, event.timeMs);
        view.endMs = Math.max(view.endMs, event.timeMs);
        if (event.agent !== undefined && !view.agents.includes(event.agent)) view.agents.push(event.agent);
      }
      if (view.workflow === undefined && event.workflow !== undefined) view.workflow = event.workflow;
    }
  }
}

export const UNTERMINATED_REASON = 'unterminated last line (torn write, or still being written)';

/** Scans a segment (from `summary.endOffset`) and adds what it finds to `summary`. */
async function scanInto(
  segment: JournalSegment,
  summary: SegmentSummary,
  onSkippedLine?: (skipped: SkippedLine) => void,
): Promise<void> {
  const builder = new SummaryBuilder(summary);
  delete summary.tornLine;
  const skip = (skipped: SkippedLine): void => {
    summary.skippedCount += 1;
    if (summary.skipped.length < MAX_SKIPPED_PER_SEGMENT) summary.skipped.push(skipped);
    onSkippedLine?.(skipped);
  };
  const lines = readSegmentLines(segment, { start: summary.endOffset, firstLine: summary.endLine });
  try {
    for await (const line of lines) {
      if (!line.terminated) {
        summary.tornLine = line.line;
        onSkippedLine?.({ file: segment.path, line: line.line, reason: UNTERMINATED_REASON });
        break;
      }
      summary.endOffset = line.offset + line.length + 1;
      summary.endLine = line.line + 1;
      if (line.text.trim().length === 0) continue;
      const records: JournalRecord[] = [];
      try {
        decodeRequestLine(line.text, segment.signal, { file: segment.path, line: line.line }, (record) => {
          records.push(record);
        });
      } catch (error) {
        skip({ file: segment.path, line: line.line, reason: skipReason(error) });
        continue;
      }
      builder.startLine(line.offset, line.length, line.line);
      for (const record of records) builder.add(record);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      skip({ file: segment.path, line: summary.endLine, reason: `segment unreadable: ${(error as Error).message}` });
    }
  }
}

/** Builds the summary of a segment by reading all of it. */
export async function summarizeSegment(
  segment: JournalSegment,
  onSkippedLine?: (skipped: SkippedLine) => void,
): Promise<SegmentSummary> {
  const summary = emptySummary(segment);
  await scanInto(segment, summary, onSkippedLine);
  return summary;
}

// --- the index store ----------------------------------------------------------------------------

/**
 * Reads a stored summary; `undefined` when it is missing, unreadable, not valid JSON, of another
 * index version or malformed (the caller then rebuilds it). Does not check it against the segment.
 */
export async function readSummaryFile(directory: string, baseName: string): Promise<SegmentSummary | undefined> {
  try {
    const parsed = JSON.parse(await readFile(summaryFilePath(directory, baseName), 'utf8')) as SegmentSummary;
    if (parsed === null || typeof parsed !== 'object' || parsed.version !== INDEX_VERSION) return undefined;
    if (
      typeof parsed.name !== 'string' ||
      typeof parsed.size !== 'number' ||
      typeof parsed.mtimeMs !== 'number' ||
      typeof parsed.endOffset !== 'number' ||
      typeof parsed.endLine !== 'number' ||
      !Array.isArray(parsed.blocks) ||
      !Array.isArray(parsed.skipped) ||
      parsed.traces === null ||
      typeof parsed.traces !== 'object' ||
      parsed.operations === null ||
      typeof parsed.operations !== 'object' ||
      parsed.events === null ||
      typeof parsed.events !== 'object'
    ) {
      return undefined;
    }
    // JSON has no Infinity: restore the empty-range markers.
    parsed.minMs ??= Number.POSITIVE_INFINITY;
    parsed.maxMs ??= Number.NEGATIVE_INFINITY;
    for (const block of parsed.blocks) {
      block.minMs ??= Number.POSITIVE_INFINITY;
      block.maxMs ??= Number.NEGATIVE_INFINITY;
    }
    return parsed;
  } catch {
    return undefined;
  }
}

/**
 * Whether a stored summary describes `segment` as it is now: the same name, size and mtime, and
 * (cheap sanity checks) blocks that lie within the summarised bytes, which for an uncompressed
 * segment lie within the file.
 */
export function summaryMatches(summary: SegmentSummary, segment: SegmentIdentity): boolean {
  if (summary.name !== segment.name || summary.size !== segment.size || summary.mtimeMs !== segment.mtimeMs) return false;
  if (summary.compressed !== segment.compressed || summary.signal !== segment.signal) return false;
  if (!segment.compressed && summary.endOffset > segment.size) return false;
  const last = summary.blocks[summary.blocks.length - 1];
  return last === undefined || last.offset + last.length <= summary.endOffset;
}

/**
 * Stores a summary atomically: written to a temporary file, then renamed over the old one, so a
 * reader sees the old summary, the new one or none, never half of one (a torn or empty file left
 * by a power loss does not parse, and is rebuilt). Throws on failure.
 */
export async function writeSummaryFile(directory: string, summary: SegmentSummary): Promise<void> {
  const path = summaryFilePath(directory, summary.baseName);
  const temporary = `${path}.${process.pid}.${threadId}.tmp`;
  await mkdir(join(directory, INDEX_DIRECTORY), { recursive: true, mode: 0o700 });
  const text = JSON.stringify(summary, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value,
  );
  try {
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

export interface JournalIndexOptions {
  /** Keep summaries in `<dir>/.index/` (default true). False: build them in memory every time. */
  readonly persist?: boolean;
  /** Called for every skipped line found while (re)building summaries. */
  readonly onSkippedLine?: (skipped: SkippedLine) => void;
  /**
   * Called when a summary cannot be stored (the directory is read-only, the disk is full, ...);
   * later summaries of this index are then kept in memory only. Default: a `diag.debug` message.
   */
  readonly onWriteError?: (error: unknown) => void;
}

/** Loads, refreshes and stores the per-segment summaries of a journal directory. */
export class JournalIndex {
  readonly directory: string;
  private readonly _persist: boolean;
  private readonly _onSkippedLine: ((skipped: SkippedLine) => void) | undefined;
  private readonly _onWriteError: ((error: unknown) => void) | undefined;
  private _writable = true;

  constructor(directory: string, options: JournalIndexOptions = {}) {
    this.directory = directory;
    this._persist = options.persist ?? true;
    this._onSkippedLine = options.onSkippedLine;
    this._onWriteError = options.onWriteError;
  }

  /** The summaries of `segments`, in the same order: from the cache when it is still valid. */
  async summaries(segments: readonly JournalSegment[]): Promise<SegmentSummary[]> {
    const result: SegmentSummary[] = [];
    for (const segment of segments) result.push(await this.summary(segment));
    if (this._persist) await this.removeStale(segments);
    return result;
  }

  /** The summary of one segment, refreshed if the segment changed. */
  async summary(segment: JournalSegment): Promise<SegmentSummary> {
    const cached = this._persist ? await readSummaryFile(this.directory, segment.baseName) : undefined;
    if (cached !== undefined && summaryMatches(cached, segment)) {
      if (cached.tornLine !== undefined) {
        this._onSkippedLine?.({ file: segment.path, line: cached.tornLine, reason: UNTERMINATED_REASON });
      }
      return cached;
    }
    let summary: SegmentSummary;
    if (
      cached !== undefined &&
      !segment.compressed &&
      !cached.compressed &&
      cached.name === segment.name &&
      cached.size < segment.size
    ) {
      // Appended to: scan only the new bytes.
      summary = cached;
      summary.size = segment.size;
      summary.mtimeMs = segment.mtimeMs;
      await scanInto(segment, summary, this._onSkippedLine);
    } else {
      summary = await summarizeSegment(segment, this._onSkippedLine);
    }
    if (this._persist) await this.write(summary);
    return summary;
  }

  private async write(summary: SegmentSummary): Promise<void> {
    if (!this._writable) return;
    try {
      await writeSummaryFile(this.directory, summary);
    } catch (error) {
      this._writable = false;
      if (this._onWriteError !== undefined) this._onWriteError(error);
      else diag.debug(`swarmtrail journal index: not writable (${(error as Error).message}); summaries stay in memory`);
    }
  }

  private async removeStale(segments: readonly JournalSegment[]): Promise<void> {
    const live = new Set(segments.map((segment) => `${segment.baseName}.summary.json`));
    let names: string[];
    try {
      names = await readdir(join(this.directory, INDEX_DIRECTORY));
    } catch {
      return;
    }
    for (const name of names) {
      if (name.endsWith('.summary.json') && !live.has(name)) {
        // Only summaries of this process's signals are listed in `segments`: keep the others.
        const signal = name.split('-')[0];
        if (!segments.some((segment) => segment.signal === signal)) continue;
        await unlink(join(this.directory, INDEX_DIRECTORY, name)).catch(() => undefined);
      } else if (name.endsWith('.tmp')) {
        // Left by a writer that died before renaming it into place (one still writing is recent).
        const path = join(this.directory, INDEX_DIRECTORY, name);
        const modified = await stat(path).then((info) => info.mtimeMs).catch(() => Date.now());
        if (Date.now() - modified > STALE_TEMPORARY_MILLIS) await unlink(path).catch(() => undefined);
      }
    }
  }

  /** Deletes the summary of a segment (after the segment itself was deleted). */
  async forget(baseName: string): Promise<void> {
    await unlink(summaryFilePath(this.directory, baseName)).catch(() => undefined);
  }
}

// --- merging ------------------------------------------------------------------------------------

/** A run as the CLI shows it. */
export interface RunSummary {
  readonly runId: string;
  readonly workflow: string | undefined;
  readonly service: string | undefined;
  readonly startMs: number;
  readonly endMs: number;
  readonly durationMs: number;
  readonly status: 'ok' | 'error' | 'running';
  readonly agents: readonly string[];
  readonly agentCalls: number;
  readonly toolCalls: number;
  readonly llmCalls: number;
  readonly errors: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Where the counts come from: the trace's spans, or its audit records when it has no spans. */
  readonly source: 'spans' | 'audit';
}

/** Where the records of one trace are: per summary index, the block indexes. */
export type TraceLocations = Map<number, number[]>;

export interface MergedTrace {
  spans: RunView | undefined;
  audit: RunView | undefined;
  service: string | undefined;
  locations: TraceLocations;
}

function mergeView(into: RunView | undefined, from: RunView | undefined): RunView | undefined {
  if (from === undefined) return into;
  if (into === undefined) return { ...from, agents: [...from.agents] };
  into.startMs = Math.min(into.startMs ?? Number.POSITIVE_INFINITY, from.startMs ?? Number.POSITIVE_INFINITY);
  into.endMs = Math.max(into.endMs ?? Number.NEGATIVE_INFINITY, from.endMs ?? Number.NEGATIVE_INFINITY);
  for (const agent of from.agents) if (!into.agents.includes(agent)) into.agents.push(agent);
  into.agentCalls += from.agentCalls;
  into.toolCalls += from.toolCalls;
  into.llmCalls += from.llmCalls;
  into.errors += from.errors;
  into.inputTokens += from.inputTokens;
  into.outputTokens += from.outputTokens;
  into.records += from.records;
  if (from.status !== undefined) {
    into.status = from.status;
    into.rootSpanId = from.rootSpanId;
    into.rootStartMs = from.rootStartMs;
    into.rootEndMs = from.rootEndMs;
  }
  into.workflow ??= from.workflow;
  if (from.status !== undefined && from.workflow !== undefined) into.workflow = from.workflow;
  return into;
}

/** Merges the per-segment trace partials of all summaries. */
export function mergeTraces(summaries: readonly SegmentSummary[]): Map<string, MergedTrace> {
  const traces = new Map<string, MergedTrace>();
  summaries.forEach((summary, summaryIndex) => {
    for (const [traceId, partial] of Object.entries(summary.traces)) {
      let merged = traces.get(traceId);
      if (merged === undefined) {
        merged = { spans: undefined, audit: undefined, service: partial.service, locations: new Map() };
        traces.set(traceId, merged);
      }
      merged.spans = mergeView(merged.spans, partial.s);
      merged.audit = mergeView(merged.audit, partial.a);
      merged.service ??= partial.service;
      merged.locations.set(summaryIndex, partial.b);
    }
  });
  return traces;
}

/** The run summary of a merged trace; `undefined` when the trace is not a run (no workflow). */
export function toRunSummary(runId: string, trace: MergedTrace): RunSummary | undefined {
  const workflow = trace.spans?.workflow ?? trace.audit?.workflow;
  if (workflow === undefined) return undefined;
  const useSpans = trace.spans !== undefined && trace.spans.records > 0;
  const view = (useSpans ? trace.spans : trace.audit)!;
  const status = trace.spans?.status ?? trace.audit?.status ?? 'running';
  const rootView = trace.spans?.status !== undefined ? trace.spans : trace.audit?.status !== undefined ? trace.audit : undefined;
  const startMs = rootView?.rootStartMs ?? view.startMs;
  const endMs = rootView?.rootEndMs ?? view.endMs;
  return {
    runId,
    workflow,
    service: trace.service,
    startMs,
    endMs,
    durationMs: Math.max(0, endMs - startMs),
    status,
    agents: view.agents,
    agentCalls: view.agentCalls,
    toolCalls: view.toolCalls,
    llmCalls: view.llmCalls,
    errors: view.errors,
    inputTokens: view.inputTokens,
    outputTokens: view.outputTokens,
    source: useSpans ? 'spans' : 'audit',
  };
}

function mergeOperationStats(into: Record<string, OperationStats>, from: Record<string, OperationStats>): void {
  for (const [name, stats] of Object.entries(from)) {
    const entry = (into[name] ??= { count: 0, errors: 0, totalSeconds: 0, maxSeconds: 0, sketch: {} });
    entry.count += stats.count;
    entry.errors += stats.errors;
    entry.totalSeconds += stats.totalSeconds;
    entry.maxSeconds = Math.max(entry.maxSeconds, stats.maxSeconds);
    for (const [key, count] of Object.entries(stats.sketch)) entry.sketch[key] = (entry.sketch[key] ?? 0) + count;
  }
}

/** Adds the operation totals of several summaries together. */
export function mergeOperations(summaries: readonly SegmentSummary[]): OperationTotals {
  return addOperationTotals(summaries.map((summary) => summary.operations));
}

/** Adds operation totals together. */
export function addOperationTotals(all: readonly OperationTotals[]): OperationTotals {
  const totals = emptyOperations();
  for (const from of all) {
    totals.operations += from.operations;
    totals.errors += from.errors;
    for (const [kind, count] of Object.entries(from.byKind)) totals.byKind[kind] = (totals.byKind[kind] ?? 0) + count;
    mergeOperationStats(totals.tools, from.tools);
    mergeOperationStats(totals.agents, from.agents);
    mergeOperationStats(totals.workflows, from.workflows);
    for (const [model, stats] of Object.entries(from.models)) {
      const entry = (totals.models[model] ??= { calls: 0, inputTokens: 0, outputTokens: 0 });
      entry.calls += stats.calls;
      entry.inputTokens += stats.inputTokens;
      entry.outputTokens += stats.outputTokens;
    }
  }
  return totals;
}

/** Adds the audit event totals of several summaries together. */
export function mergeEvents(summaries: readonly SegmentSummary[]): EventTotals {
  const totals: EventTotals = { total: 0, types: {}, outcomes: {}, perMinute: {} };
  for (const summary of summaries) {
    const from = summary.events;
    totals.total += from.total;
    for (const [key, count] of Object.entries(from.types)) totals.types[key] = (totals.types[key] ?? 0) + count;
    for (const [key, count] of Object.entries(from.outcomes)) totals.outcomes[key] = (totals.outcomes[key] ?? 0) + count;
    for (const [key, count] of Object.entries(from.perMinute)) totals.perMinute[key] = (totals.perMinute[key] ?? 0) + count;
  }
  return totals;
}
