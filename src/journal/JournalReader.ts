/**
 * Reads a swarmtrail journal: segment files of OTLP/JSON export requests, one per line.
 *
 * Layout (see docs/cli.md): `<dir>/<signal>-<seq>.jsonl`, closed segments possibly compressed to
 * `<dir>/<signal>-<seq>.jsonl.gz`, signal = traces | logs | metrics, seq = zero-padded number;
 * plus the same inside `<dir>/process-<pid>/` for processes that shared the directory.
 * Everything streams: a line is parsed, flattened and handed on before the next is read, so a
 * journal of millions of records needs memory for one line at a time. Lines that are torn
 * (unterminated) or do not parse are skipped and reported with file and line number; reading goes on.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { listProcessDirectories } from './segments.js';

export type JournalSignal = 'traces' | 'logs' | 'metrics';

export const JOURNAL_SIGNALS: readonly JournalSignal[] = ['traces', 'logs', 'metrics'];

/** One segment file of the journal. */
export interface JournalSegment {
  /** Absolute or caller-relative path of the file. */
  readonly path: string;
  /**
   * File name, e.g. `traces-0000000001.jsonl.gz`; in a process directory prefixed with it:
   * `process-4242/traces-0000000001.jsonl.gz`.
   */
  readonly name: string;
  /**
   * File name without `.gz`: stays the same when a closed segment is compressed; unique in the
   * journal (in a process directory: `traces-0000000001.jsonl@process-4242`).
   */
  readonly baseName: string;
  readonly signal: JournalSignal;
  /** Sequence number; `-1` for a single exported file that does not follow the naming. */
  readonly sequence: number;
  readonly compressed: boolean;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A line that could not be read as an export request. */
export interface SkippedLine {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** One raw line of a segment, with its position in the (decompressed) byte stream. */
export interface SegmentLine {
  readonly text: string;
  /** 1-based line number. */
  readonly line: number;
  /** Byte offset of the line's first byte in the decompressed content. */
  readonly offset: number;
  /** Byte length of the line, without the newline. */
  readonly length: number;
  /** False for a last line without a newline: torn by a crash, or still being written. */
  readonly terminated: boolean;
}

/** Attribute values as decoded from OTLP/JSON `AnyValue`. */
export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

export interface RecordLocation {
  readonly file: string;
  readonly line: number;
}

export interface InstrumentationScopeInfo {
  readonly name: string;
  readonly version?: string;
}

export interface SpanEventEntry {
  readonly name: string;
  readonly timeMs: number;
  readonly attributes: Attributes;
}

/** A span flattened with its resource and scope. Times are Unix milliseconds (fractional). */
export interface JournalSpan {
  readonly signal: 'traces';
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly startMs: number;
  readonly endMs: number;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly statusMessage: string | undefined;
  readonly attributes: Attributes;
  readonly events: SpanEventEntry[];
  readonly resource: Attributes;
  readonly scope: InstrumentationScopeInfo;
  readonly location: RecordLocation;
}

/** A log record flattened with its resource and scope. */
export interface JournalLogRecord {
  readonly signal: 'logs';
  readonly timeUnixNano: string;
  /** `timeUnixNano`, or the observed time when the record has no time, in Unix milliseconds. */
  readonly timeMs: number;
  readonly severityNumber: number | undefined;
  readonly severityText: string | undefined;
  readonly eventName: string | undefined;
  readonly body: AttributeValue | undefined;
  readonly attributes: Attributes;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly resource: Attributes;
  readonly scope: InstrumentationScopeInfo;
  readonly location: RecordLocation;
}

export type JournalRecord = JournalSpan | JournalLogRecord;

const SEGMENT_NAME = /^(traces|logs|metrics)-(\d+)\.jsonl(\.gz)?$/;
const NANOS_PER_MILLI = 1_000_000;

/** Parses a segment file name; `undefined` when it is not one. */
export function parseSegmentName(
  name: string,
): { signal: JournalSignal; sequence: number; compressed: boolean } | undefined {
  const match = SEGMENT_NAME.exec(name);
  if (match === null) return undefined;
  return { signal: match[1] as JournalSignal, sequence: Number(match[2]), compressed: match[3] !== undefined };
}

/** Thrown when the journal location does not exist or is not readable. */
export class JournalNotFoundError extends Error {
  readonly location: string;

