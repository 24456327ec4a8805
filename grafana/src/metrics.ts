/**
 * Every Prometheus metric name the dashboards and alert rules use, as Prometheus stores it, and
 * every label name they match or group on. Queries refer to these constants only; the tests check
 * the list against `src/semconv.ts` (SDK metrics, via the OTLP-to-Prometheus naming rules) and,
 * when the stack test has run, against the names the real Prometheus held
 * (`test/stack/observed-metrics.json`).
 */
import {
  ATTR_AUDIT_EVENT_TYPE,
  ATTR_AUDIT_OUTCOME,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTR_SWARMTRAIL_COMPONENT,
  ATTR_SWARMTRAIL_REDACTION_KIND,
  ATTR_SWARMTRAIL_SIGNAL,
  ATTR_SWARMTRAIL_VERIFY_FAILURE_KIND,
} from '../../src/semconv.js';

/**
 * How a name is known to be right:
 * - `stack`: the stack test's real Prometheus held it (`test/stack/observed-metrics.json`); the
 *   test fails if that file exists and lacks the name;
 * - `semconv`: an SDK metric the stack run does not produce; the name is derived from
 *   `src/semconv.ts` by the OTLP-to-Prometheus naming rules (checked by the tests);
 * - `collector-docs`: a collector self-metric that exists only once something goes wrong (a failed
 *   export, a full queue); the name is from the collector v0.159 `documentation.md` of
 *   exporterhelper / receiverhelper / processorhelper.
 */
export type MetricVerification = 'stack' | 'semconv' | 'collector-docs';

export interface MetricName {
  /** The name as Prometheus holds it. For histograms, the family name without `_bucket` etc. */
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly source: 'sdk' | 'collector';
  readonly verifiedBy: MetricVerification;
}

function sdk(name: string, type: MetricName['type'], verifiedBy: 'stack' | 'semconv'): MetricName {
  return { name, type, source: 'sdk', verifiedBy };
}

function collector(name: string, type: MetricName['type'], verifiedBy: 'stack' | 'collector-docs'): MetricName {
  return { name, type, source: 'collector', verifiedBy };
}

// --- SDK metrics (src/semconv.ts) --------------------------------------------------------------
export const GEN_AI_CLIENT_TOKEN_USAGE = sdk('gen_ai_client_token_usage', 'histogram', 'stack');
export const GEN_AI_CLIENT_OPERATION_DURATION = sdk('gen_ai_client_operation_duration_seconds', 'histogram', 'stack');
export const SWARMTRAIL_WORKFLOW_DURATION = sdk('swarmtrail_workflow_duration_seconds', 'histogram', 'stack');
export const SWARMTRAIL_AGENT_DURATION = sdk('swarmtrail_agent_duration_seconds', 'histogram', 'stack');
export const SWARMTRAIL_TOOL_DURATION = sdk('swarmtrail_tool_duration_seconds', 'histogram', 'stack');
export const SWARMTRAIL_AUDIT_EVENTS = sdk('swarmtrail_audit_events_total', 'counter', 'stack');
export const SWARMTRAIL_REDACTIONS = sdk('swarmtrail_redactions_total', 'counter', 'semconv');
export const SWARMTRAIL_TELEMETRY_FAILURES = sdk('swarmtrail_telemetry_failures_total', 'counter', 'semconv');
export const SWARMTRAIL_JOURNAL_SIZE = sdk('swarmtrail_journal_size_bytes', 'gauge', 'stack');
export const SWARMTRAIL_JOURNAL_BACKLOG = sdk('swarmtrail_journal_backlog', 'gauge', 'stack');
export const SWARMTRAIL_JOURNAL_OLDEST_UNSHIPPED_AGE = sdk('swarmtrail_journal_oldest_unshipped_age_seconds', 'gauge', 'stack');
export const SWARMTRAIL_JOURNAL_EXPORT_FAILURES = sdk('swarmtrail_journal_export_failures_total', 'counter', 'semconv');
export const SWARMTRAIL_JOURNAL_RECORDS_DROPPED = sdk('swarmtrail_journal_records_dropped_total', 'counter', 'semconv');
export const SWARMTRAIL_VERIFY_FAILURES = sdk('swarmtrail_verify_failures_total', 'counter', 'semconv');

// --- Collector self-metrics (v0.159 internal telemetry, scraped from :8888) ---------------------
/** The three OTLP signals as the collector names its item counters. */
export const COLLECTOR_SIGNALS = [
  { signal: 'traces', items: 'spans' },
  { signal: 'metrics', items: 'metric_points' },
  { signal: 'logs', items: 'log_records' },
] as const;
export type CollectorItems = (typeof COLLECTOR_SIGNALS)[number]['items'];

export const COLLECTOR_RECEIVER_ACCEPTED = (items: CollectorItems): MetricName =>
  collector(`otelcol_receiver_accepted_${items}_total`, 'counter', 'stack');
export const COLLECTOR_RECEIVER_REFUSED = (items: CollectorItems): MetricName =>
  collector(`otelcol_receiver_refused_${items}_total`, 'counter', 'stack');
export const COLLECTOR_EXPORTER_SENT = (items: CollectorItems): MetricName =>
  collector(`otelcol_exporter_sent_${items}_total`, 'counter', 'stack');
export const COLLECTOR_EXPORTER_SEND_FAILED = (items: CollectorItems): MetricName =>
  // Absent from a healthy stack: the collector creates the series on the first failed export.
  collector(`otelcol_exporter_send_failed_${items}_total`, 'counter', 'collector-docs');
// Absent until a full sending queue rejects data.
export const COLLECTOR_EXPORTER_ENQUEUE_FAILED = (items: CollectorItems): MetricName =>
  collector(`otelcol_exporter_enqueue_failed_${items}_total`, 'counter', 'collector-docs');
