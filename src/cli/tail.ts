/** `swarmtrail tail`: the last events, then new ones as they are written, until interrupted. */
import { toAuditEvent } from '../journal/JournalIndex.js';
import { JournalReader, decodeRequestLine, readSegmentLines, skipReason, type JournalRecord } from '../journal/JournalReader.js';
import { EXIT_OK, parseCount, type CommandContext } from './context.js';
import {
  EVENT_FILTER_HELP,
  EVENT_FILTER_OPTIONS,
  eventMatches,
  eventRow,
  eventToJson,
  parseEventFilter,
  queryEvents,
  type EventFilter,
} from './events.js';
import { padVisible } from './format.js';
import type { CliCommand, ParsedArguments } from './main.js';

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolveSleep) => {
    if (signal?.aborted === true) {
      resolveSleep();
      return;
    }
    const timer = setTimeout(done, milliseconds);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolveSleep();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function run(context: CommandContext, args: ParsedArguments): Promise<number> {
  const values = args.values as Record<string, string | undefined>;
  const lines = parseCount(values.lines, 'lines', 10);
  const interval = Math.max(20, parseCount(values.interval, 'interval', 500));
  const signal = context.io.signal;
  const journal = await context.open(['logs']);
  const filter: EventFilter = parseEventFilter(args.values, context.now(), journal);
  const reader = new JournalReader(journal.location, { onSkippedLine: context.onSkippedLine });
  const p = context.palette;
  let headerPrinted = false;
  const print = async (event: NonNullable<ReturnType<typeof toAuditEvent>>): Promise<void> => {
    if (context.options.json) {
      await context.out(`${JSON.stringify(eventToJson(event))}\n`);
      return;
    }
    const row = eventRow(event, p);
    if (!headerPrinted) {
      // The header uses fixed widths: rows arrive one by one.
      await context.out(p.bold('TIME (UTC)           TYPE          OUTCOME  AGENT         RUN           DETAIL\n'));
      headerPrinted = true;
    }
    const widths = [19, 12, 7, 12, 12];
    const cells = row.map((cell, i) => (i < widths.length ? padVisible(cell, widths[i]) : cell));
    await context.out(`${cells.join('  ').trimEnd()}\n`);
  };
  if (lines > 0) {
    for (const event of await queryEvents(journal, filter, lines, reader)) await print(event);
  }
  // Follow: remember where each segment ends, by name without `.gz` (compression keeps content).
  const positions = new Map<string, { offset: number; line: number }>();
  journal.summaries.forEach((summary) => positions.set(summary.baseName, { offset: summary.endOffset, line: summary.endLine }));
  const finished = new Set<string>();
  for (const summary of journal.summaries) if (summary.compressed) finished.add(summary.baseName);
  const aborted = (): boolean => signal?.aborted === true;
  while (!aborted()) {
    await sleep(interval, signal);
    if (aborted()) break;
    let segments;
    try {
      segments = await context.segments(['logs']);
    } catch {
      continue; // the directory may be recreated
    }
    for (const segment of segments) {
      const position = positions.get(segment.baseName) ?? { offset: 0, line: 1 };
      if (!segment.compressed && segment.size <= position.offset) continue;
      if (finished.has(segment.baseName)) continue;
      const fresh: JournalRecord[] = [];
      try {
        for await (const line of readSegmentLines(segment, { start: position.offset, firstLine: position.line })) {
          if (!line.terminated) break; // still being written: read it next time
          position.offset = line.offset + line.length + 1;
          position.line = line.line + 1;
          if (line.text.trim().length === 0) continue;
          try {
            decodeRequestLine(line.text, 'logs', { file: segment.path, line: line.line }, (record) => fresh.push(record));
          } catch (error) {
            context.onSkippedLine({ file: segment.path, line: line.line, reason: skipReason(error) });
          }
        }
      } catch {
        // Renamed or pruned while reading: pick it up again on the next round.
      }
      positions.set(segment.baseName, position);
      // A compressed segment is closed: once read to its end it never changes.
      if (segment.compressed) finished.add(segment.baseName);
      for (const record of fresh) {
        if (record.signal !== 'logs') continue;
        const event = toAuditEvent(record);
        if (event !== undefined && eventMatches(event, filter)) await print(event);
      }
    }
  }
  return EXIT_OK;
}

export const tailCommand: CliCommand = {
  name: 'tail',
  summary: 'follow new audit events live (Ctrl-C to stop)',
  usage: 'tail [--lines N] [--interval MS] [event filters]',
  help: `Prints the last events, then each new event as it reaches the journal (polls every --interval).

Options:
${EVENT_FILTER_HELP}
  -n, --lines <n>        events to show first (default 10)
      --interval <ms>    how often to look for new records (default 500)

Examples:
  swarmtrail tail
  swarmtrail tail --type 'tool.*' --outcome failure --json`,
  options: { ...EVENT_FILTER_OPTIONS, lines: { type: 'string', short: 'n' }, interval: { type: 'string' } },
  run,
};
