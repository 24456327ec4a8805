/**
 * Verifying from Loki. No Loki runs here, so a 127.0.0.1 HTTP server answers `query_range` in
 * Loki's format (streams of [ts, line, {structuredMetadata}]) with entries converted from a real
 * trail the way Loki's native OTLP ingestion converts log records (pkg/loghttp/push/otlp.go:
 * body -> line, `service.name` -> stream label, other resource attributes, log attributes and
 * record fields -> structured metadata, names normalised, values via pcommon `AsString`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LokiQueryError, lokiQuery, verifyLoki } from '../../src/integrity/lokiSource.js';
import { TrailVerifier, type VerificationReport } from '../../src/integrity/TrailVerifier.js';
import type { TrustedKey } from '../../src/integrity/keys.js';
import { flatten, runVerifyCommand, type Entry, type OtlpJson } from './helpers.js';
import { makeTrail, testSigningKey, toOtlpLines } from './trail.js';

interface LokiEntry {
  ts: string;
  line: string;
  labels: Record<string, string>;
  metadata: Record<string, string>;
}

/** Prometheus/Loki label normalisation, written independently of the code under test. */
function labelName(key: string): string {
  const out = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(out) ? `key_${out}` : out;
}

/** Go's encoding/json output for a raw value: sorted map keys, HTML characters escaped. */
function goJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as OtlpJson)[k])]));
    return v;
  };
  return JSON.stringify(sortKeys(value)).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

function raw(value: OtlpJson): unknown {
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('boolValue' in value) return value.boolValue;
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(raw);
  if ('kvlistValue' in value) return Object.fromEntries((value.kvlistValue.values ?? []).map((kv: OtlpJson) => [kv.key, raw(kv.value)]));
  return null;
}

/** pcommon.Value.AsString. */
function asString(value: OtlpJson): string {
  if (value === undefined) return '';
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return String(value.intValue);
  if ('doubleValue' in value) return String(value.doubleValue);
  if ('boolValue' in value) return value.boolValue ? 'true' : 'false';
  return goJson(raw(value));
}

function toLokiEntry(entry: Entry): LokiEntry {
  const { record, resource, scope } = entry;
  const labels: Record<string, string> = {};
  const metadata: Record<string, string> = {};
  for (const kv of record.attributes) metadata[labelName(kv.key)] = asString(kv.value);
  if (record.timeUnixNano !== '0' && record.observedTimeUnixNano !== '0') metadata.observed_timestamp = record.observedTimeUnixNano;
  if (record.severityNumber) metadata.severity_number = String(record.severityNumber);
  if (record.severityText) metadata.severity_text = record.severityText;
  if (record.flags) metadata.flags = String(record.flags);
  if (record.traceId) metadata.trace_id = record.traceId;
  if (record.spanId) metadata.span_id = record.spanId;
  for (const kv of resource.attributes) {
    if (kv.key === 'service.name') labels.service_name = asString(kv.value);
    else metadata[labelName(kv.key)] = asString(kv.value);
  }
  if (scope.name) metadata.scope_name = scope.name;
  if (scope.version) metadata.scope_version = scope.version;
  if (record.severityText) metadata.detected_level = record.severityText.toLowerCase();
  return { ts: record.timeUnixNano, line: record.body === undefined ? '' : asString(record.body), labels, metadata };
}

let server: Server;
let baseUrl: string;
let store: LokiEntry[] = [];
let requests = 0;
let traceIds: string[];
let original: LokiEntry[];
let trusted: TrustedKey[];
let keyFile: string;
let keyDir: string;