export const COLLECTOR_EXPORTER_QUEUE_SIZE = collector('otelcol_exporter_queue_size', 'gauge', 'stack');
export const COLLECTOR_EXPORTER_QUEUE_CAPACITY = collector('otelcol_exporter_queue_capacity', 'gauge', 'stack');
export const COLLECTOR_PROCESSOR_INCOMING_ITEMS = collector('otelcol_processor_incoming_items_total', 'counter', 'stack');
export const COLLECTOR_PROCESSOR_OUTGOING_ITEMS = collector('otelcol_processor_outgoing_items_total', 'counter', 'stack');

/** Every metric the generated dashboards and rules may use. */
export const METRICS: readonly MetricName[] = [
  GEN_AI_CLIENT_TOKEN_USAGE,
  GEN_AI_CLIENT_OPERATION_DURATION,
  SWARMTRAIL_WORKFLOW_DURATION,
  SWARMTRAIL_AGENT_DURATION,
  SWARMTRAIL_TOOL_DURATION,
  SWARMTRAIL_AUDIT_EVENTS,
  SWARMTRAIL_REDACTIONS,
  SWARMTRAIL_TELEMETRY_FAILURES,
  SWARMTRAIL_JOURNAL_SIZE,
  SWARMTRAIL_JOURNAL_BACKLOG,
  SWARMTRAIL_JOURNAL_OLDEST_UNSHIPPED_AGE,
  SWARMTRAIL_JOURNAL_EXPORT_FAILURES,
  SWARMTRAIL_JOURNAL_RECORDS_DROPPED,
  SWARMTRAIL_VERIFY_FAILURES,
  ...COLLECTOR_SIGNALS.flatMap(({ items }) => [
    COLLECTOR_RECEIVER_ACCEPTED(items),
    COLLECTOR_RECEIVER_REFUSED(items),
    COLLECTOR_EXPORTER_SENT(items),
    COLLECTOR_EXPORTER_SEND_FAILED(items),
    COLLECTOR_EXPORTER_ENQUEUE_FAILED(items),
  ]),
  COLLECTOR_EXPORTER_QUEUE_SIZE,
  COLLECTOR_EXPORTER_QUEUE_CAPACITY,
  COLLECTOR_PROCESSOR_INCOMING_ITEMS,
  COLLECTOR_PROCESSOR_OUTGOING_ITEMS,
];

/** The series names a metric family has in Prometheus. */
export function seriesNames(metric: MetricName): string[] {
  return metric.type === 'histogram'
    ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`]
    : [metric.name];
}

/** Histogram helpers: `bucket(SWARMTRAIL_TOOL_DURATION)` is `swarmtrail_tool_duration_seconds_bucket`. */
export const bucket = (metric: MetricName): string => `${metric.name}_bucket`;
export const count = (metric: MetricName): string => `${metric.name}_count`;
export const sum = (metric: MetricName): string => `${metric.name}_sum`;

/** An OpenTelemetry attribute key as a Prometheus label name. */
export const label = (attribute: string): string => attribute.replace(/[^a-zA-Z0-9_]/g, '_');

/** Prometheus labels from SDK attributes (see the attribute lists in src/semconv.ts doc comments). */
export const L = {
  workflow: label(ATTR_GEN_AI_WORKFLOW_NAME),
  agent: label(ATTR_GEN_AI_AGENT_NAME),
  tool: label(ATTR_GEN_AI_TOOL_NAME),
  outcome: label(ATTR_AUDIT_OUTCOME),
  eventType: label(ATTR_AUDIT_EVENT_TYPE),
  errorType: label(ATTR_ERROR_TYPE),
  operation: label(ATTR_GEN_AI_OPERATION_NAME),
  provider: label(ATTR_GEN_AI_PROVIDER_NAME),
  requestModel: label(ATTR_GEN_AI_REQUEST_MODEL),
  responseModel: label(ATTR_GEN_AI_RESPONSE_MODEL),
  tokenType: label(ATTR_GEN_AI_TOKEN_TYPE),
  redactionKind: label(ATTR_SWARMTRAIL_REDACTION_KIND),
  signal: label(ATTR_SWARMTRAIL_SIGNAL),
  component: label(ATTR_SWARMTRAIL_COMPONENT),
  verifyFailureKind: label(ATTR_SWARMTRAIL_VERIFY_FAILURE_KIND),
} as const;

/**
 * Every label name the queries may use: the SDK attributes above, the target labels Prometheus and
 * the OTLP translation add (`job` = service.name, `instance` = service.instance.id), `le`, the
 * collector's own labels, and `collector_signal`, which our collector queries add with label_replace.
 */
export const KNOWN_LABELS: ReadonlySet<string> = new Set([
  ...Object.values(L),
  'job',
  'instance',
  'le',
  'receiver',
  'exporter',
  'processor',
  'transport',
  'otel_signal',
  'data_type',
  'collector_signal',
]);

/** Loki: `service.name` becomes the index label; log attributes become structured metadata. */
export const LOKI = {
  serviceName: 'service_name',
  traceId: 'trace_id',
  eventType: label(ATTR_AUDIT_EVENT_TYPE),
  outcome: label(ATTR_AUDIT_OUTCOME),
  agent: label(ATTR_GEN_AI_AGENT_NAME),
  workflow: label(ATTR_GEN_AI_WORKFLOW_NAME),
  tool: label(ATTR_GEN_AI_TOOL_NAME),
  duration: 'audit_duration',
  inputTokens: 'gen_ai_usage_input_tokens',
  outputTokens: 'gen_ai_usage_output_tokens',
} as const;
