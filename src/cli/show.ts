/** `swarmtrail show <run-id>`: one run as a tree and waterfall, audit events where they happened. */
import { classifyAuditType, classifySpan, toAuditEvent, toRunSummary, type AuditEvent } from '../journal/JournalIndex.js';
import { JournalReader, type JournalSpan } from '../journal/JournalReader.js';
import { CliError, EXIT_OK, UsageError, mergeTraces, resolveTraceId, type CommandContext, type OpenJournal } from './context.js';
import { eventDetail, eventToJson } from './events.js';
import { formatCount, formatDuration, isoTime, oneLine, statusText, visibleLength } from './format.js';
import type { CliCommand, ParsedArguments } from './main.js';
import { runToJson } from './runs.js';
import { ATTR_AUDIT_SPAN_NAME, ATTR_AUDIT_SPAN_PARENT_ID } from '../semconv.js';

interface SpanNode {
  readonly span: JournalSpan;
  readonly children: SpanNode[];
  readonly events: AuditEvent[];
}

export interface LoadedTrace {
  readonly traceId: string;
  readonly spans: JournalSpan[];
  readonly events: AuditEvent[];
}

/** Reads every span and audit event of one trace, using the summaries to read only its blocks. */
export async function loadTrace(journal: OpenJournal, traceId: string, reader: JournalReader): Promise<LoadedTrace> {
  const spans: JournalSpan[] = [];
  const events: AuditEvent[] = [];
  const seenSpans = new Set<string>();
  const seenEvents = new Set<string>();
  for (let index = 0; index < journal.summaries.length; index += 1) {
    const summary = journal.summaries[index];
    const blocks = summary.traces[traceId]?.b;
    if (blocks === undefined) continue;
    const segment = journal.segments[index];
    const ranges = blocks.map((blockIndex) => {
      const block = summary.blocks[blockIndex];
      return { start: block.offset, end: block.offset + block.length, firstLine: block.line };
    });
    for await (const { record } of reader.segmentRecordsInRanges(segment, ranges)) {
      if (record.traceId !== traceId) continue;
      if (record.signal === 'traces') {
        // At-least-once delivery may duplicate a span: keep the first.
        if (seenSpans.has(record.spanId)) continue;
        seenSpans.add(record.spanId);
        spans.push(record);
      } else {
        const event = toAuditEvent(record);
        if (event === undefined) continue;
        if (event.id !== undefined) {
          if (seenEvents.has(event.id)) continue;
          seenEvents.add(event.id);
        }
        events.push(event);
      }
    }
  }
  spans.sort((a, b) => a.startMs - b.startMs);
  events.sort((a, b) => a.timeMs - b.timeMs);
  return { traceId, spans, events };
}

/** What a span-end record is about (`tool search`, `agent planner`, `llm gpt-4o`), from its fields. */
function auditSpanSubject(event: AuditEvent): string {
  const kind = classifyAuditType(event.type);
  const model = event.attributes['gen_ai.request.model'];
  const name =
    kind === 'tool' ? `tool ${event.tool ?? ''}` : kind === 'agent' ? `agent ${event.agent ?? ''}` : kind === 'workflow' ? `run ${event.workflow ?? ''}` : `llm ${typeof model === 'string' ? model : ''}`;
  return name.trim();
}

/** A span's label from its span-end record, for records that do not name the span (older writers). */
function auditSpanLabel(event: AuditEvent): string {
  return `${auditSpanSubject(event)} (${event.type})`;
}

/**
 * The spans of a run rebuilt from its span-end audit records (where traces were not kept): each
 * record names its span (its span id), the span's parent (`audit.span.parent_id`), name, outcome
 * and duration.
 */