function answer(url: URL, categorize: boolean): unknown {
  const query = url.searchParams.get('query') ?? '';
  const trace = /trace_id="([0-9a-f]+)"/.exec(query)?.[1];
  const start = BigInt(url.searchParams.get('start')!);
  const end = BigInt(url.searchParams.get('end')!);
  const limit = Number(url.searchParams.get('limit'));
  const selected = store
    .filter((entry) => BigInt(entry.ts) >= start && BigInt(entry.ts) < end)
    .filter((entry) => trace === undefined || entry.metadata.trace_id === trace)
    .filter((entry) => entry.metadata.audit_chain_id !== undefined && entry.metadata.audit_chain_id !== '')
    .sort((a, b) => (BigInt(a.ts) < BigInt(b.ts) ? -1 : BigInt(a.ts) > BigInt(b.ts) ? 1 : 0))
    .slice(0, limit);
  const streams = new Map<string, { stream: Record<string, string>; values: unknown[] }>();
  for (const entry of selected) {
    const labels = categorize ? entry.labels : { ...entry.labels, ...entry.metadata };
    const key = JSON.stringify(labels);
    let stream = streams.get(key);
    if (stream === undefined) {
      stream = { stream: labels, values: [] };
      streams.set(key, stream);
    }
    stream.values.push(categorize ? [entry.ts, entry.line, { structuredMetadata: entry.metadata }] : [entry.ts, entry.line]);
  }
  return { status: 'success', data: { resultType: 'streams', result: [...streams.values()], stats: {} } };
}

