/**
 * Reads an audit trail back from Loki (`/loki/api/v1/query_range`) and feeds it to a `TrailVerifier`.
 *
 * Loki's native OTLP ingestion keeps the body as the line and every attribute, resource attribute
 * and record field as strings in labels and structured metadata, with names normalised
 * (`audit.event.type` -> `audit_event_type`). The projection was designed for exactly this (see
 * projection.ts): values are compared in string form, and original attribute names are recovered
 * from the semantic-convention names swarmtrail knows plus the `audit.checkpoint.attribute_keys`
 * and `audit.checkpoint.resource_keys` lists that checkpoints carry.
 *
 * Storage order is not meaningful in Loki (it sorts by timestamp), so reordering is not reported.
 */
import * as semconv from '../semconv.js';
import { hashResource, normalizeKey, normalizeString, PROJECTION_VERSION, type RecordProjection } from './projection.js';
import type { TrailVerifier } from './TrailVerifier.js';

export interface LokiQueryOptions {
  /** Base URL of Loki, e.g. `http://127.0.0.1:3100`. */
  readonly url: string;
  /** Run (trace id) to verify; otherwise everything chained in the time range. */
  readonly traceId?: string;
  /** Stream selector. Default `{service_name=~".+"}`. */
  readonly selector?: string;
  /** Range start, Unix nanoseconds (inclusive). Default: 30 days before `end`. */
  readonly startNs: bigint;
  /** Range end, Unix nanoseconds (exclusive). */
  readonly endNs: bigint;
  /** Entries per request (Loki's `max_entries_limit_per_query` is 5000 by default). Default 5000. */
  readonly pageSize?: number;
  /** Extra request headers, e.g. `X-Scope-OrgID` or `Authorization`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request timeout in milliseconds. Default 30000. */
  readonly timeoutMs?: number;
  /** Structured-metadata names added downstream (collector, Loki) that are not record attributes. */
  readonly ignoreKeys?: readonly string[];
}

/** Thrown when Loki cannot be queried or answers with something that is not a streams result. */
export class LokiQueryError extends Error {
  override readonly name = 'LokiQueryError';
}

