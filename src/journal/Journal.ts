/**
 * The local write-ahead journal: spans, log records and metrics appended as OTLP/JSON export
 * requests, one per line, to per-signal segment files that rotate by size and age; closed segments
 * are gzip-compressed; a disk cap with a policy; crash recovery at start; and, with an endpoint,
 * a {@link JournalShipper} that replays the journal to an OTLP/HTTP collector.
 *
 * Appends never throw and never block: they queue in memory and are written in batches by a
 * background flush (see {@link JournalDurability} for when data reaches the disk).
 */
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { join, resolve } from 'node:path';
import { diag, metrics } from '@opentelemetry/api';
import type { Counter, Meter } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  ATTR_SWARMTRAIL_JOURNAL_DROP_REASON,
  ATTR_SWARMTRAIL_SIGNAL,
  METRIC_SWARMTRAIL_JOURNAL_RECORDS_DROPPED,
  METRIC_SWARMTRAIL_JOURNAL_SIZE,
} from '../semconv.js';
import { describeError } from './errors.js';
import { buildRequestJson, encodeLogRecord, encodeResourceMetrics, encodeSpan } from './otlpJson.js';
import type { SerializedRecord } from './otlpJson.js';
import { highestSeqs, recoverJournalDirectory } from './recovery.js';
import type { JournalRecoveryReport } from './recovery.js';
import { JOURNAL_SIGNALS, listSegmentsSync, segmentFileName, summaryFilePath, syncDirectory, syncDirectorySync } from './segments.js';
import type { JournalSignal, SegmentFile } from './segments.js';
import { JournalShipper } from './JournalShipper.js';
import { acquireLock, lockProcessDirectory, releaseLock } from './lock.js';
import { ProcessDirectoryAdopter } from './ProcessDirectoryAdopter.js';
import type { JournalShipperOptions } from './JournalShipper.js';
import { SegmentIndexer } from './SegmentIndexer.js';

/**
 * When appended data is fsynced:
 * - `batch`: records are written in batches (every `flushIntervalMillis` or `maxBatchRecords`
 *   records, whichever comes first) and each batch is fsynced before it counts as durable.
 * - `record`: every record is written as its own line and fsynced on its own, immediately.
 * - `none`: batches are written but never fsynced; the operating system decides.
 */
export type JournalDurability = 'batch' | 'record' | 'none';

/** What happens when writing would take the journal over `maxBytes` and nothing shipped can be deleted. */
export type JournalDiskCapPolicy = 'block' | 'drop';

/** Options of the local journal. */
export interface JournalOptions {
  /** Directory of the segments. Default `./.swarmtrail/journal` (resolved against the working directory). */
  readonly directory?: string;
  /** Default `'batch'`. */
  readonly durability?: JournalDurability;
  /** Longest time a record waits in memory before its batch is written, in ms. Default 200. */
  readonly flushIntervalMillis?: number;
  /** Most records per line (export request); a full batch is written at once. Default 512. */
  readonly maxBatchRecords?: number;
  /** Most records waiting in memory; beyond it new records are dropped (counted, `queue_full`). Default 100000. */
  readonly maxQueueRecords?: number;
  /** A segment is closed once it reaches this size, in bytes. Default 16 MiB. */
  readonly maxSegmentBytes?: number;
  /** A segment is closed at the first write after it is this old, in ms. Default 1 hour. */
  readonly maxSegmentAgeMillis?: number;
  /** Gzip closed segments to `.jsonl.gz`. Default true. */
  readonly compressClosedSegments?: boolean;
  /** Disk cap for all segments, in bytes. Default 1 GiB. */
  readonly maxBytes?: number;
  /**
   * At the cap, after deleting shipped segments: `block` (default) holds writes back for up to
   * `blockTimeoutMillis` waiting for the shipper to free space, then writes anyway (the cap is
   * exceeded, loudly: the audit trail wins over the cap); `drop` drops the batch (loud diag +
   * `swarmtrail.journal.records.dropped{reason=disk_cap}`).
   */
  readonly diskCapPolicy?: JournalDiskCapPolicy;
  /** How long `block` holds writes back, in ms. Default 5000. */
  readonly blockTimeoutMillis?: number;
  /**
   * How often the process holding the directory's lock looks for process directories
   * (`<dir>/process-<pid>/`, written by processes that found the directory locked) whose process
   * is gone, to ship (with `export`) and remove them, in ms. Default 30000.
   */
  readonly orphanCheckIntervalMillis?: number;
  /**
   * Keep the CLI's summary index (`<dir>/.index/`) up to date: each segment the writer closes (and
   * compresses), and at shutdown each open one, is summarised in a low-priority worker thread, so
   * `swarmtrail` queries read summaries instead of segments. The index is a cache: a summary that
   * could not be written, or does not match its segment, is rebuilt by the CLI. Default true.
   */
  readonly summaryIndex?: boolean;
  /** Meter for the self-metrics. Default the global meter `swarmtrail.journal`. */
  readonly meter?: Meter;
  /**
   * Ship the journal to an OTLP/HTTP endpoint (the journal becomes a spool). Default none: the
   * journal is the destination.
   */
  readonly export?: Omit<JournalShipperOptions, 'directory' | 'meter'>;
}

