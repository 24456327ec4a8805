/** `swarmtrail events`: audit events, filtered, newest last. */
import { toAuditEvent, type AuditEvent, type SegmentSummary } from '../journal/JournalIndex.js';
import { JournalReader, type JournalSegment } from '../journal/JournalReader.js';
import {
  EXIT_OK,
  UsageError,
  parseDuration,
  mergeTraces,
  parseCount,
  parseRange,
  resolveTraceId,
  type CommandContext,
  type OpenJournal,
  type TimeRange,
} from './context.js';
import { isoTime, oneLine, shortTime, statusText, table, type Palette } from './format.js';
import type { CliCommand, ParsedArguments } from './main.js';

/** What an audit event must match. Every field is optional; all given ones must match. */
export interface EventFilter {
  /** Types, exact or with a trailing `*` (`tool.*`). */
  readonly types?: readonly string[];
  readonly agent?: string;
  /** `gen_ai.tool.name`. */
  readonly tool?: string;
  /** The history of one file: `audit.file.path` or `audit.artifact.uri` equals it, or ends with `/` + it. */
  readonly file?: string;
  /** Only events whose `audit.duration` is longer than this, in seconds (slow components). */
  readonly slowerThanSeconds?: number;
  readonly traceId?: string;
  readonly outcome?: string;
  readonly range: TimeRange;
  /** Case-insensitive substring of the event name, body or attribute values. */
  readonly text?: string;
}

function fileMatches(event: AuditEvent, file: string): boolean {
  for (const key of ['audit.file.path', 'audit.artifact.uri']) {
    const value = event.attributes[key];
    if (typeof value === 'string' && (value === file || value.endsWith(`/${file}`))) return true;
  }
  return false;
}

export function typeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => (pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type));
}

export function eventMatches(event: AuditEvent, filter: EventFilter): boolean {
  if (event.timeMs < filter.range.since || event.timeMs > filter.range.until) return false;
  if (filter.types !== undefined && !typeMatches(filter.types, event.type)) return false;
  if (filter.agent !== undefined && event.agent !== filter.agent) return false;
  if (filter.tool !== undefined && event.tool !== filter.tool) return false;
  if (filter.slowerThanSeconds !== undefined && !((event.durationSeconds ?? -1) > filter.slowerThanSeconds)) return false;
  if (filter.file !== undefined && !fileMatches(event, filter.file)) return false;
  if (filter.traceId !== undefined && event.traceId !== filter.traceId) return false;
  if (filter.outcome !== undefined && event.outcome !== filter.outcome) return false;
  if (filter.text !== undefined) {
    const haystack = `${event.eventName ?? ''} ${event.type} ${JSON.stringify(event.body ?? '')} ${JSON.stringify(event.attributes)}`;
    if (!haystack.toLowerCase().includes(filter.text)) return false;
  }
  return true;
}

/** Builds the filter from `events`/`tail` options; resolves a run id prefix against the journal. */
export function parseEventFilter(
  values: ParsedArguments['values'],
  now: number,
  journal: OpenJournal | undefined,
): EventFilter {
  const types = ([] as string[])
    .concat((values.type as string[] | undefined) ?? [])
    .flatMap((type) => type.split(','))
    .map((type) => type.trim())
    .filter((type) => type.length > 0);
  let traceId: string | undefined;
  const run = values.run as string | undefined;
  if (run !== undefined) {
    if (journal === undefined) traceId = run.toLowerCase();
    else traceId = resolveTraceId(mergeTraces(journal.summaries), run);
  }
  const text = values.text as string | undefined;
  if (text !== undefined && text.length === 0) throw new UsageError('--text needs a non-empty string');
  const file = values.file as string | undefined;
  if (file !== undefined && file.length === 0) throw new UsageError('--file needs a path');
  const slower = values['slower-than'] as string | undefined;
  return {
    ...(types.length > 0 ? { types } : {}),
    ...(values.agent !== undefined ? { agent: values.agent as string } : {}),
    ...(values.tool !== undefined ? { tool: values.tool as string } : {}),
    ...(file !== undefined ? { file } : {}),
    ...(slower !== undefined ? { slowerThanSeconds: parseDuration(slower, 'slower-than') / 1000 } : {}),
    ...(traceId !== undefined ? { traceId } : {}),
    ...(values.outcome !== undefined ? { outcome: values.outcome as string } : {}),
    ...(text !== undefined ? { text: text.toLowerCase() } : {}),
    range: parseRange(values, now),
  };
}

