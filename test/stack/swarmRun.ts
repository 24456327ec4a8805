/**
 * One swarm run sent through the collector, with what the backends must end up holding.
 *
 * When the demo is built (dist/examples/demo-swarm.js, `npm run build`), the run is the demo
 * itself, exporting through the collector like any app; what it exported is read back from its
 * local journal. Otherwise the run is built as raw OTLP by this module.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { jobOf, readJournal, type JournalSpan } from './journalRun.js';
import type { Attributes } from './otlpProtobuf.js';
import { auditRecord, logsRequest, newSpanId, newTraceId, postOtlpJson, traceRequest, type RawSpan } from './rawOtlp.js';
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
  /** What produced the run. */
  readonly source: 'demo' | 'raw-otlp';
  /** Prometheus's `job` label of the run's metrics (from service.name). */
  readonly job: string;
  /** One trace per swarm run. */
  readonly traceIds: readonly string[];
  readonly spans: readonly ExpectedSpan[];
  readonly auditRecords: readonly ExpectedAuditRecord[];
  readonly metricExpectations: readonly MetricExpectation[];
  /** Number of spans per gen_ai.operation.name, what span metrics must count. */
  readonly spanCountsByOperation: ReadonlyMap<string, number>;
  /** The demo's output (its run id), empty for raw OTLP. */
  readonly output: string;
}

export interface RunSwarmOptions {
  readonly collectorEndpoint: string;
  readonly workDirectory: string;
}

/** Attributes as they come out of OTLP protobuf: int64 values as decimal strings. */
export function asDecoded(attributes: Record<string, string | number | boolean>): Attributes {
  return Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, typeof value === 'number' && Number.isInteger(value) ? String(value) : value]));
}

function countByOperation(spans: readonly { attributes: Attributes }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const span of spans) {
    const operation = span.attributes['gen_ai.operation.name'];
    if (typeof operation === 'string') counts.set(operation, (counts.get(operation) ?? 0) + 1);
  }
  return counts;
}

export async function runSwarm(options: RunSwarmOptions): Promise<SwarmRun> {
  return existsSync(DEMO_SCRIPT) ? runDemoSwarm(options) : runRawSwarm(options);
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

/** Runs the demo swarm as a child process exporting to the collector; reads back its journal. */
export async function runDemoSwarm(options: RunSwarmOptions & { readonly name?: string }): Promise<SwarmRun> {
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
    source: 'demo',
    job,
    traceIds: [...new Set(journal.spans.map((span) => span.traceId))],
    spans: journal.spans,
    auditRecords,
    metricExpectations: expectationsFromSpans(job, journal.spans),
    spanCountsByOperation: countByOperation(journal.spans),
    output,
  };
}

const HISTOGRAM_BOUNDS = [1, 4, 16, 64, 256, 1024, 4096, 16384];

function histogramPoint(attributes: Record<string, string>, values: readonly number[], nowNs: bigint): unknown {
  const bucketCounts = Array.from({ length: HISTOGRAM_BOUNDS.length + 1 }, () => 0);
  for (const value of values) {
    const index = HISTOGRAM_BOUNDS.findIndex((bound) => value <= bound);
    bucketCounts[index === -1 ? HISTOGRAM_BOUNDS.length : index] += 1;
  }
  return {
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } })),
    startTimeUnixNano: String(nowNs - 5_000_000_000n),
    timeUnixNano: String(nowNs),
    count: String(values.length),
    sum: values.reduce((total, value) => total + value, 0),
    bucketCounts: bucketCounts.map(String),
    explicitBounds: HISTOGRAM_BOUNDS,
  };
}

/**
 * A deterministic swarm run built as raw OTLP: a workflow, two agents, each with an LLM call and
 * a tool call; an audit record for every span end; token-usage and tool-duration histograms.
 */