  constructor(location: string, reason: string) {
    super(`no journal at ${location}: ${reason}`);
    this.location = location;
    this.name = 'JournalNotFoundError';
  }
}

/**
 * Lists the segments at `location`, ordered by signal, then directory, then sequence. `location`
 * is a journal directory or one file (a segment, or any OTLP/JSON lines file such as an
 * `export --format otlp` output, whose signal is detected from its first line).
 * A journal directory's process directories (`process-<pid>/`, written by a process that found
 * the directory locked by another live one) are part of the journal: their segments are listed
 * after the main directory's, named `process-<pid>/<file>` (`baseName` `<file>@process-<pid>`).
 * When both `x.jsonl` and `x.jsonl.gz` exist (compression just finished: the writer renames the
 * `.gz` into place only once it is complete, then deletes the plain file) the `.gz` wins.
 */
export async function listSegments(location: string): Promise<JournalSegment[]> {
  let info;
  try {
    info = await stat(location);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new JournalNotFoundError(location, code === 'ENOENT' ? 'it does not exist' : String(error));
  }
  if (info.isFile()) return [await singleFileSegment(location, info.size, info.mtimeMs)];
  if (!info.isDirectory()) throw new JournalNotFoundError(location, 'not a file or directory');
  const order = (signal: JournalSignal): number => JOURNAL_SIGNALS.indexOf(signal);
  const byDirectory = [await segmentsIn(location, undefined)];
  for (const directory of await listProcessDirectories(location)) byDirectory.push(await segmentsIn(directory.path, directory.name));
  // Stable sort: within a signal, the main directory's segments first, then each process directory's.
  return byDirectory.flat().sort((a, b) => order(a.signal) - order(b.signal));
}

/** The segments of one directory, by sequence; `processDirectory` names it when it is a process directory. */
async function segmentsIn(directory: string, processDirectory: string | undefined): Promise<JournalSegment[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if (processDirectory !== undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return []; // adopted meanwhile
    throw error;
  }
  const byBase = new Map<string, JournalSegment>();
  for (const fileName of names) {
    const parsed = parseSegmentName(fileName);
    if (parsed === undefined) continue;
    const path = join(directory, fileName);
    let fileInfo;
    try {
      fileInfo = await stat(path);
    } catch {
      continue; // deleted (pruned, or compressed and renamed) between readdir and stat
    }
    if (!fileInfo.isFile()) continue;
    const plainName = parsed.compressed ? fileName.slice(0, -3) : fileName;
    const baseName = processDirectory === undefined ? plainName : `${plainName}@${processDirectory}`;
    const existing = byBase.get(baseName);
    if (existing !== undefined && existing.compressed) continue;
    byBase.set(baseName, {
      path,
      name: processDirectory === undefined ? fileName : `${processDirectory}/${fileName}`,
      baseName,
      signal: parsed.signal,
      sequence: parsed.sequence,
      compressed: parsed.compressed,
      size: fileInfo.size,
      mtimeMs: fileInfo.mtimeMs,
    });
  }
  return [...byBase.values()].sort((a, b) => a.sequence - b.sequence);
}

async function singleFileSegment(path: string, size: number, mtimeMs: number): Promise<JournalSegment> {
  const name = basename(path);
  const parsed = parseSegmentName(name);
  const compressed = parsed?.compressed ?? name.endsWith('.gz');
  const signal = parsed?.signal ?? (await detectSignal(path, compressed));
  return {
    path,
    name,
    baseName: compressed ? name.slice(0, -3) : name,
    signal,
    sequence: parsed?.sequence ?? -1,
    compressed,
    size,
    mtimeMs,
  };
}

async function detectSignal(path: string, compressed: boolean): Promise<JournalSignal> {
  for await (const line of readSegmentLines({ path, compressed })) {
    if (line.text.includes('"resourceSpans"')) return 'traces';
    if (line.text.includes('"resourceLogs"')) return 'logs';
    if (line.text.includes('"resourceMetrics"')) return 'metrics';
  }
  return 'logs';
}

const NEWLINE = 0x0a;

/**
 * Streams the lines of a segment (decompressing `.gz`), starting at byte `start` of the
 * decompressed content and stopping before byte `end` (exclusive; lines that begin before `end`
 * are read completely). `firstLine` is the line number of the line at `start`.
 */
export async function* readSegmentLines(
  segment: { path: string; compressed: boolean },
  options: { start?: number; end?: number; firstLine?: number } = {},
): AsyncGenerator<SegmentLine> {
  const start = options.start ?? 0;
  const end = options.end ?? Number.POSITIVE_INFINITY;
  const source = segment.compressed
    ? createReadStream(segment.path, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }))
    : createReadStream(segment.path, { start, highWaterMark: 1 << 20 });
  // For gzip the decompressed stream starts at 0 and we skip to `start` ourselves.
  let position = segment.compressed ? 0 : start;
  let lineNumber = options.firstLine ?? 1;
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let lineStart = position;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      let from = 0;
      for (;;) {
        const newline = chunk.indexOf(NEWLINE, from);
        if (newline === -1) break;
        const piece = chunk.subarray(from, newline);
        const length = pendingLength + piece.length;
        const beginsAt = lineStart;
        if (beginsAt >= start) {
          if (beginsAt >= end) return;
          const bytes = pendingLength === 0 ? piece : Buffer.concat([...pending, piece], length);
          yield { text: bytes.toString('utf8'), line: lineNumber, offset: beginsAt, length, terminated: true };
          lineNumber += 1;
        }
        pending = [];
        pendingLength = 0;
        position = beginsAt + length + 1;
        lineStart = position;
        from = newline + 1;
      }
      if (from < chunk.length) {
        const rest = chunk.subarray(from);
        // Copy: the stream may reuse its buffer.
        pending.push(Buffer.from(rest));
        pendingLength += rest.length;
      }
    }
    if (pendingLength > 0 && lineStart >= start && lineStart < end) {
      const bytes = Buffer.concat(pending, pendingLength);
      yield { text: bytes.toString('utf8'), line: lineNumber, offset: lineStart, length: pendingLength, terminated: false };
    }
  } finally {
    source.destroy();
  }
}

