/**
 * The shipper's persisted position, `<dir>/cursor.json`: per signal, the segment and the byte
 * offset (in the uncompressed segment) of the first line the collector has not acknowledged, plus
 * dead-letter notes for lines the collector rejected permanently (kept on disk, skipped by the
 * shipper). Written atomically: temporary file, fsync, rename, fsync of the directory.
 */
import { readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import { syncDirectory } from './segments.js';
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

export interface JournalCursorState {
  readonly version: 1;
  readonly signals: Partial<Record<JournalSignal, SignalPosition>>;
  readonly deadLetters: readonly DeadLetterNote[];
  readonly updatedAt: string;
}

/** Most dead-letter notes kept; older ones are dropped from the note (never from the segments). */
export const MAX_DEAD_LETTER_NOTES = 1000;

export function emptyCursor(): JournalCursorState {
  return { version: 1, signals: {}, deadLetters: [], updatedAt: new Date(0).toISOString() };
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
    return { ...parsed, deadLetters: Array.isArray(parsed.deadLetters) ? parsed.deadLetters : [] };
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

/** True when (segment, offset) lies before `position`, i.e. is acknowledged. */
export function isBefore(segment: number, offset: number, position: SignalPosition | undefined): boolean {
  if (position === undefined) return false;
  return segment < position.segment || (segment === position.segment && offset < position.offset);
}