interface LokiEntry {
  readonly ts: string;
  readonly line: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Structured-metadata names Loki derives from record fields rather than attributes. */
const FIELD_KEYS = new Set([
  'observed_timestamp', 'severity_number', 'severity_text', 'dropped_attributes_count', 'flags',
  'trace_id', 'span_id', 'scope_name', 'scope_version', 'scope_dropped_attributes_count',
  // Added by Loki itself (level detection) or by the query API.
  'detected_level', '__error__', '__error_details__',
]);

/** The LogQL query used for a run or a time range. */
export function lokiQuery(options: Pick<LokiQueryOptions, 'traceId' | 'selector'>): string {
  const selector = options.selector ?? '{service_name=~".+"}';
  const chainKey = normalizeKey(semconv.ATTR_AUDIT_CHAIN_ID);
  if (options.traceId !== undefined) {
    if (!/^[0-9a-f]{32}$/.test(options.traceId)) throw new LokiQueryError(`run id must be a 32-digit lowercase hex trace id, got ${JSON.stringify(options.traceId)}`);
    return `${selector} | trace_id="${options.traceId}" | ${chainKey}!=""`;
  }
  return `${selector} | ${chainKey}!=""`;
}

async function queryPage(options: LokiQueryOptions, query: string, startNs: bigint): Promise<LokiEntry[]> {
  const url = new URL(`${options.url.replace(/\/+$/, '')}/loki/api/v1/query_range`);
  url.searchParams.set('query', query);
  url.searchParams.set('start', startNs.toString());
  url.searchParams.set('end', options.endNs.toString());
  url.searchParams.set('limit', String(options.pageSize ?? 5000));
  url.searchParams.set('direction', 'forward');
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { 'X-Loki-Response-Encoding-Flags': 'categorize-labels', ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new LokiQueryError(`cannot reach Loki at ${options.url}: ${(error as Error).message}`);
  }
  const text = await response.text();
  if (!response.ok) throw new LokiQueryError(`Loki answered ${response.status}: ${text.slice(0, 300)}`);
  let body: { status?: string; data?: { resultType?: string; result?: unknown } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new LokiQueryError('Loki answered with something that is not JSON');
  }
  if (body.status !== 'success' || body.data?.resultType !== 'streams' || !Array.isArray(body.data.result)) {
    throw new LokiQueryError(`unexpected Loki response (status ${String(body.status)}, resultType ${String(body.data?.resultType)})`);
  }
  const entries: LokiEntry[] = [];
  for (const stream of body.data.result as { stream?: Record<string, string>; values?: unknown[] }[]) {
    const labels = stream.stream ?? {};
    for (const value of stream.values ?? []) {
      if (!Array.isArray(value) || typeof value[0] !== 'string' || typeof value[1] !== 'string') continue;
      const extra = value[2] as { structuredMetadata?: Record<string, string> } | undefined;
      entries.push({ ts: value[0], line: value[1], labels, metadata: extra?.structuredMetadata ?? {} });
    }
  }
  entries.sort((a, b) => (BigInt(a.ts) < BigInt(b.ts) ? -1 : BigInt(a.ts) > BigInt(b.ts) ? 1 : 0));
  return entries;
}

/** Fetches every matching entry, paging forward by timestamp. */
export async function fetchLokiEntries(options: LokiQueryOptions, warn: (message: string) => void): Promise<LokiEntry[]> {
  const query = options.traceId === undefined && options.selector === undefined ? lokiQuery({}) : lokiQuery(options);
  const pageSize = options.pageSize ?? 5000;
  const all: LokiEntry[] = [];
  let start = options.startNs;
  let boundary = new Set<string>();
  const identity = (entry: LokiEntry): string => `${entry.ts}\u0000${entry.line}\u0000${JSON.stringify(entry.labels)}\u0000${JSON.stringify(entry.metadata)}`;
  for (let page = 0; page < 100_000; page += 1) {
    const entries = await queryPage(options, query, start);
    for (const entry of entries) {
      if (entry.ts === start.toString() && boundary.has(identity(entry))) continue;
      all.push(entry);
    }
    if (entries.length < pageSize) return all;
    const lastTs = entries.at(-1)!.ts;
    if (BigInt(lastTs) === start) {
      // A whole page with one timestamp: paging by time cannot go on within it.
      warn(`more than ${pageSize} entries at timestamp ${lastTs}: some may be skipped; raise the page size`);
      start += 1n;
      boundary = new Set();
      continue;
    }
    start = BigInt(lastTs);
    boundary = new Set(all.filter((entry) => entry.ts === lastTs).map(identity));
  }
  throw new LokiQueryError('too many pages');
}

/** Semantic-convention attribute names swarmtrail emits, by their Loki (normalised) names. */
function knownKeys(): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(semconv)) {
    if (name.startsWith('ATTR_') && typeof value === 'string') map.set(normalizeKey(value), value);
  }
  return map;
}

function parseKeyList(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((key): key is string => typeof key === 'string') : [];
  } catch {
    return [];
  }
}