/** Reads `length` bytes at `offset` of an uncompressed file. */
export async function readRange(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buffer, read, length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  } finally {
    await handle.close();
  }
}

// --- OTLP/JSON decoding -------------------------------------------------------------------------

interface OtlpKeyValue {
  key?: unknown;
  value?: unknown;
}

/** Decodes an OTLP/JSON `AnyValue`. int64 values (strings in the JSON mapping) become numbers. */
export function decodeAnyValue(value: unknown): AttributeValue {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if ('stringValue' in v) return typeof v.stringValue === 'string' ? v.stringValue : String(v.stringValue);
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return typeof v.doubleValue === 'number' ? v.doubleValue : Number(v.doubleValue);
  if ('boolValue' in v) return v.boolValue === true;
  if ('arrayValue' in v) {
    const values = (v.arrayValue as { values?: unknown[] } | undefined)?.values;
    return Array.isArray(values) ? values.map(decodeAnyValue) : [];
  }
  if ('kvlistValue' in v) {
    return decodeAttributes((v.kvlistValue as { values?: unknown } | undefined)?.values);
  }
  if ('bytesValue' in v) return typeof v.bytesValue === 'string' ? v.bytesValue : null;
  return null;
}

/** Decodes an OTLP/JSON attribute list into a plain object. */
export function decodeAttributes(list: unknown): Attributes {
  const attributes: Attributes = {};
  if (!Array.isArray(list)) return attributes;
  for (const entry of list as OtlpKeyValue[]) {
    if (entry !== null && typeof entry === 'object' && typeof entry.key === 'string') {
      attributes[entry.key] = decodeAnyValue(entry.value);
    }
  }
  return attributes;
}