export async function runRawSwarm(options: RunSwarmOptions): Promise<SwarmRun> {
  const serviceName = 'swarmtrail-stack-run';
  const traceId = newTraceId();
  const workflow: RawSpan = { traceId, spanId: newSpanId(), name: 'invoke_workflow research', attributes: { 'gen_ai.operation.name': 'invoke_workflow', 'gen_ai.workflow.name': 'research' } };
  const spans: RawSpan[] = [workflow];
  const tokens = { input: [] as number[], output: [] as number[] };
  const toolDurations: number[] = [];
  for (const [index, agentName] of ['planner', 'writer'].entries()) {
    const agent: RawSpan = { traceId, spanId: newSpanId(), parentSpanId: workflow.spanId, name: `invoke_agent ${agentName}`, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agentName } };
    const chat: RawSpan = {
      traceId,
      spanId: newSpanId(),
      parentSpanId: agent.spanId,
      name: 'chat demo-model',
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'demo-model', 'gen_ai.agent.name': agentName, 'gen_ai.usage.input_tokens': 100 + index, 'gen_ai.usage.output_tokens': 40 + index },
    };
    const tool: RawSpan = { traceId, spanId: newSpanId(), parentSpanId: agent.spanId, name: 'execute_tool search', attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.agent.name': agentName } };
    spans.push(agent, chat, tool);
    tokens.input.push(100 + index);
    tokens.output.push(40 + index);
    toolDurations.push(0.25 * (index + 1));
  }
  const auditType: Record<string, string> = { invoke_workflow: 'run.end', invoke_agent: 'agent.end', chat: 'llm.end', execute_tool: 'tool.end' };
  const auditRecords = spans.map((span) =>
    auditRecord(auditType[String(span.attributes['gen_ai.operation.name'])], { 'gen_ai.workflow.name': 'research' }, { traceId, spanId: span.spanId }),
  );

  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const metrics = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeMetrics: [
          {
            scope: { name: 'raw-otlp-client' },
            metrics: [
              {
                name: 'gen_ai.client.token.usage',
                unit: '{token}',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    histogramPoint({ 'gen_ai.operation.name': 'chat', 'gen_ai.token.type': 'input', 'gen_ai.request.model': 'demo-model' }, tokens.input, nowNs),
                    histogramPoint({ 'gen_ai.operation.name': 'chat', 'gen_ai.token.type': 'output', 'gen_ai.request.model': 'demo-model' }, tokens.output, nowNs),
                  ],
                },
              },
              {
                name: 'swarmtrail.tool.duration',
                unit: 's',
                histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ 'gen_ai.tool.name': 'search' }, toolDurations, nowNs)] },
              },
            ],
          },
        ],
      },
    ],
  };

  await postOtlpJson(options.collectorEndpoint, 'traces', traceRequest(serviceName, spans));
  await postOtlpJson(options.collectorEndpoint, 'logs', logsRequest(serviceName, auditRecords));
  await postOtlpJson(options.collectorEndpoint, 'metrics', metrics);

  const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
  return {
    source: 'raw-otlp',
    job: serviceName,
    traceIds: [traceId],
    spans: spans.map((span) => ({ traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? '', name: span.name, attributes: asDecoded(span.attributes) })),
    auditRecords: auditRecords.map((record) => ({
      traceId,
      spanId: record.spanId ?? '',
      eventName: record.eventName,
      auditEventId: String(record.attributes['audit.event.id']),
      attributes: asDecoded(record.attributes),
    })),
    spanCountsByOperation: countByOperation(spans),
    output: '',
    metricExpectations: [
      { promql: `sum(gen_ai_client_token_usage_sum{job="${serviceName}",gen_ai_token_type="input"})`, value: sum(tokens.input), tolerance: 0 },
      { promql: `sum(gen_ai_client_token_usage_sum{job="${serviceName}",gen_ai_token_type="output"})`, value: sum(tokens.output), tolerance: 0 },
      { promql: `sum(gen_ai_client_token_usage_count{job="${serviceName}"})`, value: tokens.input.length + tokens.output.length, tolerance: 0 },
      { promql: `sum(swarmtrail_tool_duration_seconds_sum{job="${serviceName}"})`, value: sum(toolDurations), tolerance: 1e-9 },
      { promql: `sum(swarmtrail_tool_duration_seconds_count{job="${serviceName}"})`, value: toolDurations.length, tolerance: 0 },
    ],
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
