/** Record-level editing of OTLP/JSON lines and in-memory verification, for the mutation tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import { CliError, CommandContext, EXIT_FAILURE, EXIT_USAGE, UsageError } from '../../src/cli/context.js';
import { createPalette } from '../../src/cli/format.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { readEnvironment } from '../../src/setup/environment.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { feedLogsRequest, verifyOtlpLocation } from '../../src/integrity/otlpSource.js';
import { hashProjection, projectOtlpLogRecord } from '../../src/integrity/projection.js';
import { TrailVerifier, type TrailVerifierOptions, type VerificationReport } from '../../src/integrity/TrailVerifier.js';
import { writeJournal } from './trail.js';

/** Parsed OTLP/JSON as the mutation tests edit it: deliberately untyped. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OtlpJson = any;

/** One log record with the resource and scope it was exported under (parsed OTLP/JSON). */
export interface Entry {
  resource: OtlpJson;
  schemaUrl?: string;
  scope: OtlpJson;
  record: OtlpJson;
}

export function flatten(lines: readonly string[]): Entry[] {
  const entries: Entry[] = [];
  for (const line of lines) {
    const request = JSON.parse(line);
    for (const rl of request.resourceLogs) {
      for (const sl of rl.scopeLogs) {
        for (const record of sl.logRecords) entries.push({ resource: rl.resource, scope: sl.scope, record });
      }
    }
  }
  return entries;
}

/** Serialises entries back into lines of `batchSize` records, grouping by resource and scope. */
export function regroup(entries: readonly Entry[], batchSize = 3): string[] {
  const lines: string[] = [];
  for (let i = 0; i < entries.length; i += batchSize) {
    const batch = entries.slice(i, i + batchSize);
    const resourceLogs: OtlpJson[] = [];
    for (const entry of batch) {
      const resourceKey = JSON.stringify(entry.resource);
      const scopeKey = JSON.stringify(entry.scope);
      let rl = resourceLogs.at(-1);
      if (rl === undefined || JSON.stringify(rl.resource) !== resourceKey) {
        rl = { resource: entry.resource, scopeLogs: [] };
        resourceLogs.push(rl);
      }
      let sl = rl.scopeLogs.at(-1);
      if (sl === undefined || JSON.stringify(sl.scope) !== scopeKey) {
        sl = { scope: entry.scope, logRecords: [] };
        rl.scopeLogs.push(sl);
      }
      sl.logRecords.push(entry.record);
    }
    lines.push(JSON.stringify({ resourceLogs }));
  }
  return lines;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function attribute(entry: Entry, key: string): OtlpJson {
  return entry.record.attributes.find((kv: OtlpJson) => kv.key === key)?.value;
}

export function stringAttribute(entry: Entry, key: string): string | undefined {
  const value = attribute(entry, key);
  return value === undefined ? undefined : String(value.stringValue ?? value.intValue ?? value.boolValue);
}

export function isChained(entry: Entry): boolean {
  return attribute(entry, 'audit.chain.id') !== undefined;
}

/** Recomputes `audit.record.hash` of an entry, as a forger without the signing key can. */
export function rehash(entry: Entry): void {
  const view = projectOtlpLogRecord(entry.record, entry.resource.attributes, entry.scope);
  attribute(entry, 'audit.record.hash').stringValue = hashProjection(view.projection);
}

export function verifyLines(lines: readonly string[], options: Partial<TrailVerifierOptions> = {}): VerificationReport {
  const verifier = new TrailVerifier({ source: 'memory', ...options });
  lines.forEach((line, index) => feedLogsRequest(JSON.parse(line), `memory:${index + 1}`, verifier));
  return verifier.finish();
}

export function verifyEntries(entries: readonly Entry[], options: Partial<TrailVerifierOptions> = {}): VerificationReport {
  return verifyLines(regroup(entries), options);
}

/** Writes lines to a fresh journal directory, verifies it from disk, removes it. */
export async function verifyOnDisk(contents: Buffer | readonly string[], options: Partial<TrailVerifierOptions> = {}, name = 'logs-0000000001.jsonl'): Promise<VerificationReport> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmtrail-integrity-'));
  try {
    if (Buffer.isBuffer(contents)) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, name), contents);
    } else {
      writeJournal(dir, contents, name);
    }
    const verifier = new TrailVerifier({ source: dir, ...options });
    await verifyOtlpLocation(dir, verifier);
    return verifier.finish();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** All failure kinds in a report. */
export function kinds(report: VerificationReport): Set<string> {
  return new Set(Object.keys(report.failures));
}

/** A changed copy of an OTLP/JSON AnyValue or scalar field, same type. */
export function mutateValue(value: OtlpJson): OtlpJson {
  // A different double at any magnitude (x + 1 is x itself beyond 2^53).
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value + 1 : value * 1.5;
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'string') {
    if (/^[0-9]+$/.test(value)) return String(BigInt(value) + 1n);
    if (/^[0-9a-f]+$/.test(value)) return value.slice(0, -1) + (value.endsWith('a') ? 'b' : 'a');
    return `${value}~`;
  }
  if (value === null || typeof value !== 'object') throw new Error(`cannot mutate ${String(value)}`);
  const [kind] = Object.keys(value);
  if (kind === 'arrayValue') return { arrayValue: { values: [...(value.arrayValue.values ?? []), { stringValue: 'extra' }] } };
  if (kind === 'intValue') return { intValue: typeof value.intValue === 'number' ? value.intValue + 1 : String(BigInt(value.intValue) + 1n) };
  return { [kind]: mutateValue(value[kind]) };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `swarmtrail verify` as main() does (same option parsing and context); never throws for CLI errors. */
export async function runVerifyCommand(argv: string[], cwd: string): Promise<CommandResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const io = { stdout, stderr, env: {}, cwd };
  let code: number;
  try {
    const parsed = parseArgs({ args: argv, options: { ...verifyCommand.options, dir: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
    const context = new CommandContext(io, { dir: (values.dir as string | undefined) ?? './.swarmtrail/journal', json: values.json === true, color: false }, createPalette(false), readEnvironment({}));
    code = await verifyCommand.run(context, { values, positionals: parsed.positionals });
  } catch (error) {
    if (error instanceof UsageError) code = EXIT_USAGE;
    else if (error instanceof CliError) code = EXIT_FAILURE;
    else throw error;
    err.push(Buffer.from(String((error as Error).message)));
  }
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}