/** Converts an OTLP/JSON fixed64 nanosecond timestamp (string or number) to Unix milliseconds. */
export function nanosToMillis(value: unknown): number {
  if (typeof value === 'number') return value / NANOS_PER_MILLI;
  if (typeof value !== 'string' || value.length === 0) return 0;
  // Split to keep precision: the value exceeds 2^53.
  if (value.length > 6) {
    const millis = Number(value.slice(0, -6));
    const fraction = Number(value.slice(-6)) / NANOS_PER_MILLI;
    return Number.isFinite(millis) && Number.isFinite(fraction) ? millis + fraction : 0;
  }
  const small = Number(value);
  return Number.isFinite(small) ? small / NANOS_PER_MILLI : 0;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function decodeScope(scope: unknown): InstrumentationScopeInfo {
  if (scope === null || typeof scope !== 'object') return { name: '' };
  const s = scope as { name?: unknown; version?: unknown };
  const version = optionalString(s.version);
  return version === undefined
    ? { name: typeof s.name === 'string' ? s.name : '' }
    : { name: typeof s.name === 'string' ? s.name : '', version };
}

function nanoString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value)).toString();
  return '0';
}

/** Thrown for a line that parses as JSON but is not an OTLP export request of the expected signal. */
class MalformedRequestError extends Error {}

/**
 * Decodes one line (an OTLP/JSON export request) into flattened records and calls `onRecord`
 * for each. Throws on a line that is not JSON or not an export request of `signal`.
 * Metrics lines are validated but yield no records.
 */
export function decodeRequestLine(
  text: string,
  signal: JournalSignal,
  location: RecordLocation,
  onRecord: (record: JournalRecord) => void,
): number {
  const request = JSON.parse(text) as Record<string, unknown>;
  if (request === null || typeof request !== 'object') throw new MalformedRequestError('not an object');
  if (signal === 'traces') return decodeTraces(request, location, onRecord);
  if (signal === 'logs') return decodeLogs(request, location, onRecord);
  const resourceMetrics = request.resourceMetrics;
  if (!Array.isArray(resourceMetrics)) throw new MalformedRequestError('no resourceMetrics array');
  return 0;
}

function decodeTraces(
  request: Record<string, unknown>,
  location: RecordLocation,
  onRecord: (record: JournalRecord) => void,
): number {
  const resourceSpans = request.resourceSpans;
  if (!Array.isArray(resourceSpans)) throw new MalformedRequestError('no resourceSpans array');
  let count = 0;
  for (const rs of resourceSpans as Record<string, unknown>[]) {
    const resource = decodeAttributes((rs.resource as { attributes?: unknown } | undefined)?.attributes);
    const scopeSpans = rs.scopeSpans;
    if (!Array.isArray(scopeSpans)) continue;
    for (const ss of scopeSpans as Record<string, unknown>[]) {
      const scope = decodeScope(ss.scope);
      if (!Array.isArray(ss.spans)) continue;
      for (const span of ss.spans as Record<string, unknown>[]) {
        const status = (span.status ?? {}) as { code?: unknown; message?: unknown };
        const events: SpanEventEntry[] = Array.isArray(span.events)
          ? (span.events as Record<string, unknown>[]).map((event) => ({
              name: typeof event.name === 'string' ? event.name : '',
              timeMs: nanosToMillis(event.timeUnixNano),
              attributes: decodeAttributes(event.attributes),
            }))
          : [];
        onRecord({
          signal: 'traces',
          traceId: typeof span.traceId === 'string' ? span.traceId.toLowerCase() : '',
          spanId: typeof span.spanId === 'string' ? span.spanId.toLowerCase() : '',
          parentSpanId: optionalString(span.parentSpanId)?.toLowerCase(),
          name: typeof span.name === 'string' ? span.name : '',
          kind: typeof span.kind === 'number' ? span.kind : 0,
          startTimeUnixNano: nanoString(span.startTimeUnixNano),
          endTimeUnixNano: nanoString(span.endTimeUnixNano),
          startMs: nanosToMillis(span.startTimeUnixNano),
          endMs: nanosToMillis(span.endTimeUnixNano),
          statusCode: typeof status.code === 'number' ? status.code : 0,
          statusMessage: optionalString(status.message),
          attributes: decodeAttributes(span.attributes),
          events,
          resource,
          scope,
          location,
        });
        count += 1;
      }
    }
  }
  return count;
}

