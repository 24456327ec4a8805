/**
 * Adopts the process directories of a journal (`<dir>/process-<pid>/`) whose process is gone.
 *
 * A process that finds the journal directory locked by another live process journals to a
 * process directory of its own and ships it with its own shipper while it lives. When it is gone
 * (its pid no longer runs and its lock can be taken), the process holding the main lock adopts
 * the directory, at start and then every `intervalMillis`:
 * - it takes the directory's lock and runs crash recovery on it (a torn last line is cut off);
 * - with an endpoint, it ships what the directory's own cursor says is unshipped, and removes the
 *   directory once every segment in it is acknowledged (no dead-letter notes, every signal
 *   shipped); until then the directory stays and is tried again later;
 * - without an endpoint the journal is the destination: the directory stays where it is, readable
 *   by the CLI with the rest of the journal (docs/durability.md explains why it is not merged).
 */
import { readFileSync, readdirSync, rmSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createNoopMeter, diag } from '@opentelemetry/api';
import { deadLetterSegmentsOf, readCursor } from './cursor.js';
import { describeError } from './errors.js';
import { JournalShipper } from './JournalShipper.js';
import type { JournalShipperOptions } from './JournalShipper.js';
import { LOCK_FILE_NAME, acquireLock, isProcessAlive, releaseLock } from './lock.js';
import { recoverJournalDirectory } from './recovery.js';
import {
  INDEX_DIRECTORY,
  JOURNAL_SIGNALS,
  listProcessDirectoriesSync,
  listSegmentsSync,
  segmentFileName,
  summaryFilePath,
} from './segments.js';
import type { ProcessDirectory } from './segments.js';

/** Options of the adopter. */
export interface ProcessDirectoryAdopterOptions {
  /** The main journal directory; this process holds its lock. */
  readonly directory: string;
  /** Where to ship adopted directories; undefined: the journal is the destination. */
  readonly export: Omit<JournalShipperOptions, 'directory' | 'meter'> | undefined;
  /** How often to look for orphaned process directories, in ms. */
  readonly intervalMillis: number;
  /** How long one attempt to ship one directory may take before it is left for the next round, in ms. Default 60000. */
  readonly shipDeadlineMillis?: number;
}

/** What one adoption did with a directory. */
export type AdoptionOutcome = 'in-use' | 'kept' | 'removed' | 'unshipped';

/** Looks for and adopts orphaned process directories (see the module comment). */
export class ProcessDirectoryAdopter {
  private readonly directory: string;
  private readonly exportOptions: Omit<JournalShipperOptions, 'directory' | 'meter'> | undefined;
  private readonly intervalMillis: number;
  private readonly shipDeadlineMillis: number;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private shipper: JournalShipper | undefined;
  private stopped = false;

  constructor(options: ProcessDirectoryAdopterOptions) {
    this.directory = options.directory;
    this.exportOptions = options.export;
    this.intervalMillis = options.intervalMillis;
    this.shipDeadlineMillis = options.shipDeadlineMillis ?? 60_000;
  }

  /** Adopts what is orphaned now, then looks again every `intervalMillis` until {@link shutdown}. */
  start(): void {
    if (this.stopped) return;
    this.round = this.adoptAll().finally(() => this.schedule());
  }

  /** One round over every process directory; never rejects. */
  async adoptAll(): Promise<void> {
    let directories: ProcessDirectory[];
    try {
      directories = listProcessDirectoriesSync(this.directory);
    } catch (error) {
      diag.warn(`swarmtrail journal: cannot list the process directories of ${this.directory}: ${describeError(error)}`);
      return;
    }
    for (const directory of directories) {
      if (this.stopped) return;
      try {
        await this.adopt(directory);
      } catch (error) {
        diag.warn(`swarmtrail journal: adopting ${directory.path} failed, trying again later: ${describeError(error)}`);
      }
    }
  }

