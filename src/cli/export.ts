/** `swarmtrail export`: spans and audit records as JSON, JSON Lines, CSV or OTLP/JSON. */
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { classifySpan, toAuditEvent } from '../journal/JournalIndex.js';
import {
  JournalReader,
  decodeRequestLine,
  nanosToMillis,
  readSegmentLines,
  skipReason,
  type JournalRecord,
  type JournalSegment,
  type JournalSignal,
} from '../journal/JournalReader.js';
import {
  EXIT_OK,
  UsageError,
  mergeTraces,
  parseRange,
  resolveTraceId,
  write,
  type CommandContext,
  type TimeRange,
} from './context.js';
import { isoTime } from './format.js';
import type { CliCommand, ParsedArguments } from './main.js';

const FORMATS = ['json', 'jsonl', 'csv', 'otlp'] as const;
type ExportFormat = (typeof FORMATS)[number];

/** The flat JSON shape of a span or log record in `json`/`jsonl` exports. */
export function recordToJson(record: JournalRecord): Record<string, unknown> {
  if (record.signal === 'traces') {
    return {
      signal: 'span',
      time: isoTime(record.startMs),
      endTime: isoTime(record.endMs),
      durationMs: Math.round((record.endMs - record.startMs) * 1000) / 1000,
      traceId: record.traceId,
      spanId: record.spanId,
      parentSpanId: record.parentSpanId,
      name: record.name,
      operation: classifySpan(record),
      kind: record.kind,
      status: record.statusCode === 2 ? 'error' : record.statusCode === 1 ? 'ok' : 'unset',
      statusMessage: record.statusMessage,
      attributes: record.attributes,
      events: record.events.map((event) => ({ ...event, time: isoTime(event.timeMs), timeMs: undefined })),
      resource: record.resource,
      scope: record.scope,
      startTimeUnixNano: record.startTimeUnixNano,
      endTimeUnixNano: record.endTimeUnixNano,
    };
  }
  const event = toAuditEvent(record);
  return {
    signal: 'log',
    time: isoTime(record.timeMs),
    traceId: record.traceId,
    spanId: record.spanId,
    eventName: record.eventName,
    eventType: event?.type,
    eventId: event?.id,
    outcome: event?.outcome,
    severityNumber: record.severityNumber,
    severityText: record.severityText,
    body: record.body,
    attributes: record.attributes,
    resource: record.resource,
    scope: record.scope,
    timeUnixNano: record.timeUnixNano,
  };
}

export const CSV_COLUMNS = [
  'signal', 'time', 'end_time', 'duration_ms', 'trace_id', 'span_id', 'parent_span_id', 'name', 'event_type',
  'event_id', 'outcome', 'status', 'workflow', 'agent', 'tool', 'model', 'input_tokens', 'output_tokens',
  'service', 'body', 'attributes',
] as const;

