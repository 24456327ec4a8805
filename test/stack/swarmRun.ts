/**
 * A swarm run sent through the collector, with what the backends must end up holding: the demo
 * swarm (dist/examples/demo-swarm.js, built by `npm run build`) runs as a child process exporting
 * to the collector like any app; what it exported is read back from its local journal.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { finalSeries, jobOf, prometheusName, readJournal, type JournalMetricPoint, type JournalSpan } from './journalRun.js';
import type { Attributes } from './otlpProtobuf.js';
import { REPOSITORY_ROOT } from './stack.js';

export const DEMO_SCRIPT = join(REPOSITORY_ROOT, 'dist', 'examples', 'demo-swarm.js');

export interface MetricExpectation {
  /** An instant PromQL query returning exactly one sample. */
  readonly promql: string;
  readonly value: number;
  /** Largest accepted absolute difference (durations are float sums). */
  readonly tolerance: number;
}

export interface ExpectedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** Attributes as decoded from OTLP protobuf (int64 as decimal strings). */
  readonly attributes: Attributes;
}

export interface ExpectedAuditRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly eventName: string;
  readonly auditEventId: string;
  readonly attributes: Attributes;
}

export interface SwarmRun {
  /** Prometheus's `job` label of the run's metrics (from service.name). */
  readonly job: string;
  /** One trace per swarm run. */
  readonly traceIds: readonly string[];
  readonly spans: readonly ExpectedSpan[];
  readonly auditRecords: readonly ExpectedAuditRecord[];
  readonly metricExpectations: readonly MetricExpectation[];
  /** Every counter and histogram the SDK exported (per the journal), with its final total. */
  readonly exportedMetricExpectations: readonly MetricExpectation[];
  /** Number of spans per gen_ai.operation.name, what span metrics must count. */
  readonly spanCountsByOperation: ReadonlyMap<string, number>;
  /** The demo's output (it names the run id).  */
  readonly output: string;
}

export interface RunSwarmOptions {
  readonly collectorEndpoint: string;
  readonly workDirectory: string;
}

function countByOperation(spans: readonly { attributes: Attributes }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const span of spans) {
    const operation = span.attributes['gen_ai.operation.name'];
    if (typeof operation === 'string') counts.set(operation, (counts.get(operation) ?? 0) + 1);
  }
  return counts;
}


/**
 * The metrics swarmtrail's GenAiMetricsSpanProcessor derives from the spans it ends, as PromQL
 * with the values these spans imply.
 */
function expectationsFromSpans(job: string, spans: readonly JournalSpan[]): MetricExpectation[] {
  const own = spans.filter((span) => span.scopeName === 'swarmtrail' && typeof span.attributes['gen_ai.operation.name'] === 'string');
  const byOperation = (operation: string): JournalSpan[] => own.filter((span) => span.attributes['gen_ai.operation.name'] === operation);
  const agentic = new Set<unknown>(['invoke_workflow', 'invoke_agent', 'execute_tool']);
  const inference = own.filter((span) => !agentic.has(span.attributes['gen_ai.operation.name']));
  const tokens = (key: string): number[] => inference.map((span) => span.attributes[key]).filter((value) => typeof value === 'string').map(Number);
  const total = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0);
  const durationTolerance = 1e-6;
  const expectations: MetricExpectation[] = [];
  const histogram = (metric: string, durations: readonly number[]): void => {
    if (durations.length === 0) return;
    expectations.push({ promql: `sum(${metric}_count{job="${job}"})`, value: durations.length, tolerance: 0 });
    expectations.push({ promql: `sum(${metric}_sum{job="${job}"})`, value: total(durations), tolerance: durationTolerance });
  };
  histogram('swarmtrail_workflow_duration_seconds', byOperation('invoke_workflow').map((span) => span.durationSeconds));
  histogram('swarmtrail_agent_duration_seconds', byOperation('invoke_agent').map((span) => span.durationSeconds));
  histogram('swarmtrail_tool_duration_seconds', byOperation('execute_tool').map((span) => span.durationSeconds));
  histogram('gen_ai_client_operation_duration_seconds', inference.map((span) => span.durationSeconds));
  for (const [type, key] of [['input', 'gen_ai.usage.input_tokens'], ['output', 'gen_ai.usage.output_tokens']] as const) {
    const values = tokens(key);
    if (values.length === 0) continue;
    expectations.push({ promql: `sum(gen_ai_client_token_usage_sum{job="${job}",gen_ai_token_type="${type}"})`, value: total(values), tolerance: 0 });
    expectations.push({ promql: `sum(gen_ai_client_token_usage_count{job="${job}",gen_ai_token_type="${type}"})`, value: values.length, tolerance: 0 });
  }
  return expectations;
}

