/**
 * `swarmtrail prune`: apply retention now, deleting closed segments older than `--older-than`.
 *
 * Safety rule (docs/cli.md): never the newest segment of a signal (it may still be written);
 * never a segment the shipper has not delivered, unless `--force`. A segment counts as delivered
 * when `<dir>/cursor.json` (the shipper's persisted cursor) is past it and none of its lines was
 * dead-lettered. The shipper writes cursor.json as soon as it starts, so its presence means "an
 * endpoint was configured for this journal" even when prune runs without one. Without a cursor
 * file: if an OTLP endpoint is configured (`--endpoint` or OTEL_EXPORTER_OTLP_ENDPOINT) nothing
 * has been delivered, so nothing is deleted without `--force`; with no endpoint the journal itself
 * is the destination and retention applies to it as asked.
 */
import { readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { JournalIndex, type SegmentSummary } from '../journal/JournalIndex.js';
import { JOURNAL_SIGNALS, parseSegmentName, type JournalSegment, type JournalSignal } from '../journal/JournalReader.js';
import { isLockHeldByOther } from '../journal/lock.js';
import { CliError, EXIT_FAILURE, EXIT_OK, UsageError, parseDuration, type CommandContext } from './context.js';
import { formatCount, isoTime, padVisible } from './format.js';
import type { CliCommand, ParsedArguments } from './main.js';

export const CURSOR_FILE = 'cursor.json';

/** How far the shipper got in one signal: segment sequence and byte offset within it. */
export interface ShippedPosition {
  readonly sequence: number;
  /** Bytes of that segment acknowledged; `undefined` = unknown (treat the segment as unshipped). */
  readonly offset: number | undefined;
}

function positionFrom(value: unknown): ShippedPosition | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const entry = value as Record<string, unknown>;
  let sequence: number | undefined;
  for (const key of ['segment', 'file', 'name']) {
    const value = entry[key];
    if (typeof value === 'number') sequence = value;
    if (typeof value === 'string') sequence = parseSegmentName(value.split('/').pop()!)?.sequence;
  }
  if (sequence === undefined) {
    for (const key of ['sequence', 'seq']) if (typeof entry[key] === 'number') sequence = entry[key];
  }
  if (sequence === undefined) return undefined;
  const offset = [entry.offset, entry.byteOffset, entry.position].find((v): v is number => typeof v === 'number');
  return { sequence, offset };
}

/** What the shipper's cursor says: per signal the first unacknowledged position, and dead letters. */
export interface ShipperCursor {
  readonly positions: Map<JournalSignal, ShippedPosition>;
  /** `signal-sequence` of segments holding lines the collector rejected for good (never shipped). */
  readonly deadLetterSegments: Set<string>;
}

/**
 * Reads the shipper's cursor (src/journal/cursor.ts: `{ version: 1, signals: { traces: { segment:
 * <seq>, offset } }, deadLetters: [...] }`; also `segment` as a file name, or the per-signal map at
 * the top level). `undefined` when there is no cursor file; throws `CliError` for a cursor that
 * cannot be understood (prune then deletes nothing).
 */