beforeAll(async () => {
  const trail = await makeTrail({ runs: 3, recordsPerRun: 7 });
  traceIds = trail.traceIds;
  original = flatten(toOtlpLines(trail.records)).map(toLokiEntry);
  const key = testSigningKey();
  trusted = [{ keyId: key.keyId, publicKeyHex: key.publicKeyHex, publicKey: key.publicKey, path: 'test' }];
  keyDir = mkdtempSync(join(tmpdir(), 'swarmtrail-loki-key-'));
  keyFile = join(keyDir, 'trusted.pub.pem');
  writeFileSync(keyFile, key.publicKey.export({ format: 'pem', type: 'spki' }));
  server = createServer((request, response) => {
    requests += 1;
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/loki/api/v1/query_range') {
      response.writeHead(404).end('not found');
      return;
    }
    const categorize = request.headers['x-loki-response-encoding-flags'] === 'categorize-labels';
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(url, categorize)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  rmSync(keyDir, { recursive: true, force: true });
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function verifyFromLoki(options: { traceId?: string; pageSize?: number } = {}): Promise<VerificationReport> {
  const verifier = new TrailVerifier({ source: 'loki', ordered: false, trustedKeys: trusted, anchorScope: 'none' });
  await verifyLoki({ url: baseUrl, startNs: 0n, endNs: BigInt(Date.now() + 60_000) * 1_000_000n, ...options }, verifier);
  return verifier.finish();
}

describe('verify from Loki', () => {
  test('the query selects chained records, optionally of one run', () => {
    expect(lokiQuery({})).toBe('{service_name=~".+"} | audit_chain_id!=""');
    expect(lokiQuery({ traceId: 'ab'.repeat(16) })).toBe(`{service_name=~".+"} | trace_id="${'ab'.repeat(16)}" | audit_chain_id!=""`);
    expect(() => lokiQuery({ traceId: 'not-a-trace' })).toThrow(LokiQueryError);
  });

  test('an untouched trail verifies cleanly, across pages', async () => {
    store = original.map((entry) => structuredClone(entry));
    requests = 0;
    const report = await verifyFromLoki({ pageSize: 20 });
    expect(report.findings).toEqual([]);
    expect(report.chains.map((chain) => chain.findings)).toEqual([[], [], []]);
    expect(report.ok).toBe(true);
    expect(report.recordsRead).toBe(original.filter((entry) => entry.metadata.audit_chain_id !== undefined).length);
    expect(requests).toBeGreaterThan(1);
  });

  test('one run by its trace id', async () => {
    store = original.map((entry) => structuredClone(entry));
    const report = await verifyFromLoki({ traceId: traceIds[1] });
    expect(report.ok).toBe(true);
    expect(report.chains).toHaveLength(1);
    expect(report.chains[0].traceId).toBe(traceIds[1]);
    expect(report.chains[0].sealed).toBe(true);
  });

  test('an edited attribute, line or resource attribute in Loki is modified', async () => {
    const edits: ((entry: LokiEntry) => void)[] = [
      (entry) => { entry.metadata.audit_outcome = 'failure'; },
      (entry) => { entry.line = `${entry.line}!`; },
      (entry) => { entry.metadata.gen_ai_agent_name = 'someone-else'; },
      (entry) => { entry.ts = String(BigInt(entry.ts) + 1n); },
    ];
    for (const edit of edits) {
      store = original.map((entry) => structuredClone(entry));
      edit(store.find((entry) => entry.metadata.audit_event_type === 'decision')!);
      const report = await verifyFromLoki();
      expect(report.failures).toEqual({ modified: 1 });
    }
    store = original.map((entry) => structuredClone(entry));
    store.find((entry) => entry.metadata.audit_event_type === 'decision')!.metadata.service_version = '6.6.6';
    expect(Object.keys((await verifyFromLoki()).failures)).toEqual(['modified']);
  });

  test('a deleted entry is missing, deleted final entries are truncated', async () => {
    store = original.filter((entry) => entry !== original.find((e) => e.metadata.audit_event_type === 'decision'));
    expect(Object.keys((await verifyFromLoki()).failures)).toEqual(['missing']);
    const lastChain = original.at(-1)!.metadata.audit_chain_id;
    const lastOfChain = original.filter((entry) => entry.metadata.audit_chain_id === lastChain).at(-1)!;
    store = original.filter((entry) => entry !== lastOfChain);
    expect(Object.keys((await verifyFromLoki()).failures)).toEqual(['truncated']);
  });

  test('swarmtrail verify --loki: exit 0 for the intact trail, 1 with --json failures after an edit', async () => {
    store = original.map((entry) => structuredClone(entry));
    const clean = await runVerifyCommand(['--loki', baseUrl, '--since', '30d', '--run', traceIds[0], '--public-key', keyFile], process.cwd());
    expect(clean.stdout).toContain('OK: every chain verifies');
    expect(clean.code).toBe(0);
    store.find((entry) => entry.metadata.audit_event_type === 'decision')!.metadata.audit_outcome = 'failure';
    const tampered = await runVerifyCommand(['--loki', baseUrl, '--json', '--page-size', '20'], process.cwd());
    expect(tampered.code).toBe(1);
    expect(JSON.parse(tampered.stdout).failures).toEqual({ modified: 1 });
    const unreachable = await runVerifyCommand(['--loki', 'http://127.0.0.1:9'], process.cwd());
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach Loki');
  });

  test('a page smaller than the entries sharing one timestamp cannot be paged: warned, and the gap reported', async () => {
    store = original.map((entry) => structuredClone(entry));
    const counts = new Map<string, number>();
    for (const entry of store) counts.set(entry.ts, (counts.get(entry.ts) ?? 0) + 1);
    const pageSize = 2;
    expect(Math.max(...counts.values())).toBeGreaterThan(pageSize);
    const report = await verifyFromLoki({ pageSize });
    expect(report.warnings.join('\n')).toContain('entries at timestamp');
    expect(report.ok).toBe(false);
  });

  test('an unreachable Loki is a LokiQueryError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const verifier = new TrailVerifier({ source: 'loki' });
    await expect(verifyLoki({ url: `http://127.0.0.1:${port}`, startNs: 0n, endNs: 1n, timeoutMs: 2000 }, verifier)).rejects.toThrow(LokiQueryError);
  });

  test('a Loki error answer is a LokiQueryError', async () => {
    const verifier = new TrailVerifier({ source: 'loki' });
    await expect(verifyLoki({ url: `${baseUrl}/nowhere/`, startNs: 0n, endNs: 1n }, verifier)).rejects.toThrow(/Loki answered 404/);
  });
});