function decodeLogs(
  request: Record<string, unknown>,
  location: RecordLocation,
  onRecord: (record: JournalRecord) => void,
): number {
  const resourceLogs = request.resourceLogs;
  if (!Array.isArray(resourceLogs)) throw new MalformedRequestError('no resourceLogs array');
  let count = 0;
  for (const rl of resourceLogs as Record<string, unknown>[]) {
    const resource = decodeAttributes((rl.resource as { attributes?: unknown } | undefined)?.attributes);
    const scopeLogs = rl.scopeLogs;
    if (!Array.isArray(scopeLogs)) continue;
    for (const sl of scopeLogs as Record<string, unknown>[]) {
      const scope = decodeScope(sl.scope);
      if (!Array.isArray(sl.logRecords)) continue;
      for (const record of sl.logRecords as Record<string, unknown>[]) {
        const time = record.timeUnixNano !== undefined && record.timeUnixNano !== '0' && record.timeUnixNano !== 0
          ? record.timeUnixNano
          : record.observedTimeUnixNano;
        onRecord({
          signal: 'logs',
          timeUnixNano: nanoString(time),
          timeMs: nanosToMillis(time),
          severityNumber: typeof record.severityNumber === 'number' ? record.severityNumber : undefined,
          severityText: optionalString(record.severityText),
          eventName: optionalString(record.eventName),
          // An empty AnyValue (`{}`) is no body, the same as an absent one.
          body: record.body === undefined ? undefined : (decodeAnyValue(record.body) ?? undefined),
          attributes: decodeAttributes(record.attributes),
          traceId: optionalString(record.traceId)?.toLowerCase(),
          spanId: optionalString(record.spanId)?.toLowerCase(),
          resource,
          scope,
          location,
        });
        count += 1;
      }
    }
  }
  return count;
}

/** Describes why a line was skipped, from the error `decodeRequestLine` threw. */
export function skipReason(error: unknown): string {
  if (error instanceof SyntaxError) return `not valid JSON (${error.message})`;
  if (error instanceof MalformedRequestError) return `not an OTLP export request (${error.message})`;
  return String(error);
}

export interface JournalReaderOptions {
  /** Only these signals (default: traces and logs; metrics lines carry no spans or records). */
  readonly signals?: readonly JournalSignal[];
  /** Called for every skipped line, as it is found. */
  readonly onSkippedLine?: (skipped: SkippedLine) => void;
}

/**
 * Streams the flattened spans and log records of a journal directory or a single file.
 *
 * ```ts
 * const reader = new JournalReader('./.swarmtrail/journal');
 * for await (const record of reader.records()) { ... }
 * reader.skipped; // torn or corrupt lines, with file and line number
 * ```
 */
export class JournalReader {
  readonly location: string;
  private readonly _signals: readonly JournalSignal[];
  private readonly _onSkippedLine: ((skipped: SkippedLine) => void) | undefined;
  private readonly _skipped: SkippedLine[] = [];
  private _skippedCount = 0;