/** Queries Loki and feeds every entry to the verifier. Returns the number of entries. */
export async function verifyLoki(options: LokiQueryOptions, verifier: TrailVerifier): Promise<number> {
  const entries = await fetchLokiEntries(options, (message) => verifier.warn(message));
  const attributeKeys = knownKeys();
  const resourceKeys = new Set<string>();
  const ambiguous = new Set<string>();
  const typeKey = normalizeKey(semconv.ATTR_AUDIT_EVENT_TYPE);
  for (const entry of entries) {
    if (entry.metadata[typeKey] !== semconv.AUDIT_EVENT_TYPE_CHECKPOINT) continue;
    for (const key of parseKeyList(entry.metadata[normalizeKey(semconv.ATTR_AUDIT_CHECKPOINT_ATTRIBUTE_KEYS)])) {
      const normalized = normalizeKey(key);
      const existing = attributeKeys.get(normalized);
      if (existing !== undefined && existing !== key) ambiguous.add(normalized);
      else attributeKeys.set(normalized, key);
    }
    for (const key of parseKeyList(entry.metadata[normalizeKey(semconv.ATTR_AUDIT_CHECKPOINT_RESOURCE_KEYS)])) resourceKeys.add(key);
  }
  if (ambiguous.size > 0) verifier.warn(`attribute names ${[...ambiguous].join(', ')} stand for more than one original name in Loki; records using them may show as modified`);
  const resourceByNormalized = new Map([...resourceKeys].map((key) => [normalizeKey(key), key] as const));
  const ignored = new Set(options.ignoreKeys ?? []);
  const unknown = new Set<string>();
  for (const entry of entries) {
    const merged: Record<string, string> = { ...entry.labels, ...entry.metadata };
    const projection: RecordProjection = { v: PROJECTION_VERSION, time: entry.ts, body: normalizeString(entry.line), attributes: {} };
    const field = (name: string): string | undefined => {
      const value = merged[name];
      return value === undefined || value === '' ? undefined : value;
    };
    const optional: [keyof RecordProjection, string][] = [
      ['observed_time', 'observed_timestamp'], ['severity_number', 'severity_number'], ['severity_text', 'severity_text'],
      ['trace_id', 'trace_id'], ['span_id', 'span_id'], ['flags', 'flags'], ['dropped_attributes_count', 'dropped_attributes_count'],
      ['service_name', 'service_name'], ['scope_name', 'scope_name'], ['scope_version', 'scope_version'],
    ];
    for (const [target, source] of optional) {
      const value = field(source);
      if (value !== undefined) (projection as unknown as Record<string, string>)[target] = value;
    }
    const resourceValues = new Map<string, string>();
    let storedHash: string | undefined;
    for (const [name, value] of Object.entries(entry.metadata)) {
      if (FIELD_KEYS.has(name) || ignored.has(name)) continue;
      const resourceKey = resourceByNormalized.get(name);
      if (resourceKey !== undefined) {
        resourceValues.set(resourceKey, value);
        continue;
      }
      const original = attributeKeys.get(name);
      if (original === undefined) unknown.add(name);
      const key = original ?? name;
      if (key === semconv.ATTR_AUDIT_RECORD_HASH) storedHash = value;
      else projection.attributes[key] = normalizeString(value);
    }
    for (const [name, value] of Object.entries(entry.labels)) {
      const resourceKey = resourceByNormalized.get(name);
      if (resourceKey !== undefined) resourceValues.set(resourceKey, value);
    }
    verifier.add({
      projection,
      storedHash,
      eventName: undefined,
      eventNameKept: false,
      resourceHash: memoResource(resourceValues),
      location: `loki ts=${entry.ts}`,
    });
  }
  if (unknown.size > 0) {
    verifier.warn(`structured metadata not mapped to an attribute name (treated as attributes): ${[...unknown].sort().join(', ')}; if the collector or Loki adds them, pass --loki-ignore`);
  }
  return entries.length;
}

const resourceHashers = new Map<string, (keys: readonly string[]) => string>();

/** One hasher per distinct resource, so the verifier checks each distinct resource once. */
function memoResource(values: Map<string, string>): (keys: readonly string[]) => string {
  const identity = JSON.stringify([...values].sort());
  let hasher = resourceHashers.get(identity);
  if (hasher === undefined) {
    hasher = (keys) => hashResource(values, keys);
    if (resourceHashers.size > 10_000) resourceHashers.clear();
    resourceHashers.set(identity, hasher);
  }
  return hasher;
}