interface Candidate {
  readonly segment: JournalSegment;
  readonly summary: SegmentSummary;
  readonly blocks: number[];
}

/**
 * The newest `limit` events matching `filter` (0 = all), oldest first. Uses the summaries to read
 * only blocks that can hold a match (by type, time and run), newest blocks first, and stops once
 * no older block can displace what was found.
 */
export async function queryEvents(
  journal: OpenJournal,
  filter: EventFilter,
  limit: number,
  reader: JournalReader,
): Promise<AuditEvent[]> {
  const candidates: Candidate[] = [];
  journal.summaries.forEach((summary, index) => {
    if (summary.signal !== 'logs') return;
    const runBlocks = filter.traceId === undefined ? undefined : summary.traces[filter.traceId]?.b;
    if (filter.traceId !== undefined && runBlocks === undefined) return;
    const blocks: number[] = [];
    summary.blocks.forEach((block, blockIndex) => {
      if (runBlocks !== undefined && !runBlocks.includes(blockIndex)) return;
      if (block.minMs > filter.range.until || block.maxMs < filter.range.since) return;
      const types = Object.keys(block.types ?? {});
      if (types.length === 0) return;
      if (filter.types !== undefined && !types.some((type) => typeMatches(filter.types!, type))) return;
      blocks.push(blockIndex);
    });
    if (blocks.length > 0) candidates.push({ segment: journal.segments[index], summary, blocks });
  });
  // Newest first: by the newest time a block holds.
  const order = candidates
    .flatMap((candidate) => candidate.blocks.map((blockIndex) => ({ candidate, blockIndex })))
    .sort(
      (a, b) =>
        b.candidate.summary.blocks[b.blockIndex].maxMs - a.candidate.summary.blocks[a.blockIndex].maxMs,
    );
  let found: AuditEvent[] = [];
  let threshold = Number.NEGATIVE_INFINITY;
  // A compressed segment is decompressed once for all its candidate blocks (reading block by
  // block would decompress it from the start each time).
  const fromCompressed = new Map<Candidate, AuditEvent[][]>();
  const matching = async (candidate: Candidate, blockIndex: number): Promise<AuditEvent[]> => {
    const rangeOf = (index: number): { start: number; end: number; firstLine: number } => {
      const block = candidate.summary.blocks[index];
      return { start: block.offset, end: block.offset + block.length, firstLine: block.line };
    };
    const collect = async (indexes: number[]): Promise<AuditEvent[][]> => {
      const perRange: AuditEvent[][] = indexes.map(() => []);
      for await (const { range, record } of reader.segmentRecordsInRanges(candidate.segment, indexes.map(rangeOf))) {
        if (record.signal !== 'logs') continue;
        const event = toAuditEvent(record);
        if (event !== undefined && eventMatches(event, filter)) perRange[range].push(event);
      }
      return perRange;
    };
    if (!candidate.segment.compressed) return (await collect([blockIndex]))[0];
    let cached = fromCompressed.get(candidate);
    if (cached === undefined) {
      cached = await collect(candidate.blocks);
      fromCompressed.set(candidate, cached);
    }
    return cached[candidate.blocks.indexOf(blockIndex)];
  };
  for (const { candidate, blockIndex } of order) {
    const block = candidate.summary.blocks[blockIndex];
    if (limit > 0 && found.length >= limit && block.maxMs < threshold) break;
    found.push(...(await matching(candidate, blockIndex)));
    if (limit > 0 && found.length >= limit) {
      found.sort((a, b) => b.timeMs - a.timeMs);
      found = found.slice(0, limit);
      threshold = found[found.length - 1].timeMs;
    }
  }
  found.sort((a, b) => a.timeMs - b.timeMs);
  return limit > 0 ? found.slice(-limit) : found;
}

/** The JSON shape of an event (`--json`, `export --format json`). */
export function eventToJson(event: AuditEvent): Record<string, unknown> {
  return {
    time: isoTime(event.timeMs),
    type: event.type,
    id: event.id,
    outcome: event.outcome,
    eventName: event.eventName,
    workflow: event.workflow,
    agent: event.agent,
    tool: event.tool,
    runId: event.traceId,
    spanId: event.spanId,
    durationSeconds: event.durationSeconds,
    body: event.body,
    attributes: event.attributes,
    location: `${event.location.file}:${event.location.line}`,
  };
}