  constructor(location: string, options: JournalReaderOptions = {}) {
    this.location = location;
    this._signals = options.signals ?? ['traces', 'logs'];
    this._onSkippedLine = options.onSkippedLine;
  }

  /** The first 1000 skipped lines found so far. */
  get skipped(): readonly SkippedLine[] {
    return this._skipped;
  }

  /** How many lines were skipped so far (may exceed `skipped.length`). */
  get skippedCount(): number {
    return this._skippedCount;
  }

  /** The segments to read, in order. Throws `JournalNotFoundError` for a missing location. */
  async segments(): Promise<JournalSegment[]> {
    const segments = await listSegments(this.location);
    return segments.filter((segment) => this._signals.includes(segment.signal));
  }

  /** Every span and log record, segment by segment in file order. */
  async *records(): AsyncGenerator<JournalRecord> {
    for (const segment of await this.segments()) {
      yield* this.segmentRecords(segment);
    }
  }

  /** The records of one segment, optionally of a byte range of it (see `readSegmentLines`). */
  async *segmentRecords(
    segment: JournalSegment,
    range: { start?: number; end?: number; firstLine?: number } = {},
  ): AsyncGenerator<JournalRecord> {
    const batch: JournalRecord[] = [];
    const push = (record: JournalRecord): void => {
      batch.push(record);
    };
    let lines: AsyncGenerator<SegmentLine>;
    try {
      lines = readSegmentLines(segment, range);
      for await (const line of lines) {
        if (!line.terminated) {
          this.skip({ file: segment.path, line: line.line, reason: 'unterminated last line (torn write, or still being written)' });
          continue;
        }
        if (line.length === 0 || line.text.trim().length === 0) continue;
        batch.length = 0;
        try {
          decodeRequestLine(line.text, segment.signal, { file: segment.path, line: line.line }, push);
        } catch (error) {
          this.skip({ file: segment.path, line: line.line, reason: skipReason(error) });
          continue;
        }
        yield* batch;
      }
    } catch (error) {
      // A truncated gzip member or a file removed while reading: report and go on.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      this.skip({ file: segment.path, line: 0, reason: `segment unreadable: ${(error as Error).message}` });
    }
  }

  /**
   * The records of several byte ranges of one segment (ascending, not overlapping), each tagged
   * with the index of its range. A compressed segment is decompressed once for all of them.
   */
  async *segmentRecordsInRanges(
    segment: JournalSegment,
    ranges: ReadonlyArray<{ start: number; end: number; firstLine: number }>,
  ): AsyncGenerator<{ range: number; record: JournalRecord }> {
    if (ranges.length === 0) return;
    if (!segment.compressed) {
      for (let range = 0; range < ranges.length; range += 1) {
        for await (const record of this.segmentRecords(segment, ranges[range])) yield { range, record };
      }
      return;
    }
    const batch: JournalRecord[] = [];
    const push = (record: JournalRecord): void => {
      batch.push(record);
    };
    let range = 0;
    try {
      for await (const line of readSegmentLines(segment, { end: ranges[ranges.length - 1].end })) {
        while (range < ranges.length && line.offset >= ranges[range].end) range += 1;
        if (range >= ranges.length) break;
        if (line.offset < ranges[range].start || !line.terminated || line.length === 0) continue;
        batch.length = 0;
        try {
          decodeRequestLine(line.text, segment.signal, { file: segment.path, line: line.line }, push);
        } catch (error) {
          this.skip({ file: segment.path, line: line.line, reason: skipReason(error) });
          continue;
        }
        for (const record of batch) yield { range, record };
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.skip({ file: segment.path, line: 0, reason: `segment unreadable: ${(error as Error).message}` });
    }
  }

  /** Records a skipped line (used by callers that read lines themselves). */
  skip(skipped: SkippedLine): void {
    this._skippedCount += 1;
    if (this._skipped.length < 1000) this._skipped.push(skipped);
    this._onSkippedLine?.(skipped);
  }
}