/** Leading characters that make spreadsheets evaluate a cell as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled. Text that a
 * spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, tab or CR) gets a
 * leading `'`, as OWASP advises: agents write attacker-influenced text (tool output, URLs)
 * into the trail. Numbers are written as they are.
 */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text: string;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else {
    text = typeof value === 'string' ? value : JSON.stringify(value);
    if (FORMULA_START.test(text)) text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function attr(record: JournalRecord, key: string): unknown {
  return record.attributes[key];
}

export function recordToCsv(record: JournalRecord): string {
  const isSpan = record.signal === 'traces';
  const event = isSpan ? undefined : toAuditEvent(record);
  const fields: unknown[] = [
    isSpan ? 'span' : 'log',
    isoTime(isSpan ? record.startMs : record.timeMs),
    isSpan ? isoTime(record.endMs) : '',
    isSpan ? Math.round((record.endMs - record.startMs) * 1000) / 1000 : '',
    record.traceId,
    record.spanId,
    isSpan ? record.parentSpanId : '',
    isSpan ? record.name : record.eventName,
    event?.type,
    event?.id,
    event?.outcome,
    isSpan ? (record.statusCode === 2 ? 'error' : record.statusCode === 1 ? 'ok' : 'unset') : '',
    attr(record, 'gen_ai.workflow.name'),
    attr(record, 'gen_ai.agent.name'),
    attr(record, 'gen_ai.tool.name'),
    attr(record, 'gen_ai.request.model') ?? attr(record, 'gen_ai.response.model'),
    attr(record, 'gen_ai.usage.input_tokens'),
    attr(record, 'gen_ai.usage.output_tokens'),
    record.resource['service.name'],
    isSpan ? '' : record.body,
    record.attributes,
  ];
  return `${fields.map(csvField).join(',')}\r\n`;
}

interface RecordFilter {
  readonly range: TimeRange;
  readonly traceId: string | undefined;
}

function recordTime(record: JournalRecord): number {
  return record.signal === 'traces' ? record.startMs : record.timeMs;
}

function keep(record: JournalRecord, filter: RecordFilter): boolean {
  const time = recordTime(record);
  if (time < filter.range.since || time > filter.range.until) return false;
  return filter.traceId === undefined || record.traceId === filter.traceId;
}

type OtlpRequest = Record<string, Array<Record<string, unknown>>>;

const CONTAINERS: Record<'traces' | 'logs', { resource: string; scope: string; items: string; time: string }> = {
  traces: { resource: 'resourceSpans', scope: 'scopeSpans', items: 'spans', time: 'startTimeUnixNano' },
  logs: { resource: 'resourceLogs', scope: 'scopeLogs', items: 'logRecords', time: 'timeUnixNano' },
};

/**
 * Keeps only the spans or log records of an OTLP/JSON request that pass the filter; returns
 * `undefined` when none is left. Resources and scopes are kept as they are.
 */
export function filterOtlpRequest(
  request: OtlpRequest,
  signal: 'traces' | 'logs',
  filter: RecordFilter,
): OtlpRequest | undefined {
  const names = CONTAINERS[signal];
  let kept = 0;
  const resources = (request[names.resource] ?? []).map((resource) => {
    const scopes = ((resource[names.scope] ?? []) as Array<Record<string, unknown>>).map((scope) => {
      const items = ((scope[names.items] ?? []) as Array<Record<string, unknown>>).filter((item) => {
        let time = nanosToMillis(item[names.time]);
        if (signal === 'logs' && time === 0) time = nanosToMillis(item.observedTimeUnixNano);
        if (time < filter.range.since || time > filter.range.until) return false;
        if (filter.traceId !== undefined && (typeof item.traceId === 'string' ? item.traceId.toLowerCase() : '') !== filter.traceId) return false;
        return true;
      });
      kept += items.length;
      return { ...scope, [names.items]: items };
    });
    return { ...resource, [names.scope]: scopes.filter((scope) => (scope[names.items] as unknown[]).length > 0) };
  });
  if (kept === 0) return undefined;
  return { [names.resource]: resources.filter((resource) => (resource[names.scope] as unknown[]).length > 0) };
}

/**
 * Streams the OTLP/JSON request lines of a segment, filtered; corrupt lines are reported and skipped.
 * Calls `emit` with each request line to keep and the number of records in it.
 */
export async function forEachRequestLine(
  segment: JournalSegment,
  filter: RecordFilter,
  unfiltered: boolean,
  onSkipped: (file: string, line: number, reason: string) => void,
  emit: (line: string, records: number) => Promise<void>,
): Promise<void> {
  for await (const line of readSegmentLines(segment)) {
    if (!line.terminated) {
      onSkipped(segment.path, line.line, 'unterminated last line (torn write, or still being written)');
      continue;
    }
    if (line.text.trim().length === 0) continue;
    let records: number;
    try {
      records = decodeRequestLine(line.text, segment.signal, { file: segment.path, line: line.line }, () => undefined);
    } catch (error) {
      onSkipped(segment.path, line.line, skipReason(error));
      continue;
    }
    if (unfiltered || segment.signal === 'metrics') {
      await emit(line.text, records);
      continue;
    }
    const filtered = filterOtlpRequest(JSON.parse(line.text) as OtlpRequest, segment.signal, filter);
    if (filtered === undefined) continue;
    let count = 0;
    decodeRequestLine(JSON.stringify(filtered), segment.signal, { file: segment.path, line: line.line }, () => {
      count += 1;
    });
    await emit(JSON.stringify(filtered), count);
  }
}

export function parseSignals(value: string | undefined, allowed: readonly JournalSignal[]): JournalSignal[] {
  if (value === undefined || value === 'all') return [...allowed];
  const signals = value.split(',').map((s) => s.trim());
  for (const signal of signals) {
    if (!allowed.includes(signal as JournalSignal)) {
      throw new UsageError(`--signal ${signal}: expected ${allowed.join(', ')} or all`);
    }
  }
  return signals as JournalSignal[];
}

async function run(context: CommandContext, args: ParsedArguments): Promise<number> {
  const values = args.values as Record<string, string | undefined>;
  const format = (values.format ?? 'json') as ExportFormat;
  if (!FORMATS.includes(format)) throw new UsageError(`--format ${format}: expected one of ${FORMATS.join(', ')}`);
  const range = parseRange(values, context.now());
  const timeFiltered = Number.isFinite(range.since) || Number.isFinite(range.until);
  const allowed: JournalSignal[] = format === 'otlp' && !timeFiltered && values.run === undefined
    ? ['traces', 'logs', 'metrics']
    : ['traces', 'logs'];
  const signals = parseSignals(values.signal, allowed);
  let traceId: string | undefined;
  if (values.run !== undefined) {
    const journal = await context.open(['traces', 'logs']);
    traceId = resolveTraceId(mergeTraces(journal.summaries), values.run);
  }
  const segments = await context.segments(signals);
  const filter: RecordFilter = { range, traceId };
  let output: Writable = context.io.stdout;
  let file: Writable | undefined;
  if (values.output !== undefined && values.output !== '-') {
    file = createWriteStream(resolve(context.io.cwd, values.output));
    await new Promise<void>((resolveOpen, reject) => {
      file!.once('open', () => resolveOpen());
      file!.once('error', reject);
    });
    output = file;
  }
  let count = 0;
  try {
    if (format === 'otlp') {
      const unfiltered = !timeFiltered && traceId === undefined;
      for (const segment of segments) {
        await forEachRequestLine(
          segment,
          filter,
          unfiltered,
          (fileName, line, reason) => context.onSkippedLine({ file: fileName, line, reason }),
          async (line, records) => {
            count += records;
            await write(output, `${line}\n`);
          },
        );
      }
    } else {
      const reader = new JournalReader(context.location, { signals, onSkippedLine: context.onSkippedLine });
      let first = true;
      if (format === 'json') await write(output, '[');
      if (format === 'csv') await write(output, `${CSV_COLUMNS.join(',')}\r\n`);
      for (const segment of segments) {
        for await (const record of reader.segmentRecords(segment)) {
          if (!keep(record, filter)) continue;
          count += 1;
          if (format === 'csv') await write(output, recordToCsv(record));
          else if (format === 'jsonl') await write(output, `${JSON.stringify(recordToJson(record))}\n`);
          else {
            await write(output, `${first ? '\n' : ',\n'}${JSON.stringify(recordToJson(record))}`);
            first = false;
          }
        }
      }
      if (format === 'json') await write(output, first ? ']\n' : '\n]\n');
    }
  } finally {
    if (file !== undefined) await new Promise<void>((resolveEnd) => file.end(() => resolveEnd()));
  }
  if (file !== undefined) {
    const message = `exported ${count} records (${format}) to ${values.output}`;
    if (context.options.json) await write(context.io.stderr, `${JSON.stringify({ exported: count, format, output: values.output })}\n`);
    else await write(context.io.stderr, `${message}\n`);
  }
  return EXIT_OK;
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'export spans and audit records as JSON, JSON Lines, CSV or OTLP/JSON, to a file or stdout',
  usage: 'export [--format json|jsonl|csv|otlp] [--since T] [--until T] [--run ID] [--signal S] [--output FILE]',
  help: `Options:
  -f, --format <fmt>     json (one array, default), jsonl (one record per line), csv (RFC 4180,
                         one row per span or log record), otlp (OTLP/JSON export requests, one per
                         line: feed it to a Collector's otlpjsonfile receiver or to 'ship --dir')
      --since <time>     records at or after (spans by start time): ISO date-time or 1h, 7d, ...
      --until <time>     records at or before
      --run <run-id>     only this run (an id prefix is enough)
      --signal <s>       traces, logs or all (default all; otlp without filters also copies metrics)
  -o, --output <file>    write to a file instead of stdout

Examples:
  swarmtrail export --format csv --since 7d -o audit.csv
  swarmtrail export --format otlp --run 4bf92f35 > run.jsonl`,
  options: {
    format: { type: 'string', short: 'f' },
    since: { type: 'string' },
    until: { type: 'string' },
    run: { type: 'string' },
    signal: { type: 'string' },
    output: { type: 'string', short: 'o' },
  },
  run,
};
