/**
 * `swarmtrail verify`: checks an audit trail's hash chains and signed checkpoints (docs/integrity.md)
 * in the local journal, an exported OTLP/JSON file, or Loki. Exit code 0 only when everything
 * verifies against a pinned key, 3 when it verifies against an unpinned one; `--json` prints the
 * report; `--metrics-endpoint` pushes `swarmtrail.verify.failures`.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AnchorError, loadAnchorEntries } from '../integrity/anchor.js';
import { GENERATED_PUBLIC_KEY_FILE, loadTrustedKeys, SigningKeyError, type TrustedKey } from '../integrity/keys.js';
import { LokiQueryError, verifyLoki } from '../integrity/lokiSource.js';
import { recordVerificationFailures } from '../integrity/metrics.js';
import { verifyOtlpLocation } from '../integrity/otlpSource.js';
import { TrailVerifier, type AnchorEntry, type Finding, type VerificationReport } from '../integrity/TrailVerifier.js';
import { JournalNotFoundError } from '../journal/JournalReader.js';
import { CliError, EXIT_FAILURE, EXIT_OK, UsageError, parseCount, parseTime, type CommandContext } from './context.js';
import type { Palette } from './format.js';
import type { CliCommand, ParsedArguments } from './main.js';

const TRACE_ID = /^[0-9a-f]{32}$/;
const RUN_PREFIX = /^[0-9a-f]{4,32}$/;
/** Exit code: every chain verifies, but only against a key that was not pinned with --public-key. */
export const EXIT_UNPINNED = 3;

/** How far the signatures' signer is trusted. */
type Trust = 'pinned' | 'local-key' | 'embedded';
const DEFAULT_LOKI_RANGE_MS = 7 * 86_400_000;
const MAX_FINDINGS_SHOWN = 20;

function strings(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(':');
    const eq = value.indexOf('=');
    const at = colon > 0 && (eq < 0 || colon < eq) ? colon : eq;
    if (at <= 0) throw new UsageError(`--loki-header ${value}: expected Name: value (or Name=value)`);
    headers[value.slice(0, at).trim()] = value.slice(at + 1).trim();
  }
  return headers;
}

/** Trusted keys: `--public-key` paths, else the key a local writer generated next to the journal. */
function trustedKeys(context: CommandContext, paths: readonly string[], usesJournal: boolean): { keys: TrustedKey[]; note: string | undefined; trust: Trust } {
  try {
    if (paths.length > 0) return { keys: loadTrustedKeys(paths.map((path) => resolve(context.io.cwd, path))), note: undefined, trust: 'pinned' };
    if (!usesJournal) return { keys: [], note: undefined, trust: 'embedded' };
    const location = context.location;
    const base = existsSync(location) && statSync(location).isDirectory() ? location : dirname(location);
    const local = join(base, '..', 'keys', GENERATED_PUBLIC_KEY_FILE);
    if (!existsSync(local)) return { keys: [], note: undefined, trust: 'embedded' };
    return {
      keys: loadTrustedKeys([local]),
      note: `checked against the locally generated key ${local}, which anyone who can write the trail's directory can replace: pass --public-key to pin the signer`,
      trust: 'local-key',
    };
  } catch (error) {
    if (error instanceof SigningKeyError) throw new CliError(error.message);
    throw error;
  }
}

function anchors(context: CommandContext, paths: readonly string[]): AnchorEntry[] {
  try {
    return loadAnchorEntries(paths.map((path) => resolve(context.io.cwd, path)));
  } catch (error) {
    if (error instanceof AnchorError) throw new CliError(error.message);
    throw error;
  }
}

