/**
 * Journal directory layout: `<dir>/<signal>-<seq>.jsonl`, closed segments possibly compressed to
 * `<signal>-<seq>.jsonl.gz`, seq a zero-padded 10-digit monotonic number per signal.
 */
import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export type JournalSignal = 'traces' | 'logs' | 'metrics';
export const JOURNAL_SIGNALS: readonly JournalSignal[] = ['traces', 'logs', 'metrics'];

/** One segment file found in the journal directory. */
export interface SegmentFile {
  readonly signal: JournalSignal;
  readonly seq: number;
  readonly compressed: boolean;
  /** Absolute or directory-relative path, as joined with the directory given. */
  readonly path: string;
}

const SEGMENT_PATTERN = /^(traces|logs|metrics)-(\d{10})\.jsonl(\.gz)?$/;

export function segmentFileName(signal: JournalSignal, seq: number, compressed = false): string {
  return `${signal}-${String(seq).padStart(10, '0')}.jsonl${compressed ? '.gz' : ''}`;
}

function parseSegmentNames(directory: string, names: readonly string[]): SegmentFile[] {
  const bySignalSeq = new Map<string, SegmentFile>();
  for (const name of names) {
    const match = SEGMENT_PATTERN.exec(name);
    if (!match) continue;
    const segment: SegmentFile = {
      signal: match[1] as JournalSignal,
      seq: Number(match[2]),
      compressed: match[3] !== undefined,
      path: join(directory, name),
    };
    const key = `${segment.signal}-${segment.seq}`;
    const existing = bySignalSeq.get(key);
    // While a segment is being compressed both files exist briefly; the .gz (renamed into place
    // only once complete) wins.
    if (existing === undefined || segment.compressed) bySignalSeq.set(key, segment);
  }
  return [...bySignalSeq.values()].sort((a, b) => (a.signal === b.signal ? a.seq - b.seq : a.signal < b.signal ? -1 : 1));
}

/** Segments in `directory`, sorted by signal then seq; one entry per (signal, seq). */
export async function listSegments(directory: string): Promise<SegmentFile[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return parseSegmentNames(directory, names);
}

/** Synchronous {@link listSegments}, for start-up. */
export function listSegmentsSync(directory: string): SegmentFile[] {
  return parseSegmentNames(directory, readdirSync(directory));
}

/** fsyncs a directory so renames, creations and deletions in it are durable. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function syncDirectorySync(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * `process-<pid>` (or `process-<pid>-<n>` when that name was taken): the journal of a process that
 * found the directory locked by another live process. It is a journal directory of its own
 * (segments, lock, cursor, index); readers list its segments with the main directory's, and the
 * process holding the main lock adopts it once its process is gone (see ProcessDirectoryAdopter).
 */
const PROCESS_DIRECTORY_PATTERN = /^process-(\d+)(?:-\d+)?$/;

/** One process directory inside a journal directory. */
export interface ProcessDirectory {
  /** Its name, e.g. `process-4242`. */
  readonly name: string;
  readonly path: string;
  /** The pid of the process that created it. */
  readonly pid: number;
}

function parseProcessDirectories(directory: string, entries: ReadonlyArray<{ name: string; isDirectory(): boolean }>): ProcessDirectory[] {
  const result: ProcessDirectory[] = [];
  for (const entry of entries) {
    const match = PROCESS_DIRECTORY_PATTERN.exec(entry.name);
    if (match !== null && entry.isDirectory()) result.push({ name: entry.name, path: join(directory, entry.name), pid: Number(match[1]) });
  }
  return result.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The process directories in `directory`, by name; none when it does not exist. */
export async function listProcessDirectories(directory: string): Promise<ProcessDirectory[]> {
  try {
    return parseProcessDirectories(directory, await readdir(directory, { withFileTypes: true }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

/** Synchronous {@link listProcessDirectories}. */
export function listProcessDirectoriesSync(directory: string): ProcessDirectory[] {
  try {
    return parseProcessDirectories(directory, readdirSync(directory, { withFileTypes: true }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

/** Sub-directory of a journal holding the CLI's per-segment summaries (see JournalIndex.ts). */
export const INDEX_DIRECTORY = '.index';

/** Where the summary of the segment named `baseName` (its name without `.gz`) is stored. */
export function summaryFilePath(directory: string, baseName: string): string {
  return join(directory, INDEX_DIRECTORY, `${baseName}.summary.json`);
}
