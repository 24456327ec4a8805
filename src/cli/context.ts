/**
 * What every command gets: its I/O, the global options, helpers to open the journal, and the
 * errors that map to exit codes.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import {
  JournalIndex,
  mergeTraces,
  toRunSummary,
  type MergedTrace,
  type RunSummary,
  type SegmentSummary,
} from '../journal/JournalIndex.js';
import {
  JournalNotFoundError,
  listSegments,
  type JournalSegment,
  type JournalSignal,
  type SkippedLine,
} from '../journal/JournalReader.js';
import type { SwarmtrailEnvironment } from '../setup/environment.js';
import type { Palette } from './format.js';

/** The streams and process facts the CLI uses; `main` never touches `process` directly. */
export interface CliIO {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Stops long-running commands (`tail`, `ship`). */
  readonly signal?: AbortSignal;
  /** The clock, for relative times (`--since 1h`) and "last 24 hours" (default `Date.now`). */
  readonly now?: () => number;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command-line mistake: printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure the user can act on (missing journal, unknown run): printed as is, exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export const DEFAULT_JOURNAL_DIRECTORY = './.swarmtrail/journal';
export const JOURNAL_DIRECTORY_ENV = 'SWARMTRAIL_JOURNAL_DIR';

export interface GlobalOptions {
  /** The journal: `--dir`, else SWARMTRAIL_JOURNAL_DIR, else `$SWARMTRAIL_DIR/journal`, else the default. */
  readonly dir: string;
  readonly json: boolean;
  readonly color: boolean;
}

/** Writes `text`, waiting for the stream to drain when its buffer is full. */
export async function write(stream: Writable, text: string): Promise<void> {
  if (stream.write(text)) return;
  await new Promise<void>((resolveDrain, reject) => {
    const onDrain = (): void => {
      stream.off('error', onError);
      resolveDrain();
    };
    const onError = (error: Error): void => {
      stream.off('drain', onDrain);
      reject(error);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}

/** The journal as the summaries see it. */
export interface OpenJournal {
  readonly location: string;
  readonly segments: JournalSegment[];
  readonly summaries: SegmentSummary[];
}

export class CommandContext {
  readonly io: CliIO;
  readonly options: GlobalOptions;
  readonly palette: Palette;
  /** The OTel and swarmtrail environment variables, read by src/setup/environment.ts. */
  readonly environment: SwarmtrailEnvironment;
  /** Lines skipped while reading, reported on stderr when the command finishes. */
  readonly skipped: SkippedLine[] = [];
  skippedCount = 0;
  private readonly _seenSkipped = new Set<string>();

  constructor(io: CliIO, options: GlobalOptions, palette: Palette, environment: SwarmtrailEnvironment) {
    this.io = io;
    this.options = options;
    this.palette = palette;
    this.environment = environment;
  }

  now(): number {
    return (this.io.now ?? Date.now)();
  }

  async out(text: string): Promise<void> {
    await write(this.io.stdout, text);
  }

  async json(value: unknown): Promise<void> {
    await write(this.io.stdout, `${JSON.stringify(value, undefined, 2)}\n`);
  }

  async warn(text: string): Promise<void> {
    await write(this.io.stderr, `${this.palette.yellow('warning:')} ${text}\n`);
  }

  /** The absolute journal location (a directory, or one file). */
  get location(): string {
    return resolve(this.io.cwd, this.options.dir);
  }

  readonly onSkippedLine = (skipped: SkippedLine): void => {
    const key = `${skipped.file}:${skipped.line}`;
    if (this._seenSkipped.has(key)) return;
    this._seenSkipped.add(key);
    this.skippedCount += 1;
    if (this.skipped.length < 20) this.skipped.push(skipped);
  };

  /** Lists segments of `signals`; a missing journal becomes a `CliError` with what to do. */
  async segments(signals: readonly JournalSignal[]): Promise<JournalSegment[]> {
    try {
      const segments = await listSegments(this.location);
      return segments.filter((segment) => signals.includes(segment.signal));
    } catch (error) {
      if (error instanceof JournalNotFoundError) {
        throw new CliError(
          `no journal at ${this.location} (it does not exist).\n` +
            `  The journal is written by an application started with swarmtrail (try \`npm run demo\`).\n` +
            `  Point the CLI elsewhere with --dir <path> or ${JOURNAL_DIRECTORY_ENV}.`,
        );
      }
      throw error;
    }
  }

  /** Opens the journal with its (cached) summaries. */
  async open(signals: readonly JournalSignal[]): Promise<OpenJournal> {
    const segments = await this.segments(signals);
    const isDirectory = (await stat(this.location)).isDirectory();
    const index = new JournalIndex(this.location, { persist: isDirectory, onSkippedLine: this.onSkippedLine });
    const summaries = await index.summaries(segments);
    // Lines skipped in earlier runs are remembered by the summaries: report them every time.
    for (const summary of summaries) {
      for (const skipped of summary.skipped) this.onSkippedLine(skipped);
      this.skippedCount += Math.max(0, summary.skippedCount - summary.skipped.length);
    }
    return { location: this.location, segments, summaries };
  }

  /** Prints what was skipped, if anything. */
  async reportSkipped(): Promise<void> {
    if (this.skippedCount === 0) return;
    const sorted = [...this.skipped].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
    const lines = sorted.slice(0, 5).map((s) => `  ${s.file}:${s.line}: ${s.reason}`);
    const more = this.skippedCount > lines.length ? `\n  ... and ${this.skippedCount - lines.length} more` : '';
    await this.warn(`skipped ${this.skippedCount} unreadable line(s); the rest was read:\n${lines.join('\n')}${more}`);
  }
}

/** Finds the one trace whose id starts with `prefix` (case-insensitive). */
export function resolveTraceId(traces: ReadonlyMap<string, MergedTrace>, prefix: string): string {
  const wanted = prefix.trim().toLowerCase();
  if (!/^[0-9a-f]{1,32}$/.test(wanted)) {
    throw new UsageError(`'${prefix}' is not a run id: expected up to 32 hexadecimal characters`);
  }
  if (traces.has(wanted)) return wanted;
  const matches: string[] = [];
  for (const traceId of traces.keys()) if (traceId.startsWith(wanted)) matches.push(traceId);
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new CliError(`no run with id ${wanted}${wanted.length < 32 ? '...' : ''} in the journal`);
  // Prefer runs over plain traces when only one of the matches is a run.
  const runs = matches.filter((traceId) => toRunSummary(traceId, traces.get(traceId)!) !== undefined);
  if (runs.length === 1) return runs[0];
  matches.sort();
  const shown = matches.slice(0, 5).map((traceId) => `  ${traceId}`).join('\n');
  throw new CliError(
    `run id prefix '${wanted}' is ambiguous: it matches ${matches.length} runs; give more characters:\n${shown}` +
      (matches.length > 5 ? '\n  ...' : ''),
  );
}

/** All runs of the journal, newest first. */
export function runsOf(traces: ReadonlyMap<string, MergedTrace>): RunSummary[] {
  const runs: RunSummary[] = [];
  for (const [traceId, trace] of traces) {
    const run = toRunSummary(traceId, trace);
    if (run !== undefined) runs.push(run);
  }
  return runs.sort((a, b) => b.startMs - a.startMs || a.runId.localeCompare(b.runId));
}

export { mergeTraces };

const RELATIVE_TIME = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration like `90s`, `15m`, `1h`, `7d` into milliseconds. */
export function parseDuration(text: string, option: string): number {
  const match = RELATIVE_TIME.exec(text.trim());
  if (match === null) throw new UsageError(`--${option} ${text}: expected a duration like 30s, 15m, 1h, 7d`);
  return Number(match[1]) * UNIT_MS[match[2]];
}

/** Parses `--since`/`--until`: an ISO date-time or a duration before now (`1h` = an hour ago). */
export function parseTime(text: string, option: string, now: number): number {
  if (RELATIVE_TIME.test(text.trim())) return now - parseDuration(text, option);
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) {
    throw new UsageError(`--${option} ${text}: expected an ISO date-time (2026-01-31T12:00:00Z) or a duration like 1h`);
  }
  return parsed;
}

/** Parses a non-negative integer option. */
export function parseCount(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${option} ${text}: expected a whole number >= 0`);
  return value;
}

/** A time range; bounds are inclusive Unix milliseconds. */
export interface TimeRange {
  readonly since: number;
  readonly until: number;
}

export function parseRange(values: { since?: string | undefined; until?: string | undefined }, now: number): TimeRange {
  const since = values.since === undefined ? Number.NEGATIVE_INFINITY : parseTime(values.since, 'since', now);
  const until = values.until === undefined ? Number.POSITIVE_INFINITY : parseTime(values.until, 'until', now);
  if (since > until) throw new UsageError('--since is after --until');
  return { since, until };
}