export function spansFromAuditRecords(trace: LoadedTrace): JournalSpan[] {
  const spans: JournalSpan[] = [];
  for (const event of trace.events) {
    if (classifyAuditType(event.type) === undefined || event.spanId === undefined) continue;
    const end = event.timeMs;
    const start = end - (event.durationSeconds ?? 0) * 1000;
    const parent = event.attributes[ATTR_AUDIT_SPAN_PARENT_ID];
    const name = event.attributes[ATTR_AUDIT_SPAN_NAME] ?? auditSpanLabel(event);
    spans.push({
      signal: 'traces',
      traceId: trace.traceId,
      spanId: event.spanId,
      parentSpanId: typeof parent === 'string' ? parent : undefined,
      name: typeof name === 'string' ? name : auditSpanLabel(event),
      kind: event.type === 'llm.end' ? 3 : 1,
      startTimeUnixNano: '',
      endTimeUnixNano: '',
      startMs: start,
      endMs: end,
      statusCode: event.outcome === 'failure' ? 2 : 0,
      statusMessage: undefined,
      attributes: event.attributes,
      events: [],
      resource: event.resource,
      scope: { name: '' },
      location: event.location,
    });
  }
  return spans.sort((a, b) => a.startMs - b.startMs);
}

function buildTree(trace: LoadedTrace, allEvents: boolean): { roots: SpanNode[]; loose: AuditEvent[] } {
  const nodes = new Map<string, SpanNode>();
  for (const span of trace.spans) nodes.set(span.spanId, { span, children: [], events: [] });
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.span.parentSpanId === undefined ? undefined : nodes.get(node.span.parentSpanId);
    if (parent === undefined) roots.push(node);
    else parent.children.push(node);
  }
  const loose: AuditEvent[] = [];
  for (const event of trace.events) {
    const node = event.spanId === undefined ? undefined : nodes.get(event.spanId);
    if (node === undefined) {
      loose.push(event);
      continue;
    }
    // A span-end record repeats its span: shown only with --all-events.
    if (!allEvents && classifyAuditType(event.type) !== undefined) continue;
    node.events.push(event);
  }
  return { roots, loose };
}

function spanStatus(span: JournalSpan): 'ok' | 'error' | 'unset' {
  return span.statusCode === 2 ? 'error' : span.statusCode === 1 ? 'ok' : 'unset';
}

function nodeToJson(node: SpanNode): Record<string, unknown> {
  return {
    spanId: node.span.spanId,
    parentSpanId: node.span.parentSpanId,
    name: node.span.name,
    operation: classifySpan(node.span),
    start: isoTime(node.span.startMs),
    end: isoTime(node.span.endMs),
    durationMs: Math.round((node.span.endMs - node.span.startMs) * 1000) / 1000,
    status: spanStatus(node.span),
    statusMessage: node.span.statusMessage,
    attributes: node.span.attributes,
    events: node.events.map(eventToJson),
    children: node.children.map(nodeToJson),
  };
}

const BAR_WIDTH = 30;
/** The SPAN / EVENT column is at most this wide; longer lines are cut with an ellipsis. */
const MAX_LEFT_WIDTH = 80;