/** Default journal directory, relative to the working directory. */
export const DEFAULT_JOURNAL_DIRECTORY = './.swarmtrail/journal';
/** How long `shutdown()` waits for the summaries of the last closed segments. */
const INDEX_SHUTDOWN_WAIT_MILLIS = 10_000;

type Pending =
  | { readonly signal: 'traces' | 'logs'; readonly record: SerializedRecord }
  | { readonly signal: 'metrics'; readonly request: object };

interface SignalState {
  readonly signal: JournalSignal;
  queue: Pending[];
  handle: FileHandle | undefined;
  seq: number;
  size: number;
  openedAt: number;
  writeFailures: number;
  /** The last segment of an earlier process, continued instead of starting a new file. */
  resume: { readonly seq: number; readonly size: number; readonly openedAt: number } | undefined;
  /**
   * The lines of the write in progress and how many of them are committed: what {@link Journal.flushSync}
   * must still write when the process ends in the middle of it.
   */
  inFlight: { readonly lines: readonly string[]; committed: number } | undefined;
}

/** Position up to which a segment's content is written (and fsynced, per mode). */
export interface CommittedSegment {
  readonly seq: number;
  readonly size: number;
}

export type CommitListener = (signal: JournalSignal, records: number) => void;

function positive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) {
    throw new Error(`swarmtrail journal: option ${name} must be a positive number, got ${String(value)}`);
  }
  return result;
}

/** The journal: owns the directory, the writer and (with `export`) the shipper. */
export class Journal {
  /** Absolute directory the segments are written to. */
  readonly directory: string;
  readonly durability: JournalDurability;
  /** What start-up recovery repaired. */
  readonly recovery: JournalRecoveryReport;
  /** The shipper, when `export` was given. */
  readonly shipper: JournalShipper | undefined;
  /** Summarises closed segments for the CLI (option `summaryIndex`). */
  private readonly indexer: SegmentIndexer | undefined;
  /** Adopts the directories of processes that journaled beside this one and are gone (main directory only). */
  private readonly adopter: ProcessDirectoryAdopter | undefined;

  private readonly flushIntervalMillis: number;
  private readonly maxBatchRecords: number;
  private readonly maxQueueRecords: number;
  private readonly maxSegmentBytes: number;
  private readonly maxSegmentAgeMillis: number;
  private readonly compressClosedSegments: boolean;
  private readonly maxBytes: number;
  private readonly diskCapPolicy: JournalDiskCapPolicy;
  private readonly blockTimeoutMillis: number;
  private readonly orphanCheckIntervalMillis: number;

  private readonly states: Record<JournalSignal, SignalState>;
  private readonly fileSizes = new Map<string, number>();
  private readonly commitListeners = new Set<CommitListener>();
  private readonly droppedCounter: Counter;
  private readonly failure: unknown;
  private queuedRecords = 0;
  private totalBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private pendingFlush: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private compression: Promise<void> = Promise.resolve();
  private overCapSince: number | undefined;
  private closed = false;
  private shutdownPromise: Promise<void> | undefined;
  private readonly warnedReasons = new Set<string>();
  private warnedIndex = false;
  private unsummarizedScan: Promise<void> = Promise.resolve();