export async function readShipperCursor(directory: string): Promise<ShipperCursor | undefined> {
  let text: string;
  try {
    text = await readFile(join(directory, CURSOR_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${CURSOR_FILE}: ${(error as Error).message}`);
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new CliError(`${join(directory, CURSOR_FILE)} is not valid JSON`);
  }
  const root = (parsed.signals ?? parsed.cursors ?? parsed) as Record<string, unknown>;
  if (root === null || typeof root !== 'object') throw new CliError(`${join(directory, CURSOR_FILE)} has no positions`);
  const positions = new Map<JournalSignal, ShippedPosition>();
  for (const signal of JOURNAL_SIGNALS) {
    const position = positionFrom(root[signal]);
    if (position !== undefined) positions.set(signal, position);
  }
  // Per-segment entries (uncapped, what the shipper writes) and the detailed notes (older cursors).
  const deadLetterSegments = new Set<string>();
  for (const list of [parsed.deadLetterSegments, parsed.deadLetters]) {
    if (!Array.isArray(list)) continue;
    for (const note of list as Array<{ signal?: unknown; segment?: unknown } | null>) {
      if (typeof note?.signal === 'string' && typeof note.segment === 'number') deadLetterSegments.add(`${note.signal}-${note.segment}`);
    }
  }
  return { positions, deadLetterSegments };
}

function isShipped(segment: JournalSegment, summary: SegmentSummary, cursor: ShipperCursor): boolean {
  if (cursor.deadLetterSegments.has(`${segment.signal}-${segment.sequence}`)) return false;
  const position = cursor.positions.get(segment.signal);
  if (position === undefined) return false;
  if (segment.sequence < position.sequence) return true;
  if (segment.sequence > position.sequence) return false;
  return position.offset !== undefined && position.offset >= summary.endOffset && summary.tornLine === undefined;
}

interface Decision {
  readonly segment: string;
  readonly signal: JournalSignal;
  readonly newestRecord: string | undefined;
  readonly bytes: number;
  readonly action: 'delete' | 'keep';
  readonly reason: string;
}

async function run(context: CommandContext, args: ParsedArguments): Promise<number> {
  const values = args.values as Record<string, string | boolean | undefined>;
  if (values['older-than'] === undefined) {
    throw new UsageError('how old? pass --older-than <duration>, e.g. --older-than 30d');
  }
  const olderThan = parseDuration(values['older-than'] as string, 'older-than');
  const force = values.force === true;
  const dryRun = values['dry-run'] === true;
  const journal = await context.open(['traces', 'logs', 'metrics']);
  if (journal.segments.length > 0 && journal.segments[0].sequence < 0) {
    throw new UsageError('prune works on a journal directory, not on a single file');
  }
  const cursor = await readShipperCursor(journal.location);
  const environment = context.environment;
  const endpoint =
    (values.endpoint as string | undefined) ??
    environment.endpoint ??
    environment.signalEndpoints.traces ??
    environment.signalEndpoints.logs;
  const mode = cursor !== undefined ? 'cursor' : endpoint !== undefined ? 'unshipped' : 'embedded';
  const cutoff = context.now() - olderThan;
  // Process directories (`process-<pid>/`, see docs/durability.md) have their own shipper cursor
  // and newest segments; a gone process's newest segment is no longer in use.
  const cursors = new Map<string, ShipperCursor | undefined>([[journal.location, cursor]]);
  for (const segment of journal.segments) {
    const directory = dirname(segment.path);
    if (!cursors.has(directory)) cursors.set(directory, await readShipperCursor(directory));
  }
  const newestKey = (segment: JournalSegment): string => `${dirname(segment.path)}\n${segment.signal}`;
  const inUse = (directory: string): boolean => directory === journal.location || isLockHeldByOther(directory);
  const newest = new Map<string, number>();
  for (const segment of journal.segments) newest.set(newestKey(segment), Math.max(newest.get(newestKey(segment)) ?? -1, segment.sequence));
  const decisions: Decision[] = [];
  const index = new JournalIndex(journal.location);
  let deletedBytes = 0;
  for (let i = 0; i < journal.segments.length; i += 1) {
    const segment = journal.segments[i];
    const summary = journal.summaries[i];
    // This segment's directory decides (shadowing the main directory's cursor and mode).
    const cursor = cursors.get(dirname(segment.path));
    const mode = cursor !== undefined ? 'cursor' : endpoint !== undefined ? 'unshipped' : 'embedded';
    const newestRecordMs = summary.records > 0 ? summary.maxMs : segment.mtimeMs;
    const base = {
      segment: segment.name,
      signal: segment.signal,
      newestRecord: Number.isFinite(newestRecordMs) ? isoTime(newestRecordMs) : undefined,
      bytes: segment.size,
    };
    let reason: string | undefined;
    if (segment.sequence === newest.get(newestKey(segment)) && inUse(dirname(segment.path))) reason = 'newest segment of its signal (may be in use)';
    else if (newestRecordMs >= cutoff) reason = 'not old enough';
    else if (mode === 'cursor' && cursor!.deadLetterSegments.has(`${segment.signal}-${segment.sequence}`) && !force) {
      reason = 'not yet shipped: holds lines the collector rejected (dead letters in cursor.json) (use --force to delete anyway)';
    } else if (mode === 'cursor' && !isShipped(segment, summary, cursor!) && !force) reason = 'not yet shipped (use --force to delete anyway)';
    else if (mode === 'unshipped' && !force) reason = 'an endpoint is configured and there is no shipper cursor: unshipped (use --force)';
    if (reason !== undefined) {
      decisions.push({ ...base, action: 'keep', reason });
      continue;
    }
    const why = mode === 'embedded' ? 'older than the retention; no endpoint, the journal is the destination'
      : mode === 'cursor' && isShipped(segment, summary, cursor!) ? 'older than the retention and shipped'
      : 'older than the retention; unshipped, deleted because of --force';
    if (!dryRun) {
      try {
        await unlink(segment.path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          decisions.push({ ...base, action: 'keep', reason: `could not delete: ${(error as Error).message}` });
          continue;
        }
      }
      await index.forget(segment.baseName);
    }
    deletedBytes += segment.size;
    decisions.push({ ...base, action: 'delete', reason: why });
  }
  const deleted = decisions.filter((d) => d.action === 'delete');
  const failed = decisions.some((d) => d.reason.startsWith('could not delete'));
  if (context.options.json) {
    await context.json({ dryRun, mode, olderThan: values['older-than'], cutoff: isoTime(cutoff), deletedBytes, segments: decisions });
    return failed ? EXIT_FAILURE : EXIT_OK;
  }
  const verb = dryRun ? 'would delete' : 'deleted';
  const actionWidth = dryRun ? 12 : 7;
  const nameWidth = Math.max(0, ...decisions.map((d) => d.segment.length));
  const lines = decisions.map((d) => {
    const action = d.action === 'delete' ? context.palette.red(dryRun ? 'would delete' : 'deleted') : context.palette.dim('kept');
    return `  ${padVisible(action, actionWidth)}  ${d.segment.padEnd(nameWidth)}  ${d.newestRecord ?? '-'.padEnd(24)}  ${d.reason}`;
  });
  await context.out(
    `${verb} ${deleted.length} of ${decisions.length} segments (${formatCount(deletedBytes)} bytes) older than ${String(values['older-than'])}\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}`,
  );
  return failed ? EXIT_FAILURE : EXIT_OK;
}

export const pruneCommand: CliCommand = {
  name: 'prune',
  summary: 'apply retention now: delete old closed segments, never unshipped data unless --force',
  usage: 'prune --older-than DURATION [--dry-run] [--force] [--endpoint URL]',
  help: `Deletes closed segments whose newest record is older than --older-than. It never deletes
the newest segment of a signal. It never deletes data the shipper has not delivered unless --force:
  - with a shipper cursor (<dir>/${CURSOR_FILE}, written as soon as a shipper starts, so it
    exists for every journal that ever had an endpoint), only segments the cursor is past are
    deleted (not those with dead-lettered lines: the collector refused them, never delivered);
  - without one, when an endpoint is configured (--endpoint or OTEL_EXPORTER_OTLP_ENDPOINT), no
    segment counts as shipped, so nothing is deleted without --force;
  - without a cursor and without an endpoint, the journal is the destination: old segments go.

Options:
      --older-than <d>   retention, e.g. 30d, 12h (required)
      --dry-run          show what would be deleted, delete nothing
      --force            also delete segments not yet shipped
      --endpoint <url>   treat the journal as a spool for this endpoint (see above)

Examples:
  swarmtrail prune --older-than 30d --dry-run
  swarmtrail prune --older-than 7d`,
  options: {
    'older-than': { type: 'string' },
    'dry-run': { type: 'boolean' },
    force: { type: 'boolean' },
    endpoint: { type: 'string' },
  },
  run,
};