// eslint-disable-next-line no-control-regex
const ANSI_AT_START = /^\u001b\[[0-9;]*m/;

/**
 * Cuts `text` to `width` visible characters, the last one an ellipsis; colour codes are kept
 * (they take no room) and reset after the cut so the colour does not leak into the next column.
 */
export function truncateVisible(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  let out = '';
  let visible = 0;
  let coloured = false;
  for (let index = 0; index < text.length; ) {
    const code = ANSI_AT_START.exec(text.slice(index, index + 16));
    if (code !== null) {
      out += code[0];
      coloured = true;
      index += code[0].length;
      continue;
    }
    // Never split a surrogate pair (it counts 2, as in visibleLength).
    const step = text.codePointAt(index)! > 0xffff ? 2 : 1;
    if (visible + step > width - 1) break;
    out += text.slice(index, index + step);
    visible += step;
    index += step;
  }
  return `${out}…${coloured ? '\u001b[0m' : ''}`;
}

async function run(context: CommandContext, args: ParsedArguments): Promise<number> {
  const prefix = args.positionals[0];
  if (prefix === undefined) throw new UsageError('which run? give its id (or a prefix): swarmtrail show <run-id>');
  const journal = await context.open(['traces', 'logs']);
  const traces = mergeTraces(journal.summaries);
  const traceId = resolveTraceId(traces, prefix);
  const reader = new JournalReader(journal.location, { onSkippedLine: context.onSkippedLine });
  const loaded = await loadTrace(journal, traceId, reader);
  if (loaded.spans.length === 0 && loaded.events.length === 0) throw new CliError(`run ${traceId} has no readable records`);
  const fromAudit = loaded.spans.length === 0;
  const trace = fromAudit ? { ...loaded, spans: spansFromAuditRecords(loaded) } : loaded;
  const summary = toRunSummary(traceId, traces.get(traceId)!);
  const allEvents = args.values['all-events'] === true;
  const { roots, loose } = buildTree(trace, allEvents);
  if (context.options.json) {
    await context.json({
      runId: traceId,
      run: summary === undefined ? undefined : runToJson(summary),
      spans: roots.map(nodeToJson),
      events: loose.map(eventToJson),
    });
    return EXIT_OK;
  }
  const p = context.palette;
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;
  for (const span of trace.spans) {
    t0 = Math.min(t0, span.startMs);
    t1 = Math.max(t1, span.endMs);
  }
  for (const event of trace.events) {
    t0 = Math.min(t0, event.timeMs - (event.durationSeconds ?? 0) * 1000);
    t1 = Math.max(t1, event.timeMs);
  }
  const total = Math.max(1e-3, t1 - t0);
  const header = summary === undefined
    ? `trace ${p.cyan(traceId)}`
    : `run ${p.cyan(traceId)}  ${p.bold(summary.workflow ?? '')}  ${statusText(summary.status, p)}  ${formatDuration(summary.durationMs)}`;
  const out: string[] = [header];
  if (summary !== undefined) {
    out.push(
      p.dim(
        `started ${isoTime(summary.startMs)} · agents ${summary.agents.length} · tools ${summary.toolCalls} · llm calls ${summary.llmCalls} · errors ${summary.errors} · tokens ${formatCount(summary.inputTokens)} in / ${formatCount(summary.outputTokens)} out`,
      ),
    );
  }
  out.push('');
  type Line = { left: string; offset: number; duration: string; status: string; bar: string };
  const lines: Line[] = [];
  const bar = (start: number, end: number): string => {
    const from = Math.min(BAR_WIDTH - 1, Math.floor(((start - t0) / total) * BAR_WIDTH));
    const width = Math.max(1, Math.min(BAR_WIDTH - from, Math.round(((end - start) / total) * BAR_WIDTH)));
    return `${' '.repeat(from)}${'█'.repeat(width)}${' '.repeat(BAR_WIDTH - from - width)}`;
  };
  const eventLine = (event: AuditEvent, indent: string): Line => {
    const kind = classifyAuditType(event.type);
    if (kind !== undefined && trace.spans.length === 0) {
      // Audit-only run: a span-end record stands for its span.
      const end = event.timeMs;
      const start = end - (event.durationSeconds ?? 0) * 1000;
      const failed = event.outcome === 'failure';
      return {
        left: `${indent}${p.bold(auditSpanSubject(event))} ${p.dim(`(${event.type})`)}`,
        offset: start - t0,
        duration: formatDuration(end - start),
        status: statusText(failed ? 'error' : 'ok', p),
        bar: failed ? p.red(bar(start, end)) : p.cyan(bar(start, end)),
      };
    }
    return eventLineOf(event, indent);
  };
  const eventLineOf = (event: AuditEvent, indent: string): Line => ({
    left: `${indent}${p.magenta('◆')} ${p.magenta(event.type)}${event.outcome !== undefined ? ` ${statusText(event.outcome, p)}` : ''}${event.agent !== undefined && event.type !== 'agent.end' ? p.dim(` agent=${event.agent}`) : ''} ${p.dim(oneLine(eventDetail(event), 60))}`,
    offset: event.timeMs - t0,
    duration: '',
    status: '',
    bar: `${' '.repeat(Math.min(BAR_WIDTH - 1, Math.floor(((event.timeMs - t0) / total) * BAR_WIDTH)))}◆`,
  });
  const walk = (node: SpanNode, prefixText: string, connector: string): void => {
    const span = node.span;
    const status = spanStatus(span) === 'error' ? 'error' : 'ok';
    const operation = classifySpan(span);
    const label = operation === 'other' ? span.name : p.bold(span.name);
    lines.push({
      left: `${prefixText}${connector}${label}${status === 'error' && span.statusMessage !== undefined ? p.red(` (${oneLine(span.statusMessage, 40)})`) : ''}`,
      offset: span.startMs - t0,
      duration: formatDuration(span.endMs - span.startMs),
      status: statusText(status, p),
      bar: status === 'error' ? p.red(bar(span.startMs, span.endMs)) : p.cyan(bar(span.startMs, span.endMs)),
    });
    const childPrefix = prefixText + (connector === '' ? '' : connector === '└─ ' ? '   ' : '│  ');
    // On equal milliseconds an event of this span (its start record, a decision) comes before
    // a child that starts then.
    const items: Array<{ time: number; node?: SpanNode; event?: AuditEvent }> = [
      ...node.events.map((event) => ({ time: event.timeMs, event })),
      ...node.children.map((child) => ({ time: child.span.startMs, node: child })),
    ].sort((a, b) => a.time - b.time);
    items.forEach((item, i) => {
      const last = i === items.length - 1;
      if (item.node !== undefined) walk(item.node, childPrefix, last ? '└─ ' : '├─ ');
      else lines.push(eventLine(item.event!, `${childPrefix}${last ? '└─ ' : '├─ '}`));
    });
  };
  roots.forEach((root) => walk(root, '', ''));
  for (const event of loose) lines.push(eventLine(event, ''));
  if (trace.spans.length === 0) lines.sort((a, b) => a.offset - b.offset); // nothing to nest
  const leftWidth = Math.min(MAX_LEFT_WIDTH, lines.reduce((max, line) => Math.max(max, visibleLength(line.left)), 12));
  const fit = (text: string): string => {
    const cut = truncateVisible(text, leftWidth);
    return cut + ' '.repeat(Math.max(0, leftWidth - visibleLength(cut)));
  };
  out.push(p.dim(`${'SPAN / EVENT'.padEnd(leftWidth)}  ${'START'.padStart(9)}  ${'DURATION'.padStart(9)}  ${'STATUS'.padEnd(6)}  WATERFALL`));
  for (const line of lines) {
    out.push(
      `${fit(line.left)}  ${p.dim(('+' + formatDuration(line.offset)).padStart(9))}  ${line.duration.padStart(9)}  ${line.status}${' '.repeat(Math.max(0, 6 - visibleLength(line.status)))}  ${line.bar}`.trimEnd(),
    );
  }
  if (fromAudit) out.push('', p.dim('(no spans in the journal for this run: rebuilt from its audit records)'));
  await context.out(`${out.join('\n')}\n`);
  return EXIT_OK;
}

export const showCommand: CliCommand = {
  name: 'show',
  summary: 'one run as a tree and waterfall: agents, tools, LLM calls, audit events where they happened',
  usage: 'show <run-id> [--all-events]',
  help: `The run id is the trace id; any unambiguous prefix is enough.

Options:
      --all-events   also show the span-end audit records (run.end, agent.end, tool.end, llm.end)
                     next to the spans they summarise

Examples:
  swarmtrail show 4bf92f35
  swarmtrail show 4bf92f3577b34da6a3ce929d0e0e4736 --json`,
  options: { 'all-events': { type: 'boolean' } },
  positionals: 1,
  run,
};