  /** Stops looking; an attempt to ship in progress is stopped (what it shipped stays acknowledged). Never rejects. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.shipper?.shutdown();
    await this.round.catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.round = this.adoptAll().finally(() => this.schedule());
    }, this.intervalMillis);
    this.timer.unref();
  }

  /** Adopts one directory if its process is gone. */
  async adopt(directory: ProcessDirectory): Promise<AdoptionOutcome> {
    if (directory.pid !== process.pid && isProcessAlive(directory.pid)) return 'in-use';
    if (!acquireLock(directory.path)) return 'in-use';
    let removed = false;
    try {
      const recovery = recoverJournalDirectory(directory.path);
      if (recovery.tornLines > 0) {
        diag.warn(
          `swarmtrail journal: cut off ${recovery.tornLines} torn line(s) at the end of ${recovery.repairedSegments.join(', ')} ` +
            `in ${directory.path}, left by a process that ended abruptly`,
        );
      }
      if (listSegmentsSync(directory.path).length === 0) {
        removeShippedDirectory(this.directory, directory); // nothing in it (pruned, or never written)
        removed = true;
        return 'removed';
      }
      if (this.exportOptions === undefined) return 'kept';
      const shipper = new JournalShipper({ ...this.exportOptions, directory: directory.path, meter: createNoopMeter() });
      this.shipper = shipper;
      let complete: boolean;
      try {
        ({ complete } = await shipper.shipOnce(this.shipDeadlineMillis));
      } finally {
        this.shipper = undefined;
      }
      if (!complete || this.stopped || !isFullyShipped(directory.path, this.exportOptions.signals ?? JOURNAL_SIGNALS)) return 'unshipped';
      removeShippedDirectory(this.directory, directory);
      removed = true;
      diag.info(`swarmtrail journal: shipped and removed ${directory.path}, left by process ${directory.pid}`);
      return 'removed';
    } finally {
      if (!removed) releaseLock(directory.path);
    }
  }
}

/** Bytes of a segment's content (decompressed). */
function contentSize(path: string, compressed: boolean): number {
  return compressed ? gunzipSync(readFileSync(path)).length : statSync(path).size;
}

/**
 * Whether the directory's cursor is past every line of every segment, with no dead-letter notes:
 * only then may it be deleted.
 */
export function isFullyShipped(directory: string, shippedSignals: readonly string[]): boolean {
  const cursor = readCursor(directory);
  for (const segment of listSegmentsSync(directory)) {
    if (!shippedSignals.includes(segment.signal)) return false;
    // The uncapped per-segment list (the notes are capped): a rejected line keeps its segment.
    if (deadLetterSegmentsOf(cursor).some((entry) => entry.signal === segment.signal && entry.segment === segment.seq)) return false;
    const position = cursor.signals[segment.signal];
    if (position === undefined || segment.seq > position.segment) return false;
    if (segment.seq === position.segment && position.offset < contentSize(segment.path, segment.compressed)) return false;
  }
  return true;
}

/**
 * Deletes a fully shipped process directory: its segments (and their summaries in the main
 * directory's index), then its cursor, index and lock, then the directory. Anything unexpected in
 * it is left alone (the directory then stays).
 */
function removeShippedDirectory(mainDirectory: string, directory: ProcessDirectory): void {
  for (const segment of listSegmentsSync(directory.path)) {
    unlinkSync(segment.path);
    const baseName = `${segmentFileName(segment.signal, segment.seq)}@${directory.name}`;
    rmSync(summaryFilePath(mainDirectory, baseName), { force: true });
  }
  for (const name of readdirSync(directory.path)) {
    if (name === 'cursor.json' || name === INDEX_DIRECTORY || name === LOCK_FILE_NAME) {
      rmSync(join(directory.path, name), { recursive: true, force: true });
    }
  }
  try {
    rmdirSync(directory.path);
  } catch (error) {
    diag.warn(`swarmtrail journal: ${directory.path} is shipped but could not be removed: ${describeError(error)}`);
  }
}