  constructor(options: JournalOptions = {}) {
    this.durability = options.durability ?? 'batch';
    if (!['batch', 'record', 'none'].includes(this.durability)) {
      throw new Error(`swarmtrail journal: option durability must be 'batch', 'record' or 'none', got '${String(options.durability)}'`);
    }
    this.diskCapPolicy = options.diskCapPolicy ?? 'block';
    if (!['block', 'drop'].includes(this.diskCapPolicy)) {
      throw new Error(`swarmtrail journal: option diskCapPolicy must be 'block' or 'drop', got '${String(options.diskCapPolicy)}'`);
    }
    this.flushIntervalMillis = positive('flushIntervalMillis', options.flushIntervalMillis, 200);
    this.maxBatchRecords = positive('maxBatchRecords', options.maxBatchRecords, 512);
    this.maxQueueRecords = positive('maxQueueRecords', options.maxQueueRecords, 100_000);
    this.maxSegmentBytes = positive('maxSegmentBytes', options.maxSegmentBytes, 16 * 1024 * 1024);
    this.maxSegmentAgeMillis = positive('maxSegmentAgeMillis', options.maxSegmentAgeMillis, 60 * 60 * 1000);
    this.compressClosedSegments = options.compressClosedSegments ?? true;
    this.maxBytes = positive('maxBytes', options.maxBytes, 1024 * 1024 * 1024);
    this.blockTimeoutMillis = positive('blockTimeoutMillis', options.blockTimeoutMillis, 5000);
    this.orphanCheckIntervalMillis = positive('orphanCheckIntervalMillis', options.orphanCheckIntervalMillis, 30_000);

    const meter = options.meter ?? metrics.getMeter('swarmtrail.journal');
    this.droppedCounter = meter.createCounter(METRIC_SWARMTRAIL_JOURNAL_RECORDS_DROPPED, {
      unit: '{record}',
      description: 'Records the journal dropped (disk cap under policy drop, full queue, write errors, torn lines).',
    });
    meter
      .createObservableGauge(METRIC_SWARMTRAIL_JOURNAL_SIZE, { unit: 'By', description: 'Bytes of journal segments on disk.' })
      .addCallback((result) => result.observe(this.totalBytes));

    const empty = (signal: JournalSignal): SignalState => ({
      signal,
      queue: [],
      handle: undefined,
      seq: 0,
      size: 0,
      openedAt: 0,
      writeFailures: 0,
      resume: undefined,
      inFlight: undefined,
    });
    this.states = { traces: empty('traces'), logs: empty('logs'), metrics: empty('metrics') };

    let directory = resolve(options.directory ?? DEFAULT_JOURNAL_DIRECTORY);
    let recovery: JournalRecoveryReport = { tornLines: 0, truncatedBytes: 0, repairedSegments: [] };
    let failure: unknown;
    let isMain = false;
    try {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      isMain = acquireLock(directory);
      if (!isMain) {
        // Several processes sharing a journal is normal in a swarm: this one gets a directory of
        // its own inside it, read with the rest and adopted by the main process once this one is gone.
        const main = directory;
        directory = lockProcessDirectory(main);
        diag.info(`swarmtrail journal: ${main} is in use by another live process; this process journals to ${directory}`);
      }
      recovery = recoverJournalDirectory(directory);
      if (recovery.tornLines > 0) {
        diag.warn(
          `swarmtrail journal: recovery cut off ${recovery.tornLines} torn line(s) (${recovery.truncatedBytes} bytes) ` +
            `at the end of ${recovery.repairedSegments.join(', ')}; those batches were never reported durable`,
        );
        this.droppedCounter.add(recovery.tornLines, { [ATTR_SWARMTRAIL_JOURNAL_DROP_REASON]: 'torn_line' });
      }
      const highest = highestSeqs(directory);
      for (const signal of JOURNAL_SIGNALS) this.states[signal].seq = highest[signal];
      for (const segment of listSegmentsSync(directory)) {
        const stats = statSync(segment.path);
        this.fileSizes.set(segment.path, stats.size);
        this.totalBytes += stats.size;
        // Continue the last segment of a signal when it still has room and age left (short-lived
        // processes would otherwise leave one small file each).
        const openedAt = Math.min(stats.birthtimeMs || stats.mtimeMs, stats.mtimeMs);
        if (
          !segment.compressed &&
          segment.seq === highest[segment.signal] &&
          stats.size < this.maxSegmentBytes &&
          Date.now() - openedAt < this.maxSegmentAgeMillis
        ) {
          this.states[segment.signal].resume = { seq: segment.seq, size: stats.size, openedAt };
        }
      }
    } catch (error) {
      failure = error;
      diag.error(`swarmtrail journal: cannot open ${directory}; records will be dropped and counted: ${String(error)}`);
    }
    this.directory = directory;
    this.recovery = recovery;
    this.failure = failure;
    this.shipper =
      options.export !== undefined && failure === undefined
        ? new JournalShipper({ ...options.export, directory, meter }, this)
        : undefined;
    this.shipper?.start();
    this.adopter =
      isMain && failure === undefined
        ? new ProcessDirectoryAdopter({ directory, export: options.export, intervalMillis: this.orphanCheckIntervalMillis })
        : undefined;
    this.adopter?.start();
    this.indexer =
      // Only in the main directory: the CLI reads a process directory's summaries from the main
      // directory's index (under other names), and builds them itself.
      (options.summaryIndex ?? true) && failure === undefined && isMain
        ? new SegmentIndexer(directory, (message) => this.indexFailed(message))
        : undefined;
    // Segments left by earlier processes are closed: compress them in the background.
    if (failure === undefined && this.compressClosedSegments) {
      for (const segment of listSegmentsSync(directory)) {
        if (!segment.compressed && this.states[segment.signal].resume?.seq !== segment.seq) {
          this.scheduleCompression(segment.signal, segment.seq);
        }
      }
    }
    if (this.indexer !== undefined) this.unsummarizedScan = this.indexUnsummarizedSegments();
  }