async function pushMetrics(report: VerificationReport, endpoint: string): Promise<void> {
  const [{ MeterProvider, PeriodicExportingMetricReader }, { OTLPMetricExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/exporter-metrics-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = new OTLPMetricExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/metrics` });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'swarmtrail-verify' }), readers: [reader] });
  recordVerificationFailures(report, provider.getMeter('swarmtrail'));
  await provider.shutdown(); // exports once, then stops
}

function describeFinding(finding: Finding, palette: Palette): string {
  const seq = finding.seq === undefined ? '' : finding.seqEnd !== undefined && finding.seqEnd !== finding.seq ? `seq ${finding.seq}-${finding.seqEnd}` : `seq ${finding.seq}`;
  const where = finding.location === undefined ? '' : ` ${palette.dim(finding.location)}`;
  return `${palette.red(finding.kind.padEnd(14))} ${seq.padEnd(14)}${finding.message}${where}`;
}

/** The human-readable report. */
export function formatVerificationReport(report: VerificationReport, palette: Palette): string {
  const out: string[] = [];
  const records = report.chains.reduce((sum, chain) => sum + chain.records, 0);
  const duplicates = report.chains.reduce((sum, chain) => sum + chain.duplicates, 0);
  const checkpoints = report.chains.reduce((sum, chain) => sum + chain.checkpoints, 0);
  out.push(`verifying ${report.source}`);
  out.push(`  ${report.chains.length} chain${report.chains.length === 1 ? '' : 's'}, ${records} records, ${checkpoints} checkpoints${duplicates > 0 ? `, ${duplicates} duplicates ignored` : ''}`);
  for (const chain of report.chains) {
    const mark = chain.ok ? palette.green('✓') : palette.red('✗');
    const run = chain.traceId === undefined ? 'no run' : `run ${chain.traceId}`;
    const state = chain.sealed ? `sealed at seq ${chain.lastSeq}` : `open, checkpointed to seq ${chain.checkpointedSeq}`;
    out.push(`${mark} chain ${chain.chainId} (${run}): ${chain.records} records, ${state}`);
    for (const finding of chain.findings.slice(0, MAX_FINDINGS_SHOWN)) out.push(`    ${describeFinding(finding, palette)}`);
    if (chain.findings.length > MAX_FINDINGS_SHOWN) out.push(`    ... ${chain.findings.length - MAX_FINDINGS_SHOWN} more (see --json)`);
  }
  for (const finding of report.findings.slice(0, MAX_FINDINGS_SHOWN)) out.push(`${palette.red('✗')} ${describeFinding(finding, palette)}`);
  if (report.findings.length > MAX_FINDINGS_SHOWN) out.push(`  ... ${report.findings.length - MAX_FINDINGS_SHOWN} more (see --json)`);
  for (const warning of report.warnings) out.push(`${palette.yellow('warning:')} ${warning}`);
  if (report.ok) {
    out.push(palette.green(report.chains.length === 0 ? 'OK: nothing to verify (no chained audit records found)' : 'OK: every chain verifies'));
  } else {
    const kinds = Object.entries(report.failures).map(([kind, count]) => `${kind} ${count}`).join(', ');
    out.push(palette.red(`FAILED: ${kinds}`));
  }
  return `${out.join('\n')}\n`;
}

async function run(context: CommandContext, args: ParsedArguments): Promise<number> {
  const values = args.values;
  const runId = optionalString(values.run)?.toLowerCase();
  const lokiUrl = optionalString(values.loki);
  if (runId !== undefined && lokiUrl !== undefined && !TRACE_ID.test(runId)) {
    throw new UsageError(`--run ${String(values.run)}: with --loki, the whole run id (32 hex digits, the trace id)`);
  }
  if (runId !== undefined && !RUN_PREFIX.test(runId)) throw new UsageError(`--run ${String(values.run)}: expected a run id or a prefix of at least 4 hex digits`);
  const keyPaths = strings(values['public-key']);
  const { keys, note, trust } = trustedKeys(context, keyPaths, lokiUrl === undefined);
  const anchorEntries = anchors(context, strings(values.anchor));
  const runs = runId === undefined ? undefined : { has: (traceId: string) => traceId.startsWith(runId) };
  const verifier = new TrailVerifier({
    source: lokiUrl === undefined ? context.location : `Loki ${lokiUrl}`,
    ordered: lokiUrl === undefined,
    trustedKeys: keys,
    anchors: anchorEntries,
    anchorScope: runs ?? (lokiUrl === undefined ? 'all' : 'none'),
    allowOpen: values['allow-open'] === true,
    allowUnchained: values['allow-unchained'] === true,
    ...(runs === undefined ? {} : { traceIds: runs }),
  });
  if (note !== undefined) verifier.warn(note);
  if (lokiUrl === undefined) {
    if (values.since !== undefined || values.until !== undefined) throw new UsageError('--since/--until select a time range in Loki; with the journal, use --run or verify everything');
    try {
      await verifyOtlpLocation(context.location, verifier);
    } catch (error) {
      if (error instanceof JournalNotFoundError) throw new CliError(`${error.message}\n  Point verify at a journal with --dir <path>, or at Loki with --loki <url>.`);
      throw error;
    }
  } else {
    const now = context.now();
    const until = values.until === undefined ? now + 60_000 : parseTime(String(values.until), 'until', now);
    const since = values.since === undefined ? until - DEFAULT_LOKI_RANGE_MS : parseTime(String(values.since), 'since', now);
    if (since >= until) throw new UsageError('--since is not before --until');
    try {
      await verifyLoki(
        {
          url: lokiUrl,
          ...(runId === undefined ? {} : { traceId: runId }),
          ...(values['loki-selector'] === undefined ? {} : { selector: String(values['loki-selector']) }),
          startNs: BigInt(Math.floor(since)) * 1_000_000n,
          endNs: BigInt(Math.ceil(until)) * 1_000_000n,
          pageSize: parseCount(optionalString(values['page-size']), 'page-size', 5000) || 5000,
          headers: parseHeaders(strings(values['loki-header'])),
          ignoreKeys: strings(values['loki-ignore']),
        },
        verifier,
      );
    } catch (error) {
      if (error instanceof LokiQueryError) throw new CliError(error.message);
      throw error;
    }
  }
  const report = verifier.finish();
  const endpoint = optionalString(values['metrics-endpoint']);
  if (endpoint !== undefined) {
    try {
      await pushMetrics(report, endpoint);
    } catch (error) {
      await context.warn(`could not push swarmtrail.verify.failures to ${endpoint}: ${(error as Error).message}`);
    }
  }
  const unpinned = report.ok && trust !== 'pinned';
  if (context.options.json) await context.json({ ...report, trust });
  else {
    await context.out(formatVerificationReport(report, context.palette));
    if (unpinned) {
      await context.out(
        context.palette.yellow(
          `the signer is not pinned: signatures were checked against ${trust === 'local-key' ? 'the key file next to the trail' : 'the public keys the checkpoints carry'}, which proves the trail is consistent, not who wrote it; pass --public-key <trusted.pub.pem> (exit code ${EXIT_UNPINNED})`,
        ) + '\n',
      );
    }
  }
  if (!report.ok) return EXIT_FAILURE;
  return unpinned ? EXIT_UNPINNED : EXIT_OK;
}

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: 'check the audit trail for tampering (hash chains, signed checkpoints)',
  usage: 'verify [--run <run-id>] [--loki <url> [--since <time>] [--until <time>]] [options]',
  help: `Verifies every audit-record hash chain in the journal (--dir), an exported OTLP/JSON file
(--dir <file>), or Loki (--loki). Reports modified, missing, reordered, forked, truncated or
appended records and bad or untrusted checkpoint signatures; duplicates are ignored.
Exit code 0 only when everything verifies against a pinned key (--public-key); 1 when anything
fails; 2 for a usage error; 3 when everything verifies but the signer was not pinned (the key file
next to the trail, or the keys the checkpoints carry: anyone who can rewrite the trail can replace
those).

Options:
      --run <run-id>            only this run (its trace id, or a prefix of 4+ hex digits; whole id with --loki)
      --loki <url>              read from Loki's query API instead of the journal
      --since <time>            Loki: range start, ISO time or duration ago (default 7d)
      --until <time>            Loki: range end (default now)
      --loki-selector <logql>   Loki: stream selector (default {service_name=~".+"})
      --loki-header <h: v>      Loki: request header, e.g. "X-Scope-OrgID: tenant" (repeatable)
      --loki-ignore <name>      Loki: structured metadata added downstream, not by the writer (repeatable)
      --page-size <n>           Loki: entries per request (default 5000)
      --public-key <path>       trusted Ed25519 public key (PEM) or directory of them (repeatable);
                                default: <dir>/../keys/signing-key.pub.pem if present, else the
                                keys embedded in checkpoints (trust on first use, with a warning)
      --anchor <path>           external anchor file or directory of checkpoints (repeatable)
      --allow-open              a chain without a final checkpoint is a warning, not a failure
      --allow-unchained         audit records written with integrity off (development, minimal
                                presets) are counted in a warning, not each a failure
      --metrics-endpoint <url>  push swarmtrail.verify.failures to this OTLP/HTTP endpoint

Examples:
  swarmtrail verify
  swarmtrail verify --run 4bf92f3577b34da6a3ce929d0e0e4736 --anchor /mnt/worm/anchors
  swarmtrail verify --loki http://localhost:3100 --since 24h --json`,
  options: {
    run: { type: 'string' },
    loki: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    'loki-selector': { type: 'string' },
    'loki-header': { type: 'string', multiple: true },
    'loki-ignore': { type: 'string', multiple: true },
    'page-size': { type: 'string' },
    'public-key': { type: 'string', multiple: true },
    anchor: { type: 'string', multiple: true },
    'allow-open': { type: 'boolean' },
    'allow-unchained': { type: 'boolean' },
    'metrics-endpoint': { type: 'string' },
  },
  run,
};