/** One line describing what an event is about (tool, workflow, body). */
export function eventDetail(event: AuditEvent): string {
  const parts: string[] = [];
  if (event.tool !== undefined) parts.push(`tool=${event.tool}`);
  if (event.type === 'run.end' && event.workflow !== undefined) parts.push(`workflow=${event.workflow}`);
  const model = event.attributes['gen_ai.request.model'] ?? event.attributes['gen_ai.response.model'];
  if (typeof model === 'string') parts.push(`model=${model}`);
  if (event.durationSeconds !== undefined) parts.push(`${(event.durationSeconds * 1000).toFixed(0)}ms`);
  if (event.body !== undefined && event.body !== null) {
    parts.push(typeof event.body === 'string' ? event.body : JSON.stringify(event.body));
  }
  return oneLine(parts.join(' '), 80);
}

export function eventRow(event: AuditEvent, palette: Palette): string[] {
  return [
    shortTime(event.timeMs),
    palette.magenta(event.type),
    event.outcome === undefined ? '-' : statusText(event.outcome, palette),
    event.agent ?? '-',
    event.traceId === undefined ? '-' : palette.cyan(event.traceId.slice(0, 12)),
    eventDetail(event),
  ];
}

export const EVENT_COLUMNS = [
  { header: 'TIME (UTC)' },
  { header: 'TYPE' },
  { header: 'OUTCOME' },
  { header: 'AGENT' },
  { header: 'RUN' },
  { header: 'DETAIL' },
] as const;

export const EVENT_FILTER_OPTIONS = {
  type: { type: 'string', short: 't', multiple: true },
  agent: { type: 'string' },
  tool: { type: 'string' },
  file: { type: 'string' },
  'slower-than': { type: 'string' },
  run: { type: 'string' },
  outcome: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  text: { type: 'string' },
} as const;

export const EVENT_FILTER_HELP = `  -t, --type <type>      event type, repeatable or comma-separated; 'tool.*' matches a prefix
      --agent <name>     events of this agent (gen_ai.agent.name)
      --tool <name>      events of this tool (gen_ai.tool.name)
      --file <path>      the history of one file: file changes and artifacts at this path
                         (or ending with /<path>)
      --slower-than <d>  events that took longer than this (audit.duration), e.g. 5s, 500ms
      --run <run-id>     events of this run (an id prefix is enough)
      --outcome <value>  success, failure, granted, denied, not_found, ...
      --since <time>     ISO date-time or a duration ago (30m, 1h, 7d)
      --until <time>     ISO date-time or a duration ago
      --text <text>      case-insensitive text in the event name, body or attributes`;

async function run(context: CommandContext, args: ParsedArguments): Promise<number> {
  const limit = parseCount(args.values.limit as string | undefined, 'limit', 50);
  const journal = await context.open(['traces', 'logs']);
  const filter = parseEventFilter(args.values, context.now(), journal);
  const reader = new JournalReader(journal.location, { onSkippedLine: context.onSkippedLine });
  const events = await queryEvents(journal, filter, limit, reader);
  if (context.options.json) {
    await context.json(events.map(eventToJson));
    return EXIT_OK;
  }
  if (events.length === 0) {
    await context.out('no matching events\n');
    return EXIT_OK;
  }
  await context.out(table(EVENT_COLUMNS, events.map((event) => eventRow(event, context.palette)), context.palette));
  return EXIT_OK;
}

export const eventsCommand: CliCommand = {
  name: 'events',
  summary: 'audit events filtered by type, agent, run, outcome, time and text',
  usage: 'events [--type T] [--agent A] [--tool T] [--file P] [--run ID] [--outcome O] [--slower-than D] [--since T] [--until T] [--text S] [--limit N]',
  help: `Shows the newest matching events, oldest first.

Options:
${EVENT_FILTER_HELP}
  -n, --limit <n>        at most n events, the newest (default 50; 0 = all)

Examples:
  swarmtrail events --type tool.end --outcome failure --since 1h
  swarmtrail events --run 4bf92f35 --type 'decision,secret.access'
  swarmtrail events --text invoice --json
  swarmtrail events --file reports/q3.md
  swarmtrail events --type tool.end --slower-than 5s`,
  options: { ...EVENT_FILTER_OPTIONS, limit: { type: 'string', short: 'n' } },
  run,
};
