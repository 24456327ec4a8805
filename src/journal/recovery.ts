/**
 * Start-up recovery of a journal directory after a crash: a torn (unterminated or unparsable)
 * last line of a segment is cut off, leftovers of an interrupted compression or cursor write are
 * removed. Earlier lines are never touched: every write appends whole lines, so a crash can only
 * damage the end of the segment being written.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, fsyncSync, openSync, readSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { listSegmentsSync, segmentFileName, syncDirectorySync } from './segments.js';
import type { JournalSignal } from './segments.js';

/** What recovery found and repaired. */
export interface JournalRecoveryReport {
  /** Torn last lines cut off (each line is one appended batch). */
  readonly tornLines: number;
  /** Bytes removed by truncation. */
  readonly truncatedBytes: number;
  /** Segments that were truncated, as `<signal>-<seq>`. */
  readonly repairedSegments: readonly string[];
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/** Offset just after the last newline at or before `end`, or 0 when there is none. */
function endOfLastCompleteLine(fd: number, end: number): number {
  const buffer = Buffer.allocUnsafe(CHUNK);
  let position = end;
  while (position > 0) {
    const length = Math.min(CHUNK, position);
    position -= length;
    const read = readSync(fd, buffer, 0, length, position);
    const index = buffer.subarray(0, read).lastIndexOf(NEWLINE);
    if (index >= 0) return position + index + 1;
  }
  return 0;
}

function readRange(fd: number, start: number, end: number): Buffer {
  const buffer = Buffer.allocUnsafe(end - start);
  let offset = 0;
  while (offset < buffer.length) {
    const read = readSync(fd, buffer, offset, buffer.length - offset, start + offset);
    if (read === 0) break;
    offset += read;
  }
  return buffer.subarray(0, offset);
}

function isParsableLine(line: Buffer): boolean {
  try {
    const value: unknown = JSON.parse(line.toString('utf8'));
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

/**
 * Truncates a torn tail of one uncompressed segment. Returns the bytes removed (0 if intact).
 * Only the last line is examined: an unterminated tail is cut; a terminated last line that does
 * not parse (e.g. zero-filled blocks after a power loss) is cut as well.
 */
export function repairSegmentTail(path: string): { truncatedBytes: number; tornLines: number } {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    let keep = endOfLastCompleteLine(fd, size);
    let tornLines = keep < size ? 1 : 0;
    if (keep > 0) {
      const lineStart = endOfLastCompleteLine(fd, keep - 1);
      if (!isParsableLine(readRange(fd, lineStart, keep - 1))) {
        keep = lineStart;
        tornLines += 1;
      }
    }
    if (keep === size) return { truncatedBytes: 0, tornLines: 0 };
    ftruncateSync(fd, keep);
    fsyncSync(fd);
    return { truncatedBytes: size - keep, tornLines };
  } finally {
    closeSync(fd);
  }
}

/** Repairs every segment of `directory` (synchronously; run before anything writes to it). */
export function recoverJournalDirectory(directory: string): JournalRecoveryReport {
  let changed = false;
  for (const name of readdirSync(directory)) {
    if (name.endsWith('.tmp')) {
      unlinkSync(join(directory, name));
      changed = true;
    }
  }
  let tornLines = 0;
  let truncatedBytes = 0;
  const repairedSegments: string[] = [];
  for (const segment of listSegmentsSync(directory)) {
    const plain = join(directory, segmentFileName(segment.signal, segment.seq));
    if (segment.compressed) {
      // Compression finished (the .gz is renamed into place only when complete): drop the original.
      if (existsSync(plain)) {
        unlinkSync(plain);
        changed = true;
      }
      continue;
    }
    const result = repairSegmentTail(segment.path);
    if (result.truncatedBytes > 0) {
      tornLines += result.tornLines;
      truncatedBytes += result.truncatedBytes;
      repairedSegments.push(`${segment.signal}-${segment.seq}`);
    }
  }
  if (changed) syncDirectorySync(directory);
  return { tornLines, truncatedBytes, repairedSegments };
}

/** Highest seq present per signal (0 when none). */
export function highestSeqs(directory: string): Record<JournalSignal, number> {
  const result: Record<JournalSignal, number> = { traces: 0, logs: 0, metrics: 0 };
  for (const segment of listSegmentsSync(directory)) {
    if (segment.seq > result[segment.signal]) result[segment.signal] = segment.seq;
  }
  return result;
}