  /**
   * Closed segments an earlier process left without a summary (it crashed first) are summarised
   * now, in the background. Only the summary file's existence is checked here; the worker checks
   * that a summary matches its segment only for segments it is asked about.
   */
  private async indexUnsummarizedSegments(): Promise<void> {
    try {
      for (const segment of listSegmentsSync(this.directory)) {
        const compressing = !segment.compressed && this.compressClosedSegments; // indexed once compressed
        if (compressing || this.states[segment.signal].resume?.seq === segment.seq) continue;
        const baseName = segmentFileName(segment.signal, segment.seq);
        try {
          await stat(summaryFilePath(this.directory, baseName));
        } catch {
          this.indexer?.request(segmentFileName(segment.signal, segment.seq, segment.compressed), true);
        }
      }
    } catch (error) {
      this.indexFailed(`cannot look for unsummarised segments: ${describeError(error)}`);
    }
  }

  /** Appends an ended span. Never throws. */
  appendSpan(span: ReadableSpan): void {
    let json: string;
    try {
      // Serialised right away so the span object dies young (measurably less GC than holding it).
      json = JSON.stringify(encodeSpan(span));
    } catch (error) {
      this.drop('traces', 1, 'encode_error', error);
      return;
    }
    this.enqueue(this.states.traces, {
      signal: 'traces',
      record: { resource: span.resource, scope: span.instrumentationScope, json },
    });
  }

  /** Appends a snapshot of a log record (later changes to the record are not journaled). Never throws. */
  appendLogRecord(record: ReadableLogRecord): void {
    let encoded: string;
    try {
      // Serialised right away: a snapshot, and one short-lived string instead of a tree kept in memory.
      encoded = JSON.stringify(encodeLogRecord(record));
    } catch (error) {
      this.drop('logs', 1, 'encode_error', error);
      return;
    }
    this.enqueue(this.states.logs, {
      signal: 'logs',
      record: { resource: record.resource, scope: record.instrumentationScope, json: encoded },
    });
  }

  /** Appends one metrics collection as its own export request. Never throws. */
  appendMetrics(resourceMetrics: ResourceMetrics): void {
    let request: object;
    try {
      request = { resourceMetrics: [encodeResourceMetrics(resourceMetrics)] };
    } catch (error) {
      this.drop('metrics', 1, 'encode_error', error);
      return;
    }
    this.enqueue(this.states.metrics, { signal: 'metrics', request });
  }

