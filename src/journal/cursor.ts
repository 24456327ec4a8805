/**
 * The shipper's persisted position, `<dir>/cursor.json`: per signal, the segment and the byte
 * offset (in the uncompressed segment) of the first line the collector has not acknowledged, plus
 * dead-letter bookkeeping for lines the collector rejected permanently (kept on disk, skipped by
 * the shipper). Written atomically: temporary file, fsync, rename, fsync of the directory.
 *
 * The shipper writes it as soon as it starts (with `endpoint`), before it sends anything, so a
 * journal that was ever a spool always has one: `swarmtrail prune` never mistakes it for a
 * destination-only journal.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import { syncDirectory, syncDirectorySync } from './segments.js';
import type { JournalSignal } from './segments.js';

export const CURSOR_FILE_NAME = 'cursor.json';

/** Position of the first unacknowledged line of a signal. */
export interface SignalPosition {
  readonly segment: number;
  readonly offset: number;
}

/** A range of lines the collector rejected with a non-retryable status; the data stays on disk. */
export interface DeadLetterNote {
  readonly signal: JournalSignal;
  readonly segment: number;
  readonly offset: number;
  readonly endOffset: number;
  readonly records: number;
  /** HTTP status, or 0 when the line could not be parsed. */
  readonly status: number;
  readonly reason: string;
  /** ISO time the rejection happened. */
  readonly at: string;
}

/**
 * A segment holding dead-lettered lines: it was never fully delivered, so neither the disk cap
 * nor `swarmtrail prune` (without `--force`) deletes it. One entry per segment, never capped;
 * the shipper drops entries of segments that no longer exist (deleted with `prune --force`).
 */
export interface DeadLetterSegment {
  readonly signal: JournalSignal;
  readonly segment: number;
  /** Records of the segment rejected so far. */
  readonly records: number;
  /** ISO time of the latest rejection. */
  readonly at: string;
}

export interface JournalCursorState {
  readonly version: 1;
  /** Where the shipper sends (base URL or per-signal URLs, credentials removed). Written at start. */
  readonly endpoint?: string;
  readonly signals: Partial<Record<JournalSignal, SignalPosition>>;
  /** Details of the newest rejections (contiguous ranges merged), at most {@link MAX_DEAD_LETTER_NOTES}. */
  readonly deadLetters: readonly DeadLetterNote[];
  /**
   * Every segment with dead-lettered lines (uncapped): what decides "not shipped". Always written
   * by the shipper; absent in cursors of older versions, where the notes name the segments.
   */
  readonly deadLetterSegments?: readonly DeadLetterSegment[];
  readonly updatedAt: string;
}

/**
 * Most detailed dead-letter notes kept; older details are dropped, but their segments stay in
 * `deadLetterSegments`, so dropping a note never makes a segment count as shipped.
 */
export const MAX_DEAD_LETTER_NOTES = 1000;

export function emptyCursor(): JournalCursorState {
  return { version: 1, signals: {}, deadLetters: [], deadLetterSegments: [], updatedAt: new Date(0).toISOString() };
}

function isDeadLetterSegment(value: unknown): value is DeadLetterSegment {
  const entry = value as Partial<DeadLetterSegment> | null;
  return typeof entry === 'object' && entry !== null && typeof entry.signal === 'string' && typeof entry.segment === 'number';
}

/**
 * The segments with dead-lettered lines: the cursor's `deadLetterSegments` plus the segments its
 * notes name (cursors written before `deadLetterSegments` existed have only notes).
 */
export function deadLetterSegmentsOf(state: Pick<JournalCursorState, 'deadLetters' | 'deadLetterSegments'>): DeadLetterSegment[] {
  const bySegment = new Map<string, DeadLetterSegment>();
  for (const entry of state.deadLetterSegments ?? []) {
    if (isDeadLetterSegment(entry)) bySegment.set(`${entry.signal}-${entry.segment}`, entry);
  }
  for (const note of state.deadLetters ?? []) {
    const key = `${note.signal}-${note.segment}`;
    if (!bySegment.has(key)) bySegment.set(key, { signal: note.signal, segment: note.segment, records: note.records, at: note.at });
  }
  return [...bySegment.values()];
}

/** Reads `<dir>/cursor.json`; a missing or unreadable cursor yields the empty one (ships everything). */
export function readCursor(directory: string): JournalCursorState {
  let text: string;
  try {
    text = readFileSync(join(directory, CURSOR_FILE_NAME), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      diag.error(`swarmtrail journal: cannot read ${CURSOR_FILE_NAME}, shipping from the start: ${String(error)}`);
    }
    return emptyCursor();
  }
  try {
    const parsed = JSON.parse(text) as JournalCursorState;
    if (parsed.version !== 1 || typeof parsed.signals !== 'object') throw new Error('unknown cursor version');
    const deadLetters = Array.isArray(parsed.deadLetters) ? parsed.deadLetters : [];
    const stored = Array.isArray(parsed.deadLetterSegments) ? parsed.deadLetterSegments : [];
    return { ...parsed, deadLetters, deadLetterSegments: deadLetterSegmentsOf({ deadLetters, deadLetterSegments: stored }) };
  } catch (error) {
    diag.error(`swarmtrail journal: ${CURSOR_FILE_NAME} is corrupt, shipping from the start: ${String(error)}`);
    return emptyCursor();
  }
}

/** Writes the cursor atomically (tmp + fsync + rename + directory fsync). */
export async function writeCursor(directory: string, state: JournalCursorState): Promise<void> {
  const target = join(directory, CURSOR_FILE_NAME);
  const temporary = `${target}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(state)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, target);
  await syncDirectory(directory);
}

/**
 * Synchronous {@link writeCursor}, for the shipper's start: the cursor (with its endpoint) exists
 * before anything is sent. Called once per start, and only when the file lacks that endpoint.
 */
export function writeCursorSync(directory: string, state: JournalCursorState): void {
  const target = join(directory, CURSOR_FILE_NAME);
  const temporary = `${target}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, `${JSON.stringify(state)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, target);
  syncDirectorySync(directory);
}

/**
 * Whether segment `seq` of `signal` is entirely delivered: the cursor is past it (a later segment)
 * and no line of it was dead-lettered. Used by the disk cap (through the shipper) and by prune.
 */
export function isSegmentShipped(
  state: Pick<JournalCursorState, 'signals' | 'deadLetters' | 'deadLetterSegments'>,
  signal: JournalSignal,
  seq: number,
): boolean {
  const position = state.signals[signal];
  if (position === undefined || seq >= position.segment) return false;
  return !deadLetterSegmentsOf(state).some((entry) => entry.signal === signal && entry.segment === seq);
}

/** True when (segment, offset) lies before `position`, i.e. is acknowledged. */
export function isBefore(segment: number, offset: number, position: SignalPosition | undefined): boolean {
  if (position === undefined) return false;
  return segment < position.segment || (segment === position.segment && offset < position.offset);
}
