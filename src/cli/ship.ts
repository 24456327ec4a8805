/**
 * `swarmtrail ship` / `replay`: send the journal, or part of it, to an OTLP/HTTP endpoint as
 * OTLP/JSON (`POST <endpoint>/v1/traces|logs|metrics`, `Content-Type: application/json`).
 *
 * This does not read or move the shipper's cursor: it is for replaying history (to a new backend,
 * after an outage, or from a copied journal). Delivery is at-least-once; audit records carry
 * `audit.event.id` and spans their span id, so a receiver can drop duplicates.
 */
import { type JournalSignal } from '../journal/JournalReader.js';
import type { SwarmtrailEnvironment } from '../setup/environment.js';
import {
  CliError,
  EXIT_FAILURE,
  EXIT_OK,
  UsageError,
  mergeTraces,
  parseCount,
  parseRange,
  resolveTraceId,
  type CommandContext,
} from './context.js';
import { forEachRequestLine, parseSignals } from './export.js';
import { formatCount } from './format.js';
import type { CliCommand, ParsedArguments } from './main.js';

const MAX_REQUEST_BYTES = 1 << 20;
const RESOURCE_FIELD: Record<JournalSignal, string> = {
  traces: 'resourceSpans',
  logs: 'resourceLogs',
  metrics: 'resourceMetrics',
};
/** The URL for one signal: `--endpoint` + `/v1/<signal>`, else the OTel environment variables. */
export function signalUrl(
  endpoint: string | undefined,
  signal: JournalSignal,
  environment: SwarmtrailEnvironment,
): string | undefined {
  if (endpoint === undefined) {
    const specific = environment.signalEndpoints[signal];
    if (specific !== undefined) return specific;
    endpoint = environment.endpoint;
    if (endpoint === undefined) return undefined;
  }
  return `${endpoint.replace(/\/+$/, '')}/v1/${signal}`;
}

/**
 * Checks that `url` is an http(s) URL; a usage error (exit 2) naming where it came from
 * otherwise, before anything is read or sent.
 */
export function checkEndpointUrl(url: string, source: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${source} ${url}: not a URL; expected an OTLP/HTTP URL such as http://127.0.0.1:4318`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`${source} ${url}: expected an http:// or https:// URL such as http://127.0.0.1:4318`);
  }
}

/** Parses repeatable `--header key=value` options (URL-decoded, like OTEL_EXPORTER_OTLP_HEADERS). */
export function parseHeaders(entries: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new UsageError(`--header ${entry}: expected key=value`);
    headers[decodeURIComponent(entry.slice(0, at).trim())] = decodeURIComponent(entry.slice(at + 1).trim());
  }
  return headers;
}

interface SendOptions {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly signal: AbortSignal | undefined;
}

interface SendResult {
  readonly rejected: number;
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolveSleep) => {
    const timer = setTimeout(done, milliseconds);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolveSleep();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** POSTs one OTLP/JSON body; retries network errors, 429 and 5xx with backoff; throws when it gives up. */
async function post(body: string, options: SendOptions): Promise<SendResult> {
  let lastProblem = '';
  for (let attempt = 0; attempt <= options.retries; attempt += 1) {
    if (options.signal?.aborted === true) throw new CliError('interrupted');
    if (attempt > 0) await sleep(Math.min(10_000, 250 * 2 ** (attempt - 1)), options.signal);
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    let response: Response;
    try {
      response = await fetch(options.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...options.headers },
        body,
        signal,
      });
    } catch (error) {
      lastProblem = `${(error as Error).message}${(error as { cause?: Error }).cause ? ` (${(error as { cause: Error }).cause.message})` : ''}`;
      continue;
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      let rejected = 0;
      try {
        const parsed = JSON.parse(text) as { partialSuccess?: Record<string, unknown> };
        const partial = parsed.partialSuccess ?? {};
        rejected = Number(partial.rejectedSpans ?? partial.rejectedLogRecords ?? partial.rejectedDataPoints ?? 0) || 0;
      } catch {
        // An empty or non-JSON 2xx body is a full success.
      }
      return { rejected };
    }
    lastProblem = `HTTP ${response.status}${text.length > 0 ? `: ${text.slice(0, 200)}` : ''}`;
    if (response.status !== 429 && response.status < 500) break; // not retryable
    const retryAfter = Number(response.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) await sleep(Math.min(retryAfter, 10) * 1000, options.signal);
  }
  throw new CliError(`sending to ${options.url} failed: ${lastProblem}`);
}

