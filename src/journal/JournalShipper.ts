/**
 * Ships the journal to an OTLP/HTTP endpoint: reads the lines after the persisted cursor, POSTs
 * them (protobuf by default, or JSON) and advances `cursor.json` only after a 2xx.
 *
 * - Network errors, timeouts, 408, 429 and 5xx: retried for as long as it takes, with capped
 *   exponential backoff and jitter; a `Retry-After` header (up to 5 minutes) is a floor for the delay.
 * - 401, 403 and 404 are retried the same way: they say the credentials or the URL are wrong (an
 *   expired token, a collector being redeployed), which an operator fixes; dead-lettering would
 *   throw away everything sent meanwhile. Each attempt counts in
 *   `swarmtrail.journal.export.failures` and the first (and every 20th) is a `diag.warn`.
 * - Any other 4xx: the collector rejected the data for good. Retrying would block the journal
 *   forever, dropping would lose audit data, so the shipper reports it loudly (diag.error and
 *   `swarmtrail.journal.export.failures`), records a dead-letter note in the cursor (signal,
 *   segment, byte range, status, reason) and moves on. The lines stay in their segment, which is
 *   never deleted by the disk cap, so they can be inspected and replayed.
 * - A 2xx with `partial_success` (JSON or protobuf) naming rejected records: the rest was
 *   accepted, so the cursor advances, and the rejected count is noted as a dead letter of that
 *   range (the segment is then never counted as shipped) and counted as a failure.
 * - `cursor.json` is written as soon as the shipper starts (naming the endpoint), so the journal
 *   is known to be a spool even before anything was acknowledged.
 *
 * Delivery is at-least-once: a crash between the collector's acknowledgement and the cursor write
 * re-sends that batch. Spans are identified by trace id + span id, audit records by
 * `audit.event.id`, other log records by `swarmtrail.record.id`.
 */
import { open, readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { context, diag, metrics } from '@opentelemetry/api';
import type { Counter, Meter } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import {
  ATTR_SWARMTRAIL_SIGNAL,
  METRIC_SWARMTRAIL_JOURNAL_BACKLOG,
  METRIC_SWARMTRAIL_JOURNAL_EXPORT_FAILURES,
  METRIC_SWARMTRAIL_JOURNAL_OLDEST_UNSHIPPED_AGE,
} from '../semconv.js';
import { describeError } from './errors.js';
import { MAX_DEAD_LETTER_NOTES, readCursor, writeCursor, writeCursorSync } from './cursor.js';
import type { DeadLetterNote, DeadLetterSegment, JournalCursorState, SignalPosition } from './cursor.js';
import { REQUEST_FIELDS, countRecords } from './otlpJson.js';
import { decodeExportPartialSuccess, encodeRequestAsProtobuf } from './otlpProtobuf.js';
import type { ExportPartialSuccess } from './otlpProtobuf.js';
import { JOURNAL_SIGNALS, listSegments, listSegmentsSync } from './segments.js';
import type { JournalSignal, SegmentFile } from './segments.js';

/** Options of the shipper. */
export interface JournalShipperOptions {
  /** Journal directory. Default `./.swarmtrail/journal`. */
  readonly directory?: string;
  /** OTLP/HTTP base URL, e.g. `http://localhost:4318`; `/v1/traces`, `/v1/logs`, `/v1/metrics` are appended. */
  readonly endpoint: string;
  /** Full URL for traces, overriding endpoint + `/v1/traces`. Default none. */
  readonly tracesEndpoint?: string;
  /** Full URL for logs, overriding endpoint + `/v1/logs`. Default none. */
  readonly logsEndpoint?: string;
  /** Full URL for metrics, overriding endpoint + `/v1/metrics`. Default none. */
  readonly metricsEndpoint?: string;
  /** Default `'http/protobuf'`. */
  readonly protocol?: 'http/protobuf' | 'http/json';
  /** Extra HTTP headers (e.g. authorization). Default none. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-signal protocol (`OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL`), over `protocol`. Default none. */
  readonly signalProtocols?: Readonly<Partial<Record<JournalSignal, 'http/protobuf' | 'http/json'>>>;
  /** Per-signal headers (`OTEL_EXPORTER_OTLP_<SIGNAL>_HEADERS`), replacing `headers` for that signal. Default none. */
  readonly signalHeaders?: Readonly<Partial<Record<JournalSignal, Readonly<Record<string, string>>>>>;
  /** Timeout of one HTTP request, in ms. Default 10000. */
  readonly timeoutMillis?: number;
  /** First retry delay, in ms. Default 500. */
  readonly initialBackoffMillis?: number;
  /** Longest retry delay, in ms. Default 30000. */
  readonly maxBackoffMillis?: number;
  /** Lines are merged into one request up to this many bytes of JSON. Default 4 MiB. */
  readonly maxRequestBytes?: number;
  /** How often to look for new segments when idle, in ms (a live journal also wakes the shipper). Default 1000. */
  readonly pollIntervalMillis?: number;
  /** How long shutdown waits for the backlog to drain, in ms. Default 5000. */
  readonly shutdownTimeoutMillis?: number;
  /** Signals to ship. Default all three. */
  readonly signals?: readonly JournalSignal[];
  /** Meter for the self-metrics. Default the global meter `swarmtrail.journal`. */
  readonly meter?: Meter;
}

/** What the shipper needs from a live journal in the same process (see `Journal`). */
export interface LiveJournal {
  activeSegment(signal: JournalSignal): { readonly seq: number; readonly size: number } | undefined;
  onCommit(listener: (signal: JournalSignal, records: number) => void): () => void;
}

/** Result of {@link JournalShipper.shipOnce}. */
export interface ShipResult {
  /** Records acknowledged by the collector. */
  readonly recordsShipped: number;
  /** Requests acknowledged by the collector. */
  readonly requests: number;
  /** Records rejected for good (dead-lettered, including those a partial success rejected). */
  readonly recordsDeadLettered: number;
  /** False when the deadline passed before everything was shipped. */
  readonly complete: boolean;
}

interface Batch {
  readonly segment: number;
  readonly offset: number;
  readonly endOffsets: readonly number[];
  readonly lines: readonly Buffer[];
}

const PATHS: Record<JournalSignal, string> = { traces: '/v1/traces', logs: '/v1/logs', metrics: '/v1/metrics' };
const MAX_RETRY_AFTER_MILLIS = 5 * 60 * 1000;

function positive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) {
    throw new Error(`swarmtrail journal shipper: option ${name} must be a positive number, got ${String(value)}`);
  }
  return result;
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds; undefined when absent or invalid. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.min(seconds * 1000, MAX_RETRY_AFTER_MILLIS));
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.min(date - now, MAX_RETRY_AFTER_MILLIS));
}