/**
 * Per metric name, the total over its series of the final cumulative values the SDK exported, as
 * PromQL: `<name>_count` and `<name>_sum` for histograms, `<name>_total` for counters.
 */
function expectationsFromExportedMetrics(points: readonly JournalMetricPoint[]): MetricExpectation[] {
  const totals = new Map<string, { count: number; value: number; point: JournalMetricPoint }>();
  for (const point of finalSeries(points.filter((candidate) => candidate.cumulative && candidate.kind !== 'sum'))) {
    const key = `${point.job}\u0000${point.name}`;
    const total = totals.get(key) ?? { count: 0, value: 0, point };
    total.count += point.count;
    total.value += point.value;
    totals.set(key, total);
  }
  const expectations: MetricExpectation[] = [];
  for (const { count, value, point } of totals.values()) {
    const name = prometheusName(point.name, point.unit, point.kind);
    if (point.kind === 'histogram') {
      expectations.push({ promql: `sum(${name}_count{job="${point.job}"})`, value: count, tolerance: 0 });
      expectations.push({ promql: `sum(${name}_sum{job="${point.job}"})`, value, tolerance: 1e-6 });
    } else {
      expectations.push({ promql: `sum(${name}{job="${point.job}"})`, value, tolerance: 1e-9 });
    }
  }
  return expectations;
}

/** Runs the demo swarm as a child process exporting to the collector; reads back its journal. */
export async function runDemoSwarm(options: RunSwarmOptions & { readonly name?: string }): Promise<SwarmRun> {
  if (!existsSync(DEMO_SCRIPT)) throw new Error(`${DEMO_SCRIPT} is missing: run npm run build first (scripts/ci-stack.sh does)`);
  const directory = join(options.workDirectory, options.name ?? 'demo');
  mkdirSync(directory, { recursive: true });
  const child = spawn(process.execPath, [DEMO_SCRIPT], {
    cwd: directory,
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      OTEL_EXPORTER_OTLP_ENDPOINT: options.collectorEndpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  if (code !== 0) throw new Error(`demo-swarm exited with ${String(code)}:\n${output}`);

  const journal = readJournal(join(directory, '.swarmtrail', 'journal'));
  if (journal.spans.length === 0) throw new Error(`the demo journaled no spans in ${directory}/.swarmtrail/journal:\n${output}`);
  const job = jobOf(journal.spans[0].resource);
  const auditRecords: ExpectedAuditRecord[] = [];
  for (const record of journal.logRecords) {
    const auditEventId = record.attributes['audit.event.id'];
    if (typeof auditEventId !== 'string') continue;
    auditRecords.push({ traceId: record.traceId, spanId: record.spanId, eventName: record.eventName, auditEventId, attributes: record.attributes });
  }
  return {
    job,
    traceIds: [...new Set(journal.spans.map((span) => span.traceId))],
    spans: journal.spans,
    auditRecords,
    metricExpectations: expectationsFromSpans(job, journal.spans),
    exportedMetricExpectations: expectationsFromExportedMetrics(journal.metricPoints),
    spanCountsByOperation: countByOperation(journal.spans),
    output,
  };
}

/**
 * Sends a journal to the collector with the CLI (`swarmtrail ship`), as a user does after an
 * outage: what the SDK could not export while the collector was down is still in the journal.
 */
export async function shipJournal(options: { readonly journalDirectory: string; readonly collectorEndpoint: string }): Promise<string> {
  const cli = join(REPOSITORY_ROOT, 'dist', 'src', 'cli', 'main.js');
  const child = spawn(process.execPath, [cli, 'ship', '--dir', options.journalDirectory, '--endpoint', options.collectorEndpoint], {
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'] },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  if (code !== 0) throw new Error(`swarmtrail ship exited with ${String(code)}:\n${output}`);
  return output;
}