async function run(context: CommandContext, args: ParsedArguments, name: string): Promise<number> {
  const values = args.values as Record<string, string | string[] | boolean | undefined>;
  const range = parseRange(values, context.now());
  const timeFiltered = Number.isFinite(range.since) || Number.isFinite(range.until);
  const endpoint = values.endpoint as string | undefined;
  const signals = parseSignals(values.signal as string | undefined, ['traces', 'logs', 'metrics']);
  const flagHeaders = parseHeaders((values.header as string[] | undefined) ?? []);
  const environment = context.environment;
  const timeoutMs = parseCount(values.timeout as string | undefined, 'timeout', 10_000);
  const retries = parseCount(values.retries as string | undefined, 'retries', 5);
  // The environment's URLs are checked where they are read (src/setup/environment.ts ignores
  // values that are not http(s) URLs); the flag is checked here, before anything is sent.
  if (endpoint !== undefined) checkEndpointUrl(endpoint, '--endpoint');
  for (const signal of signals) {
    if (signalUrl(endpoint, signal, environment) === undefined) {
      throw new UsageError(`no endpoint: pass --endpoint http://host:4318 or set OTEL_EXPORTER_OTLP_ENDPOINT`);
    }
  }
  let traceId: string | undefined;
  if (values.run !== undefined) {
    const journal = await context.open(['traces', 'logs']);
    traceId = resolveTraceId(mergeTraces(journal.summaries), values.run as string);
  }
  const filtered = timeFiltered || traceId !== undefined;
  // Metrics have no run and their points no single time: they are sent only without filters.
  const wanted = filtered ? signals.filter((signal) => signal !== 'metrics') : signals;
  const segments = await context.segments(wanted);
  const totals: Record<JournalSignal, number> = { traces: 0, logs: 0, metrics: 0 };
  let requests = 0;
  let rejected = 0;
  let failure: Error | undefined;
  const dryRun = values['dry-run'] === true;
  try {
    for (const segment of segments) {
      const url = signalUrl(endpoint, segment.signal, environment)!;
      const headers = { ...environment.headers, ...environment.signalHeaders[segment.signal], ...flagHeaders };
      const options: SendOptions = { url, headers, timeoutMs, retries, signal: context.io.signal };
      const field = RESOURCE_FIELD[segment.signal];
      let pending: string[] = [];
      let pendingBytes = 0;
      let pendingRecords = 0;
      const flush = async (): Promise<void> => {
        if (pending.length === 0) return;
        // Concatenate the requests' resource lists into one request.
        const body = `{"${field}":[${pending.join(',')}]}`;
        if (!dryRun) rejected += (await post(body, options)).rejected;
        requests += 1;
        totals[segment.signal] += pendingRecords;
        pending = [];
        pendingBytes = 0;
        pendingRecords = 0;
      };
      await forEachRequestLine(
        segment,
        { range, traceId },
        !filtered,
        (file, line, reason) => context.onSkippedLine({ file, line, reason }),
        async (line, records) => {
          const parsed = JSON.parse(line) as Record<string, unknown[]>;
          const inner = JSON.stringify(parsed[field] ?? []).slice(1, -1);
          if (inner.length === 0) return;
          if (pendingBytes + inner.length > MAX_REQUEST_BYTES) await flush();
          pending.push(inner);
          pendingBytes += inner.length;
          pendingRecords += segment.signal === 'metrics' ? 1 : records;
        },
      );
      await flush();
    }
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    failure = error;
  }
  const target = endpoint ?? environment.endpoint ?? '(per-signal endpoints)';
  if (context.options.json) {
    await context.json({
      endpoint: target,
      dryRun,
      requests,
      spans: totals.traces,
      logRecords: totals.logs,
      metricRequests: totals.metrics,
      rejected,
      error: failure?.message,
    });
  } else {
    const verb = dryRun ? 'would send' : 'sent';
    await context.out(
      `${name}: ${verb} ${formatCount(totals.traces)} spans, ${formatCount(totals.logs)} log records, ${formatCount(totals.metrics)} metric requests in ${formatCount(requests)} requests to ${target}\n`,
    );
    if (rejected > 0) await context.warn(`the receiver rejected ${rejected} records (partial success)`);
    if (failure !== undefined) {
      await context.out(`${context.palette.red('error:')} ${failure.message}; what was sent before stays sent, run again to resend (duplicates carry the same ids)\n`);
    }
  }
  return failure === undefined ? EXIT_OK : EXIT_FAILURE;
}

const HELP = `Sends every span, log record and metric of the journal (or of a time range or run) to an
OTLP/HTTP endpoint as OTLP/JSON. It does not move the background shipper's cursor. Network
errors, 429 and 5xx are retried with backoff (--retries); other answers stop it with exit code 1.

Options:
      --endpoint <url>   OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 (default
                         OTEL_EXPORTER_OTLP_ENDPOINT; OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT is used as is)
  -H, --header <k=v>     extra request header, repeatable (also OTEL_EXPORTER_OTLP_HEADERS and
                         OTEL_EXPORTER_OTLP_<SIGNAL>_HEADERS)
      --since <time>     only records at or after (ISO date-time or 1h, 7d, ...)
      --until <time>     only records at or before
      --run <run-id>     only this run (an id prefix is enough)
      --signal <s>       traces, logs, metrics or all (default all; filters skip metrics)
      --timeout <ms>     per request (default 10000)
      --retries <n>      retries per request (default 5)
      --dry-run          count what would be sent, send nothing

Examples:
  swarmtrail ship --endpoint http://127.0.0.1:4318
  swarmtrail replay --since 2026-01-31T00:00:00Z --until 2026-02-01T00:00:00Z --endpoint https://otlp.example.com -H authorization=Bearer%20xyz`;

const SHIP_OPTIONS = {
  endpoint: { type: 'string' },
  header: { type: 'string', short: 'H', multiple: true },
  since: { type: 'string' },
  until: { type: 'string' },
  run: { type: 'string' },
  signal: { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

export const shipCommand: CliCommand = {
  name: 'ship',
  summary: 'send the journal (or a range of it) to an OTLP/HTTP endpoint',
  usage: 'ship [--endpoint URL] [--since T] [--until T] [--run ID] [--signal S] [-H k=v]',
  help: HELP,
  options: SHIP_OPTIONS,
  run: (context, args) => run(context, args, 'ship'),
};

export const replayCommand: CliCommand = {
  name: 'replay',
  summary: "same as ship: resend history, e.g. after an outage or to a new backend",
  usage: 'replay [--endpoint URL] [--since T] [--until T] [--run ID] [--signal S] [-H k=v]',
  help: HELP,
  options: SHIP_OPTIONS,
  run: (context, args) => run(context, args, 'replay'),
};