/**
 * Whether an HTTP status means "try again later". 401, 403 and 404 are included: wrong credentials
 * or a wrong URL are fixed by an operator, not by dropping the data.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 404 || status === 408 || status === 429 || status >= 500;
}

const PARTIAL_SUCCESS_FIELDS: Record<JournalSignal, string> = {
  traces: 'rejectedSpans',
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
};

/** `partialSuccess` of an OTLP/JSON export response; undefined when absent or not JSON. */
export function parseJsonPartialSuccess(signal: JournalSignal, text: string): ExportPartialSuccess | undefined {
  let answer: { partialSuccess?: Record<string, unknown> };
  try {
    answer = JSON.parse(text) as { partialSuccess?: Record<string, unknown> };
  } catch {
    return undefined; // An unparsable 2xx body is still an acknowledgement.
  }
  const partial = answer?.partialSuccess;
  if (partial === undefined || partial === null || typeof partial !== 'object') return undefined;
  const rejected = Number(partial[PARTIAL_SUCCESS_FIELDS[signal]] ?? 0);
  return {
    rejected: Number.isFinite(rejected) ? rejected : 0,
    errorMessage: typeof partial.errorMessage === 'string' ? partial.errorMessage : '',
  };
}

/** The endpoint as recorded in cursor.json: no user info, query or fragment (they may hold secrets). */
function describeEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`.replace(/\/+$/, '');
  } catch {
    return '(invalid URL)';
  }
}

type PostOutcome =
  | { ok: true; status: number; partial?: ExportPartialSuccess }
  | { ok: false; retryable: boolean; status: number; reason: string; retryAfterMillis?: number };

function nanosToMillis(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const millis = Number(BigInt(value) / 1_000_000n);
  return millis > 0 ? millis : undefined;
}

/** Earliest record time in a parsed export request, in ms since the epoch. */
function oldestRecordMillis(signal: JournalSignal, request: Record<string, unknown>): number | undefined {
  const fields = REQUEST_FIELDS[signal];
  let oldest: number | undefined;
  const consider = (value: unknown): void => {
    const millis = nanosToMillis(value);
    if (millis !== undefined && (oldest === undefined || millis < oldest)) oldest = millis;
  };
  for (const resource of (request[fields.resource] as Record<string, unknown>[] | undefined) ?? []) {
    for (const scope of (resource[fields.scope] as Record<string, unknown>[] | undefined) ?? []) {
      for (const record of (scope[fields.records] as Record<string, unknown>[] | undefined) ?? []) {
        if (signal === 'traces') consider(record.endTimeUnixNano);
        else if (signal === 'logs') consider(record.observedTimeUnixNano ?? record.timeUnixNano);
        else {
          const data = (record.sum ?? record.gauge ?? record.histogram ?? record.exponentialHistogram ?? record.summary) as
            | { dataPoints?: { timeUnixNano?: string }[] }
            | undefined;
          for (const point of data?.dataPoints ?? []) consider(point.timeUnixNano);
        }
      }
    }
  }
  return oldest;
}

/** Splits `data` into complete lines; returns them with the offset after each. */
function splitLines(data: Buffer, baseOffset: number): { lines: Buffer[]; endOffsets: number[] } {
  const lines: Buffer[] = [];
  const endOffsets: number[] = [];
  let start = 0;
  for (;;) {
    const index = data.indexOf(0x0a, start);
    if (index < 0) break;
    if (index > start) {
      lines.push(data.subarray(start, index));
      endOffsets.push(baseOffset + index + 1);
    } else {
      endOffsets.push(baseOffset + index + 1); // an empty line: nothing to send, but move past it.
      lines.push(Buffer.alloc(0));
    }
    start = index + 1;
  }
  return { lines, endOffsets };
}

/** The shipper: one loop per signal, a shared persisted cursor. */
export class JournalShipper {
  readonly directory: string;
  private readonly urls: Record<JournalSignal, string>;
  private readonly protocol: 'http/protobuf' | 'http/json';
  private readonly headers: Readonly<Record<string, string>>;
  private readonly signalProtocols: Partial<Record<JournalSignal, 'http/protobuf' | 'http/json'>>;
  private readonly signalHeaders: Partial<Record<JournalSignal, Readonly<Record<string, string>>>>;
  private readonly timeoutMillis: number;
  private readonly initialBackoffMillis: number;
  private readonly maxBackoffMillis: number;
  private readonly maxRequestBytes: number;
  private readonly pollIntervalMillis: number;
  private readonly shutdownTimeoutMillis: number;
  private readonly signals: readonly JournalSignal[];
  private readonly journal: LiveJournal | undefined;
  private readonly failuresCounter: Counter;

  private cursor: JournalCursorState;
  private readonly positions: Partial<Record<JournalSignal, SignalPosition>>;
  private deadLetters: DeadLetterNote[];
  /** Every segment with dead-lettered lines, by `signal-seq`: never counted as shipped. */
  private readonly deadLetterSegments = new Map<string, DeadLetterSegment>();
  private readonly endpointDescription: string;
  private spoolMarked = false;
  private cursorWrite: Promise<void> = Promise.resolve();
  private cursorDirty = false;
  private readonly backlog: Record<JournalSignal, number> = { traces: 0, logs: 0, metrics: 0 };
  private readonly oldest: Partial<Record<JournalSignal, number>> = {};
  private readonly idle: Record<JournalSignal, boolean> = { traces: true, logs: true, metrics: true };
  private readonly wakers = new Set<() => void>();
  private readonly abort = new AbortController();
  private stopped = false;
  private loops: Promise<void>[] = [];
  private unsubscribe: (() => void) | undefined;
  private gzipCache: { path: string; data: Buffer } | undefined;
  private failureStreak: Record<JournalSignal, number> = { traces: 0, logs: 0, metrics: 0 };
  private shutdownPromise: Promise<void> | undefined;
  private stats = { recordsShipped: 0, requests: 0, recordsDeadLettered: 0 };

  constructor(options: JournalShipperOptions, journal?: LiveJournal) {
    let base: URL;
    try {
      base = new URL(options.endpoint);
    } catch {
      throw new Error(`swarmtrail journal shipper: option endpoint must be a URL such as http://localhost:4318, got '${options.endpoint}'`);
    }
    const baseText = base.toString().replace(/\/+$/, '');
    this.endpointDescription = describeEndpoint(baseText);
    this.urls = {
      traces: options.tracesEndpoint ?? `${baseText}${PATHS.traces}`,
      logs: options.logsEndpoint ?? `${baseText}${PATHS.logs}`,
      metrics: options.metricsEndpoint ?? `${baseText}${PATHS.metrics}`,
    };
    this.protocol = options.protocol ?? 'http/protobuf';
    if (this.protocol !== 'http/protobuf' && this.protocol !== 'http/json') {
      throw new Error(`swarmtrail journal shipper: option protocol must be 'http/protobuf' or 'http/json', got '${String(options.protocol)}'`);
    }
    this.directory = options.directory ?? './.swarmtrail/journal';
    this.headers = { ...options.headers };
    this.signalProtocols = { ...options.signalProtocols };
    this.signalHeaders = { ...options.signalHeaders };
    this.timeoutMillis = positive('timeoutMillis', options.timeoutMillis, 10_000);
    this.initialBackoffMillis = positive('initialBackoffMillis', options.initialBackoffMillis, 500);
    this.maxBackoffMillis = positive('maxBackoffMillis', options.maxBackoffMillis, 30_000);
    this.maxRequestBytes = positive('maxRequestBytes', options.maxRequestBytes, 4 * 1024 * 1024);
    this.pollIntervalMillis = positive('pollIntervalMillis', options.pollIntervalMillis, 1000);
    this.shutdownTimeoutMillis = positive('shutdownTimeoutMillis', options.shutdownTimeoutMillis, 5000);
    this.signals = options.signals ?? JOURNAL_SIGNALS;
    this.journal = journal;

    this.cursor = readCursor(this.directory);
    this.positions = { ...this.cursor.signals };
    this.deadLetters = [...this.cursor.deadLetters];
    for (const entry of this.cursor.deadLetterSegments ?? []) this.deadLetterSegments.set(`${entry.signal}-${entry.segment}`, entry);

    const meter = options.meter ?? metrics.getMeter('swarmtrail.journal');
    this.failuresCounter = meter.createCounter(METRIC_SWARMTRAIL_JOURNAL_EXPORT_FAILURES, {
      unit: '{failure}',
      description: 'Export attempts from the journal that failed (retried or dead-lettered).',
    });
    meter
      .createObservableGauge(METRIC_SWARMTRAIL_JOURNAL_BACKLOG, {
        unit: '{record}',
        description: 'Records in the journal not yet acknowledged by the collector.',
      })
      .addCallback((result) => {
        for (const signal of this.signals) result.observe(this.backlog[signal], { [ATTR_SWARMTRAIL_SIGNAL]: signal });
      });
    meter
      .createObservableGauge(METRIC_SWARMTRAIL_JOURNAL_OLDEST_UNSHIPPED_AGE, {
        unit: 's',
        description: 'Age of the oldest record not yet acknowledged by the collector.',
      })
      .addCallback((result) => result.observe(this.oldestUnshippedAgeSeconds()));
  }

  /** Starts shipping in the background, following new data until {@link shutdown}. */
  start(): void {
    if (this.loops.length > 0 || this.stopped) return;
    this.markSpool();
    this.unsubscribe = this.journal?.onCommit((signal, records) => {
      this.backlog[signal] += records;
      this.oldest[signal] ??= Date.now();
      this.idle[signal] = false;
      this.wake();
    });
    const initialScan = this.scanBacklog().catch((error: unknown) =>
      diag.warn(`swarmtrail journal shipper: cannot count the backlog: ${String(error)}`),
    );
    this.loops = this.signals.map((signal) => initialScan.then(() => this.follow(signal)));
  }

  /**
   * Ships what is in the journal now and returns (used by `swarmtrail ship`). Retries as the
   * background loop does, until `deadlineMillis` (default 60 s) passes.
   */
  async shipOnce(deadlineMillis = 60_000): Promise<ShipResult> {
    const deadline = Date.now() + deadlineMillis;
    this.markSpool();
    const timer = setTimeout(() => this.stop(), deadlineMillis);
    timer.unref();
    let complete = true;
    try {
      for (const signal of this.signals) {
        while (!this.stopped) {
          const batch = await this.nextBatch(signal);
          if (batch === undefined) break;
          await this.send(signal, batch);
        }
        if (this.stopped && Date.now() >= deadline) complete = false;
      }
    } finally {
      clearTimeout(timer);
      await this.flushCursor();
    }
    return { ...this.stats, complete };
  }

  /**
   * True when segment `seq` of `signal` has been fully acknowledged and none of its lines was
   * dead-lettered (the disk cap deletes only such segments). Dead-lettered segments are tracked
   * per segment without a cap, so old rejections never make a segment look shipped.
   */
  isShipped(signal: JournalSignal, seq: number): boolean {
    const position = this.positions[signal];
    if (position === undefined || seq >= position.segment) return false;
    return !this.deadLetterSegments.has(`${signal}-${seq}`);
  }

  /** The newest persisted dead-letter notes (details; contiguous ranges merged, capped). */
  get deadLetterNotes(): readonly DeadLetterNote[] {
    return this.deadLetters;
  }

  /** Every segment holding dead-lettered lines (uncapped). */
  get deadLetteredSegments(): readonly DeadLetterSegment[] {
    return [...this.deadLetterSegments.values()];
  }

  /**
   * Writes cursor.json at once (synchronously, before anything is sent) when it does not name
   * this endpoint yet, so prune and a later process know the journal is a spool even when
   * nothing was acknowledged. Also forgets dead-letter entries of segments no longer on disk
   * (deleted with `prune --force`), which keeps that list bounded by the segments on disk.
   */
  private markSpool(): void {
    if (this.spoolMarked) return;
    this.spoolMarked = true;
    let changed = this.cursor.endpoint !== this.endpointDescription;
    try {
      if (this.deadLetterSegments.size > 0) {
        const present = new Set(listSegmentsSync(this.directory).map((segment) => `${segment.signal}-${segment.seq}`));
        for (const key of [...this.deadLetterSegments.keys()]) {
          if (present.has(key)) continue;
          this.deadLetterSegments.delete(key);
          changed = true;
        }
        const before = this.deadLetters.length;
        this.deadLetters = this.deadLetters.filter((note) => this.deadLetterSegments.has(`${note.signal}-${note.segment}`));
        changed ||= this.deadLetters.length !== before;
      }
      if (!changed) return;
      this.cursor = this.cursorState();
      writeCursorSync(this.directory, this.cursor);
    } catch (error) {
      diag.error(`swarmtrail journal shipper: cannot write ${this.directory}/cursor.json at start: ${String(error)}`);
    }
  }

  private cursorState(): JournalCursorState {
    return {
      version: 1,
      endpoint: this.endpointDescription,
      signals: { ...this.positions },
      deadLetters: [...this.deadLetters],
      deadLetterSegments: [...this.deadLetterSegments.values()],
      updatedAt: new Date().toISOString(),
    };
  }

  /** Records appended but not yet acknowledged, per signal. */
  get backlogRecords(): Readonly<Record<JournalSignal, number>> {
    return { ...this.backlog };
  }

  /** Waits (bounded) for the backlog to drain, then stops. Idempotent; never rejects. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      const deadline = Date.now() + this.shutdownTimeoutMillis;
      this.wake();
      while (Date.now() < deadline && this.loops.length > 0 && !this.signals.every((signal) => this.idle[signal])) {
        await new Promise((done) => setTimeout(done, 20));
      }
      if (!this.signals.every((signal) => this.idle[signal]) && this.loops.length > 0) {
        diag.warn(
          `swarmtrail journal shipper: shutting down with ${this.signals.reduce((sum, signal) => sum + this.backlog[signal], 0)} ` +
            'record(s) not yet acknowledged; they stay in the journal and are shipped on the next start',
        );
      }
      this.stop();
      await Promise.allSettled(this.loops);
      this.unsubscribe?.();
      await this.flushCursor();
    })().catch((error: unknown) => diag.error(`swarmtrail journal shipper: shutdown failed: ${String(error)}`));
    return this.shutdownPromise;
  }

  private stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.wake();
  }

  private wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const waker of wakers) waker();
  }

  /** Sleeps `millis` or until woken (new data, stop). */
  private sleep(millis: number): Promise<void> {
    return new Promise((done) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.wakers.delete(finish);
        done();
      };
      const timer = setTimeout(finish, millis);
      timer.unref();
      this.wakers.add(finish);
    });
  }

  private oldestUnshippedAgeSeconds(): number {
    let oldest: number | undefined;
    for (const signal of this.signals) {
      const value = this.oldest[signal];
      if (value !== undefined && this.backlog[signal] > 0 && (oldest === undefined || value < oldest)) oldest = value;
    }
    return oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000);
  }

  private async follow(signal: JournalSignal): Promise<void> {
    while (!this.stopped) {
      try {
        this.idle[signal] = false;
        const batch = await this.nextBatch(signal);
        if (batch === undefined) {
          this.idle[signal] = true;
          this.backlog[signal] = Math.max(0, this.backlog[signal]);
          if (this.journal !== undefined && this.backlog[signal] > 0 && this.isCaughtUp(signal)) this.backlog[signal] = 0;
          await this.sleep(this.pollIntervalMillis);
          continue;
        }
        await this.send(signal, batch);
      } catch (error) {
        diag.error(`swarmtrail journal shipper: ${signal}: ${String(error)}`);
        await this.sleep(this.initialBackoffMillis);
      }
    }
  }

  private isCaughtUp(signal: JournalSignal): boolean {
    const active = this.journal?.activeSegment(signal);
    const position = this.positions[signal];
    return active !== undefined && position !== undefined && position.segment === active.seq && position.offset >= active.size;
  }

  /** Counts records from the cursor to the end of the journal as it is at start. */
  private async scanBacklog(): Promise<void> {
    const segments = await listSegments(this.directory);
    for (const signal of this.signals) {
      const position = this.positions[signal];
      for (const segment of segments) {
        if (segment.signal !== signal || (position !== undefined && segment.seq < position.segment)) continue;
        const start = position !== undefined && segment.seq === position.segment ? position.offset : 0;
        const data = await this.readSegment(segment, start, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
        if (data === undefined) continue;
        for (const line of splitLines(data, start).lines) {
          try {
            const request = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
            this.backlog[signal] += countRecords(request);
            const oldest = oldestRecordMillis(signal, request);
            if (oldest !== undefined && (this.oldest[signal] === undefined || oldest < this.oldest[signal])) this.oldest[signal] = oldest;
          } catch {
            // counted when shipped (dead-lettered)
          }
        }
      }
    }
  }

  /** Reads [start, min(limit, start + maxBytes)) of a segment, extended to at least one whole line. */
  private async readSegment(segment: SegmentFile, start: number, limit: number, maxBytes: number): Promise<Buffer | undefined> {
    try {
      if (segment.compressed) {
        if (this.gzipCache?.path !== segment.path) this.gzipCache = { path: segment.path, data: gunzipSync(await readFile(segment.path)) };
        const data = this.gzipCache.data;
        const end = Math.min(data.length, limit);
        let chunkEnd = Math.min(end, start + maxBytes);
        const firstNewline = data.indexOf(0x0a, start);
        if (firstNewline >= 0 && firstNewline + 1 > chunkEnd) chunkEnd = Math.min(end, firstNewline + 1);
        return data.subarray(start, chunkEnd);
      }
      const handle = await open(segment.path, 'r');
      try {
        const size = (await handle.stat()).size;
        const end = Math.min(size, limit);
        let length = Math.min(end - start, maxBytes);
        if (length <= 0) return Buffer.alloc(0);
        for (;;) {
          const buffer = Buffer.allocUnsafe(length);
          const { bytesRead } = await handle.read(buffer, 0, length, start);
          const data = buffer.subarray(0, bytesRead);
          if (data.includes(0x0a) || start + length >= end) return data;
          length = Math.min(end - start, length * 2); // a line longer than maxBytes: read more.
        }
      } finally {
        await handle.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // compressed or deleted meanwhile
      throw error;
    }
  }

  private async nextBatch(signal: JournalSignal): Promise<Batch | undefined> {
    for (let attempt = 0; attempt < 1000 && !this.stopped; attempt++) {
      const segments = (await listSegments(this.directory)).filter((segment) => segment.signal === signal);
      let position = this.positions[signal];
      const index = segments.findIndex((segment) => position === undefined || segment.seq >= position.segment);
      if (index < 0) return undefined;
      const segment = segments[index];
      if (position === undefined || segment.seq > position.segment) {
        if (position !== undefined && position.offset === 0 && segment.seq > position.segment + 1) {
          diag.warn(`swarmtrail journal shipper: ${signal} segment ${position.segment} is missing; continuing at ${segment.seq}`);
        }
        position = { segment: segment.seq, offset: 0 };
        this.positions[signal] = position;
      }
      const active = this.journal?.activeSegment(signal);
      const limit = active !== undefined && active.seq === segment.seq ? active.size : Number.POSITIVE_INFINITY;
      const data = await this.readSegment(segment, position.offset, limit, this.maxRequestBytes);
      if (data === undefined) continue; // renamed by compression: list again
      const { lines, endOffsets } = splitLines(data, position.offset);
      if (lines.length > 0) return { segment: segment.seq, offset: position.offset, endOffsets, lines };
      const isLast = index === segments.length - 1;
      if (isLast) return undefined;
      // A closed segment is done (a torn tail of a crashed writer is skipped): move on.
      this.positions[signal] = { segment: segments[index + 1].seq, offset: 0 };
      this.persistCursor();
    }
    return undefined;
  }

  private async send(signal: JournalSignal, batch: Batch): Promise<void> {
    const requests: Record<string, unknown>[] = [];
    let usable = 0;
    for (const line of batch.lines) {
      if (line.length === 0) {
        usable++;
        continue;
      }
      try {
        requests.push(JSON.parse(line.toString('utf8')) as Record<string, unknown>);
        usable++;
      } catch (error) {
        if (usable > 0) break; // send the good lines first; this one comes up first next time.
        this.deadLetter(signal, batch.segment, batch.offset, batch.endOffsets[0], 0, 0, `unparsable line: ${String(error)}`);
        return;
      }
    }
    await this.sendLines(signal, batch.segment, batch.offset, batch.endOffsets.slice(0, usable), requests);
  }

  private async sendLines(
    signal: JournalSignal,
    segment: number,
    offset: number,
    endOffsets: readonly number[],
    requests: Record<string, unknown>[],
  ): Promise<void> {
    const endOffset = endOffsets[endOffsets.length - 1];
    const field = REQUEST_FIELDS[signal].resource;
    const merged = { [field]: requests.flatMap((request) => (request[field] as unknown[] | undefined) ?? []) };
    const records = countRecords(merged);
    const oldest = oldestRecordMillis(signal, merged);
    if (oldest !== undefined) this.oldest[signal] = oldest;
    if (records === 0) {
      this.advance(signal, segment, endOffset, 0);
      return;
    }
    let body: Uint8Array;
    try {
      body =
        this.protocolOf(signal) === 'http/json' ? Buffer.from(JSON.stringify(merged), 'utf8') : encodeRequestAsProtobuf(signal, merged);
    } catch (error) {
      this.deadLetter(signal, segment, offset, endOffset, records, 0, `cannot encode: ${String(error)}`);
      return;
    }
    for (let attempt = 0; !this.stopped; attempt++) {
      const outcome = await this.post(signal, body);
      if (outcome.ok) {
        if (this.failureStreak[signal] > 0) {
          diag.info(`swarmtrail journal shipper: ${signal} delivered again after ${this.failureStreak[signal]} failed attempt(s)`);
          this.failureStreak[signal] = 0;
        }
        this.stats.requests++;
        const partial = outcome.partial;
        const rejected = partial === undefined ? 0 : Math.min(records, Math.max(0, Math.trunc(partial.rejected)));
        if (partial !== undefined && partial.errorMessage !== '' && rejected === 0) {
          diag.warn(`swarmtrail journal shipper: ${signal} accepted with a warning from the collector: ${partial.errorMessage}`);
        }
        if (rejected > 0) {
          // Accepted in part: the rest is delivered (re-sending would duplicate it); the rejected
          // records are noted as dead letters of this range, so the segment is never counted as shipped.
          this.failuresCounter.add(1, { [ATTR_SWARMTRAIL_SIGNAL]: signal });
          this.stats.recordsShipped += records - rejected;
          const reason = `partial success: ${rejected} of ${records} rejected${partial!.errorMessage === '' ? '' : `: ${partial!.errorMessage.slice(0, 200)}`}`;
          diag.error(
            `swarmtrail journal shipper: the collector rejected ${rejected} of ${records} ${signal} record(s) (${reason}); ` +
              `kept in segment ${segment} bytes ${offset}-${endOffset} and noted as dead letter in cursor.json`,
          );
          this.noteDeadLetter(signal, segment, offset, endOffset, rejected, outcome.status, reason);
          this.advance(signal, segment, endOffset, records);
          return;
        }
        this.stats.recordsShipped += records;
        this.advance(signal, segment, endOffset, records);
        return;
      }
      this.failuresCounter.add(1, { [ATTR_SWARMTRAIL_SIGNAL]: signal });
      if (!outcome.retryable) {
        if (requests.length > 1) {
          // Find the offending line(s): send one line at a time.
          let start = offset;
          for (let index = 0; index < requests.length && !this.stopped; index++) {
            await this.sendLines(signal, segment, start, [endOffsets[index]], [requests[index]]);
            start = endOffsets[index]!;
          }
          return;
        }
        this.deadLetter(signal, segment, offset, endOffset, records, outcome.status, outcome.reason);
        return;
      }
      this.failureStreak[signal]++;
      if (this.failureStreak[signal] === 1 || this.failureStreak[signal] % 20 === 0) {
        const hint =
          outcome.status === 401 || outcome.status === 403
            ? ' (the collector refuses the credentials: check the headers, e.g. an expired token)'
            : outcome.status === 404
              ? ' (no OTLP receiver at this URL: check the endpoint)'
              : '';
        diag.warn(
          `swarmtrail journal shipper: ${signal} export failed (${outcome.reason})${hint}; attempt ${this.failureStreak[signal]}, ` +
            'retrying with backoff; the data stays in the journal',
        );
      }
      const ceiling = Math.min(this.maxBackoffMillis, this.initialBackoffMillis * 2 ** Math.min(attempt, 30));
      // Retry-After is a floor: never sooner than the collector asked, never a hot loop on `0`.
      const delay = Math.max(outcome.retryAfterMillis ?? 0, ceiling / 2 + Math.random() * (ceiling / 2));
      await this.sleep(delay);
    }
  }

  private protocolOf(signal: JournalSignal): 'http/protobuf' | 'http/json' {
    return this.signalProtocols[signal] ?? this.protocol;
  }

  private async post(signal: JournalSignal, body: Uint8Array): Promise<PostOutcome> {
    const timeout = AbortSignal.timeout(this.timeoutMillis);
    try {
      const response = await context.with(suppressTracing(context.active()), () =>
        fetch(this.urls[signal], {
          method: 'POST',
          headers: {
            // A signal's own headers replace the shared ones: a credential for one backend must not reach another.
            ...(this.signalHeaders[signal] ?? this.headers),
            'content-type': this.protocolOf(signal) === 'http/json' ? 'application/json' : 'application/x-protobuf',
          },
          body,
          signal: AbortSignal.any([timeout, this.abort.signal]),
        }),
      );
      const text = Buffer.from(await response.arrayBuffer());
      if (response.status >= 200 && response.status < 300) {
        return { ok: true, status: response.status, partial: this.partialSuccess(signal, response, text) };
      }
      const reason = `HTTP ${response.status} from ${this.urls[signal]}: ${text.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ')}`;
      return {
        ok: false,
        retryable: isRetryableStatus(response.status),
        status: response.status,
        reason,
        retryAfterMillis: parseRetryAfter(response.headers.get('retry-after')),
      };
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      return {
        ok: false,
        retryable: true,
        status: 0,
        reason: `${describeError(error)}${cause === undefined ? '' : ` (${describeError(cause)})`}`,
      };
    }
  }

  /** Reads `partial_success` from a 2xx body in the response's encoding; an undecodable body is a full success. */
  private partialSuccess(signal: JournalSignal, response: Response, body: Buffer): ExportPartialSuccess | undefined {
    if (body.length === 0) return undefined;
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('json') || (type === '' && this.protocolOf(signal) === 'http/json')) {
      return parseJsonPartialSuccess(signal, body.toString('utf8'));
    }
    // Only a body that claims to be protobuf (or says nothing) is decoded: the bytes of an HTML
    // page from a proxy must not be read as a rejection count.
    if (!type.includes('protobuf') && type !== '') return undefined;
    try {
      return decodeExportPartialSuccess(body);
    } catch (error) {
      diag.debug(`swarmtrail journal shipper: ${signal}: cannot decode the collector's protobuf answer: ${String(error)}`);
      return undefined;
    }
  }

  private advance(signal: JournalSignal, segment: number, endOffset: number, records: number): void {
    this.positions[signal] = { segment, offset: endOffset };
    this.backlog[signal] = Math.max(0, this.backlog[signal] - records);
    if (this.backlog[signal] === 0) delete this.oldest[signal];
    this.persistCursor();
  }

  private deadLetter(
    signal: JournalSignal,
    segment: number,
    offset: number,
    endOffset: number,
    records: number,
    status: number,
    reason: string,
  ): void {
    diag.error(
      `swarmtrail journal shipper: the collector rejected ${records} ${signal} record(s) for good (${reason}); ` +
        `kept in segment ${segment} bytes ${offset}-${endOffset} and noted as dead letter in cursor.json`,
    );
    this.noteDeadLetter(signal, segment, offset, endOffset, records, status, reason);
    this.advance(signal, segment, endOffset, records);
  }

  /**
   * Records a rejection: the segment's entry in `deadLetterSegments` (uncapped: it is what keeps
   * the segment from counting as shipped) and a detailed note, merged with the previous note when
   * it continues the same range with the same status (details beyond the newest 1000 are dropped).
   */
  private noteDeadLetter(
    signal: JournalSignal,
    segment: number,
    offset: number,
    endOffset: number,
    records: number,
    status: number,
    reason: string,
  ): void {
    const at = new Date().toISOString();
    this.stats.recordsDeadLettered += records;
    const key = `${signal}-${segment}`;
    const entry = this.deadLetterSegments.get(key);
    this.deadLetterSegments.set(key, { signal, segment, records: (entry?.records ?? 0) + records, at });
    const last = this.deadLetters.at(-1);
    if (last !== undefined && last.signal === signal && last.segment === segment && last.endOffset === offset && last.status === status) {
      this.deadLetters[this.deadLetters.length - 1] = { ...last, endOffset, records: last.records + records, at };
    } else {
      this.deadLetters.push({ signal, segment, offset, endOffset, records, status, reason, at });
      if (this.deadLetters.length > MAX_DEAD_LETTER_NOTES) this.deadLetters.splice(0, this.deadLetters.length - MAX_DEAD_LETTER_NOTES);
    }
  }

  /** Persists the cursor in the background; writes are serialised and coalesced. */
  private persistCursor(): void {
    if (this.cursorDirty) return;
    this.cursorDirty = true;
    this.cursorWrite = this.cursorWrite.then(async () => {
      this.cursorDirty = false;
      this.cursor = this.cursorState();
      try {
        await writeCursor(this.directory, this.cursor);
      } catch (error) {
        diag.error(`swarmtrail journal shipper: cannot write cursor.json (batches may be re-sent): ${String(error)}`);
      }
    });
  }

  private async flushCursor(): Promise<void> {
    await this.cursorWrite;
  }
}