  /**
   * Resolves once everything appended before the call is written (and fsynced, per the
   * durability mode). Never rejects.
   */
  flush(): Promise<void> {
    if (this.pendingFlush !== undefined) return this.pendingFlush;
    const next = this.chain.then(async () => {
      this.pendingFlush = undefined;
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      await this.writeQueued();
    }).catch((error: unknown) => diag.error(`swarmtrail journal: flush failed: ${describeError(error)}`));
    this.pendingFlush = next;
    this.chain = next;
    return next;
  }

  /**
   * Same as {@link flush}: pending records are written (durable per the mode). Shipping goes on in
   * the background; {@link shutdown} waits for it.
   */
  async forceFlush(): Promise<void> {
    await this.flush();
  }

  /**
   * For the end of the process (`process.on('exit')`, where nothing asynchronous runs any more):
   * writes synchronously, per the durability mode, everything handed to the journal that is not
   * on disk yet — the queue and the uncommitted lines of a write in progress — to the segment being
   * written (or a new one). Lines of the write in progress are written again at the offset that
   * write started from, byte for byte the same. A segment this process resumed is open in append
   * mode, so if that asynchronous write still lands afterwards its lines can appear twice: readers
   * remove such duplicates by record id (`audit.event.id`, `swarmtrail.record.id`, span ids).
   * After this the journal takes no more records (they are dropped and counted). Never throws.
   */
  flushSync(): void {
    if (this.failure !== undefined) return;
    this.closed = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const signal of JOURNAL_SIGNALS) {
      const state = this.states[signal];
      try {
        this.flushSignalSync(state);
      } catch (error) {
        try {
          diag.error(`swarmtrail journal: writing ${signal} at process exit failed: ${describeError(error)}`);
        } catch {
          // nothing left to tell
        }
      }
    }
  }

  /**
   * Flushes, waits for the shipper to catch up (bounded by its `shutdownTimeoutMillis`), finishes
   * compression, closes the files and releases the directory lock. Idempotent; never rejects.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      await this.flush();
      this.closed = true;
      if (this.timer !== undefined) clearTimeout(this.timer);
      await this.adopter?.shutdown();
      if (this.shipper !== undefined) await this.shipper.shutdown();
      for (const state of Object.values(this.states)) {
        if (state.handle === undefined) continue;
        await state.handle.close().catch(() => undefined);
        state.handle = undefined;
        // The open segment stays plain for the next process to continue; index it as it is now.
        this.indexer?.request(segmentFileName(state.signal, state.seq));
      }
      await this.compression;
      await this.unsummarizedScan;
      await this.indexer?.close(INDEX_SHUTDOWN_WAIT_MILLIS);
      if (this.failure === undefined) releaseLock(this.directory);
    })().catch((error: unknown) => diag.error(`swarmtrail journal: shutdown failed: ${String(error)}`));
    return this.shutdownPromise;
  }

  /** Bytes of segment files on disk. */
  get sizeBytes(): number {
    return this.totalBytes;
  }

  /** The segment being written for `signal` and how much of it is committed; undefined if none. */
  activeSegment(signal: JournalSignal): CommittedSegment | undefined {
    const state = this.states[signal];
    return state.handle === undefined ? undefined : { seq: state.seq, size: state.size };
  }

  /** Calls `listener` after each committed write (the shipper's wake-up). Returns an unsubscribe function. */
  onCommit(listener: CommitListener): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  private enqueue(state: SignalState, item: Pending): void {
    if (this.closed || this.failure !== undefined) {
      this.drop(state.signal, 1, 'closed', this.failure);
      return;
    }
    if (this.queuedRecords >= this.maxQueueRecords) {
      this.drop(state.signal, 1, 'queue_full');
      return;
    }
    state.queue.push(item);
    this.queuedRecords++;
    if (this.durability === 'record' || state.queue.length >= this.maxBatchRecords) {
      void this.flush();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.flushIntervalMillis);
      this.timer.unref();
    }
  }

  private flushSignalSync(state: SignalState): void {
    const inFlight = state.inFlight;
    state.inFlight = undefined;
    const queued = state.queue;
    state.queue = [];
    this.queuedRecords -= queued.length;
    const lines = (inFlight === undefined ? [] : inFlight.lines.slice(inFlight.committed)).concat(this.encodeLines(state, queued));
    if (lines.length === 0) return;
    const buffer = Buffer.from(lines.join(''), 'utf8');
    // Where the next line goes: after the committed part of the segment being written (a write in
    // progress started there), else at the end of the segment to be continued, else in a new one.
    let seq = state.handle !== undefined ? state.seq : state.resume?.seq;
    let fd: number | undefined;
    let position = 0;
    if (seq !== undefined) {
      fd = openSync(join(this.directory, segmentFileName(state.signal, seq)), 'r+');
      const size = fstatSync(fd).size;
      position = state.handle !== undefined ? Math.min(state.size, size) : size;
    } else {
      seq = Math.max(state.seq, highestSeqs(this.directory)[state.signal]) + 1;
      try {
        fd = openSync(join(this.directory, segmentFileName(state.signal, seq)), 'wx', 0o600);
      } catch (error) {
        // Created a moment ago by a rotation still in progress: it is empty, use it.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        fd = openSync(join(this.directory, segmentFileName(state.signal, seq)), 'r+');
        position = fstatSync(fd).size;
      }
      if (this.durability !== 'none') syncDirectorySync(this.directory);
    }
    try {
      let written = 0;
      while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written, position + written);
      // Anything after it is a failed write's remains, never committed.
      ftruncateSync(fd, position + buffer.length);
      if (this.durability !== 'none') fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private drop(signal: JournalSignal, count: number, reason: string, cause?: unknown): void {
    this.droppedCounter.add(count, { [ATTR_SWARMTRAIL_JOURNAL_DROP_REASON]: reason, [ATTR_SWARMTRAIL_SIGNAL]: signal });
    const key = `${signal}:${reason}`;
    if (!this.warnedReasons.has(key)) {
      this.warnedReasons.add(key);
      diag.error(
        `swarmtrail journal: dropped ${count} ${signal} record(s) (${reason})${cause === undefined ? '' : `: ${describeError(cause)}`}; ` +
          'further drops for this reason are only counted in swarmtrail.journal.records.dropped',
      );
    }
  }

  private encodeLines(state: SignalState, items: Pending[]): string[] {
    const perLine = this.durability === 'record' ? 1 : this.maxBatchRecords;
    const lines: string[] = [];
    for (let start = 0; start < items.length; start += perLine) {
      const chunk = items.slice(start, start + perLine);
      try {
        let line: string;
        if (state.signal !== 'metrics') {
          line = buildRequestJson(state.signal, chunk.map((item) => (item as { record: SerializedRecord }).record));
        } else {
          line = JSON.stringify({
            resourceMetrics: chunk.flatMap((item) => (item as { request: { resourceMetrics: object[] } }).request.resourceMetrics),
          });
        }
        lines.push(`${line}\n`);
      } catch (error) {
        this.drop(state.signal, chunk.length, 'encode_error', error);
      }
    }
    return lines;
  }

  private async writeQueued(): Promise<void> {
    for (const signal of JOURNAL_SIGNALS) {
      const state = this.states[signal];
      if (state.queue.length === 0) continue;
      const items = state.queue;
      state.queue = [];
      this.queuedRecords -= items.length;
      try {
        await this.writeItems(state, items);
      } catch (error) {
        diag.error(`swarmtrail journal: unexpected error writing ${signal}: ${String(error)}`);
      } finally {
        state.inFlight = undefined;
      }
    }
  }

  private async writeItems(state: SignalState, items: Pending[]): Promise<void> {
    const lines = this.encodeLines(state, items);
    if (lines.length === 0) return;
    state.inFlight = { lines, committed: 0 };
    let bytes = 0;
    for (const line of lines) bytes += Buffer.byteLength(line);
    if (!(await this.makeRoom(bytes))) {
      this.drop(state.signal, items.length, 'disk_cap');
      return;
    }
    const perLine = this.durability === 'record' ? 1 : this.maxBatchRecords;
    try {
      let parts: string[] = [];
      let partsBytes = 0;
      let partsRecords = 0;
      let remaining = items.length;
      for (const line of lines) {
        const lineBytes = Buffer.byteLength(line);
        const lineRecords = Math.min(perLine, remaining);
        remaining -= lineRecords;
        if (this.needsRotation(state, partsBytes + lineBytes) && parts.length > 0) {
          await this.writeOut(state, parts, partsBytes, partsRecords);
          parts = [];
          partsBytes = 0;
          partsRecords = 0;
        }
        while (this.needsRotation(state, partsBytes + lineBytes)) await this.rotate(state);
        parts.push(line);
        partsBytes += lineBytes;
        partsRecords += lineRecords;
        if (this.durability === 'record') {
          await this.writeOut(state, parts, partsBytes, partsRecords);
          parts = [];
          partsBytes = 0;
          partsRecords = 0;
        }
      }
      if (parts.length > 0) await this.writeOut(state, parts, partsBytes, partsRecords);
      state.writeFailures = 0;
    } catch (error) {
      state.writeFailures++;
      await this.abandonSegment(state);
      if (state.writeFailures <= 3 && !this.closed) {
        diag.warn(`swarmtrail journal: write to ${state.signal} failed, retrying: ${String(error)}`);
        // Lines already committed before the failure may be written again: ids make that harmless.
        state.queue = items.concat(state.queue);
        this.queuedRecords += items.length;
        const retry = setTimeout(() => void this.flush(), 100 * state.writeFailures);
        retry.unref();
      } else {
        this.drop(state.signal, items.length, 'write_error', error);
      }
    }
  }

  private needsRotation(state: SignalState, additionalBytes: number): boolean {
    if (state.handle === undefined) return true;
    if (state.size === 0) return false;
    return state.size + additionalBytes > this.maxSegmentBytes || Date.now() - state.openedAt >= this.maxSegmentAgeMillis;
  }

  private async writeOut(state: SignalState, parts: string[], bytes: number, records: number): Promise<void> {
    const handle = state.handle!;
    const buffer = Buffer.from(parts.length === 1 ? parts[0] : parts.join(''), 'utf8');
    let written = 0;
    while (written < buffer.length) {
      const result = await handle.write(buffer, written, buffer.length - written);
      written += result.bytesWritten;
    }
    if (this.durability !== 'none') await handle.datasync();
    this.indexer?.noteActivity(Date.now());
    state.size += bytes;
    if (state.inFlight !== undefined) state.inFlight.committed += parts.length;
    this.totalBytes += bytes;
    const path = join(this.directory, segmentFileName(state.signal, state.seq));
    this.fileSizes.set(path, state.size);
    for (const listener of this.commitListeners) {
      try {
        listener(state.signal, records);
      } catch (error) {
        diag.error(`swarmtrail journal: commit listener failed: ${String(error)}`);
      }
    }
  }

  private async rotate(state: SignalState): Promise<void> {
    if (state.handle !== undefined) {
      const closedSeq = state.seq;
      await state.handle.close();
      state.handle = undefined;
      this.closeSegment(state.signal, closedSeq);
    }
    const resume = state.resume;
    state.resume = undefined;
    if (resume !== undefined) {
      const resumed = join(this.directory, segmentFileName(state.signal, resume.seq));
      try {
        state.handle = await open(resumed, 'a', 0o600);
        state.size = resume.size;
        state.openedAt = resume.openedAt;
        return;
      } catch (error) {
        diag.warn(`swarmtrail journal: cannot continue ${resumed}, starting a new segment: ${describeError(error)}`);
      }
    }
    state.seq++;
    const path = join(this.directory, segmentFileName(state.signal, state.seq));
    state.handle = await open(path, 'wx', 0o600);
    await syncDirectory(this.directory);
    state.size = 0;
    state.openedAt = Date.now();
    this.fileSizes.set(path, 0);
  }

  /** After a failed write: cut the segment back to what was committed and start a new one next time. */
  private async abandonSegment(state: SignalState): Promise<void> {
    const handle = state.handle;
    if (handle === undefined) return;
    state.handle = undefined;
    await handle.truncate(state.size).catch(() => undefined);
    await handle.close().catch(() => undefined);
    this.closeSegment(state.signal, state.seq);
  }

  /** A segment is closed: compress it (per the options), then have it summarised for the CLI. */
  private closeSegment(signal: JournalSignal, seq: number): void {
    if (this.compressClosedSegments) this.scheduleCompression(signal, seq);
    else this.indexer?.request(segmentFileName(signal, seq));
  }

  private scheduleCompression(signal: JournalSignal, seq: number): void {
    this.compression = this.compression.then(async () => {
      let compressed = false;
      try {
        compressed = await this.compress(signal, seq);
      } catch (error) {
        diag.warn(`swarmtrail journal: compressing ${signal}-${seq} failed, keeping it uncompressed: ${String(error)}`);
      }
      // Summarised under its final name, so the summary's key (name, size, mtime) stays valid.
      this.indexer?.request(segmentFileName(signal, seq, compressed));
    });
  }

  private indexFailed(message: string): void {
    const text = `swarmtrail journal: summary index: ${message} (the CLI builds what is missing when it needs it)`;
    if (this.warnedIndex) {
      diag.debug(text);
    } else {
      this.warnedIndex = true;
      diag.warn(`${text}; further index failures are logged at debug level`);
    }
  }

  /** Gzips a closed segment; false when there was nothing to compress. */
  private async compress(signal: JournalSignal, seq: number): Promise<boolean> {
    const source = join(this.directory, segmentFileName(signal, seq));
    const target = join(this.directory, segmentFileName(signal, seq, true));
    const temporary = `${target}.tmp`;
    if (!this.fileSizes.has(source)) return false;
    await pipeline(createReadStream(source), createGzip({ level: 6 }), createWriteStream(temporary, { mode: 0o600 }));
    const handle = await open(temporary, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
    await syncDirectory(this.directory);
    const compressedSize = (await stat(target)).size;
    await unlink(source);
    this.totalBytes += compressedSize - (this.fileSizes.get(source) ?? 0);
    this.fileSizes.delete(source);
    this.fileSizes.set(target, compressedSize);
    return true;
  }

  /**
   * Makes room for `bytes` more: deletes shipped segments oldest first, then applies the policy.
   * Returns false when the batch must be dropped.
   */
  private async makeRoom(bytes: number): Promise<boolean> {
    if (this.totalBytes + bytes <= this.maxBytes) {
      this.overCapSince = undefined;
      return true;
    }
    await this.deleteShippedSegments(bytes);
    if (this.totalBytes + bytes <= this.maxBytes) return true;
    if (this.diskCapPolicy === 'drop') return false;
    if (this.overCapSince !== undefined) return true; // already waited in this episode: keep writing.
    const deadline = Date.now() + this.blockTimeoutMillis;
    while (Date.now() < deadline && !this.closed) {
      await new Promise((done) => setTimeout(done, Math.min(100, this.blockTimeoutMillis)));
      await this.deleteShippedSegments(bytes);
      if (this.totalBytes + bytes <= this.maxBytes) return true;
    }
    this.overCapSince = Date.now();
    diag.error(
      `swarmtrail journal: ${this.directory} is at its cap (${this.totalBytes} of ${this.maxBytes} bytes) and nothing ` +
        `shipped can be deleted; policy 'block' waited ${this.blockTimeoutMillis} ms and now writes past the cap ` +
        'to keep the audit trail (set diskCapPolicy: "drop" to drop instead, or free space)',
    );
    return true;
  }

  private async deleteShippedSegments(bytes: number): Promise<void> {
    if (this.shipper === undefined) return;
    const candidates: SegmentFile[] = listSegmentsSync(this.directory).filter(
      (segment) => segment.seq !== this.states[segment.signal].seq && this.shipper!.isShipped(segment.signal, segment.seq),
    );
    candidates.sort((a, b) => a.seq - b.seq);
    for (const segment of candidates) {
      if (this.totalBytes + bytes <= this.maxBytes) return;
      try {
        await unlink(segment.path);
        this.totalBytes -= this.fileSizes.get(segment.path) ?? 0;
        this.fileSizes.delete(segment.path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          diag.warn(`swarmtrail journal: cannot delete shipped segment ${segment.path}: ${String(error)}`);
        }
      }
    }
  }
}
