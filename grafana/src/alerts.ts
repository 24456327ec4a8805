/**
 * Alert rules: one definition per rule, rendered three ways:
 * - Grafana-managed rules, contact point and notification policy (file provisioning);
 * - the same PromQL as a Prometheus rule file, and
 * - a `promtool test rules` file with, for each rule, series that must fire and series that must not.
 */
import type { GeneratorConfig } from './config.js';
import {
  COLLECTOR_EXPORTER_QUEUE_CAPACITY,
  COLLECTOR_EXPORTER_QUEUE_SIZE,
  COLLECTOR_EXPORTER_SEND_FAILED,
  GEN_AI_CLIENT_OPERATION_DURATION,
  GEN_AI_CLIENT_TOKEN_USAGE,
  L,
  SWARMTRAIL_AUDIT_EVENTS,
  SWARMTRAIL_JOURNAL_BACKLOG,
  SWARMTRAIL_JOURNAL_OLDEST_UNSHIPPED_AGE,
  SWARMTRAIL_JOURNAL_RECORDS_DROPPED,
  SWARMTRAIL_TOOL_DURATION,
  SWARMTRAIL_VERIFY_FAILURES,
  SWARMTRAIL_WORKFLOW_DURATION,
  bucket,
  count,
  sum,
} from './metrics.js';
import { eventsWithin, perCollectorSignal } from './promql.js';

export type Severity = 'critical' | 'warning';

/** One input series of a promtool test, in promtool's expanding notation (`0+1x30`, `_x5`). */
export interface TestSeries {
  readonly series: string;
  readonly values: string;
}

export interface AlertTestCase {
  readonly name: string;
  readonly series: readonly TestSeries[];
  /** Minutes after the start of the series at which to evaluate. */
  readonly evalMinutes: number;
  /** Label sets of the alerts that must be firing then (without alertname/severity); [] = none. */
  readonly firing: readonly Record<string, string>[];
}

export interface AlertRuleDefinition {
  readonly uid: string;
  /** Prometheus alert name (also the Grafana rule title). */
  readonly name: string;
  readonly severity: Severity;
  /** How long the condition must hold before the alert fires (Grafana and Prometheus `for`). */
  readonly for: string;
  /** PromQL whose value per series is compared with the threshold. */
  readonly query: string;
  readonly comparison: 'gt' | 'lt';
  readonly threshold: number;
  /** Longest range the query looks back over, in seconds (Grafana relativeTimeRange). */
  readonly lookbackSeconds: number;
  /** One line; may use `{{ $labels.<name> }}` (rendered by both Grafana and Prometheus). */
  readonly summary: string;
  readonly description: string;
  readonly runbook: string;
  readonly tests: readonly AlertTestCase[];
}

const minutes = (value: number): number => value * 60;

export function alertRules(config: GeneratorConfig): AlertRuleDefinition[] {
  const t = config.thresholds;
  const tool = count(SWARMTRAIL_TOOL_DURATION);
  const llm = count(GEN_AI_CLIENT_OPERATION_DURATION);
  const runs = count(SWARMTRAIL_WORKFLOW_DURATION);
  const audit = SWARMTRAIL_AUDIT_EVENTS.name;
  const denied = `${audit}{${L.eventType}="secret.access", ${L.outcome}="denied"}`;
  const failedRuns = `${runs}{${L.outcome}="failure"}`;
  const toolSeries = (outcome: string) =>
    `${tool}{job="swarm", ${L.tool}="search", ${L.agent}="researcher", ${L.outcome}="${outcome}"}`;
  const llmSeries = (errorType?: string) =>
    `${llm}{job="swarm", ${L.operation}="chat", ${L.requestModel}="gpt-4o"${errorType === undefined ? '' : `, ${L.errorType}="${errorType}"`}}`;
  const toolBucket = (le: string) => `${bucket(SWARMTRAIL_TOOL_DURATION)}{job="swarm", ${L.tool}="search", ${L.agent}="researcher", ${L.outcome}="success", le="${le}"}`;
  const secretSeries = (agent: string, outcome: string) =>
    `${audit}{job="swarm", ${L.eventType}="secret.access", ${L.outcome}="${outcome}", ${L.agent}="${agent}"}`;
  const runSeries = (workflow: string, outcome: string) =>
    `${runs}{job="swarm", ${L.workflow}="${workflow}", ${L.outcome}="${outcome}"}`;

  return [
    {
      uid: 'swarmtrail-tool-error-rate',
      name: 'SwarmtrailToolErrorRateHigh',
      severity: 'warning',
      for: '5m',
      query: `sum by (job, ${L.tool}) (rate(${tool}{${L.outcome}="failure"}[10m])) / sum by (job, ${L.tool}) (rate(${tool}[10m]))`,
      comparison: 'gt',
      threshold: t.toolErrorRatio,
      lookbackSeconds: minutes(10),
      summary: `Tool {{ $labels.${L.tool} }} fails more than ${t.toolErrorRatio * 100}% of its calls`,
      description: `Over the last 10 minutes more than ${t.toolErrorRatio * 100}% of the calls to this tool ended with outcome failure.`,
      runbook:
        'Open the Swarm overview dashboard (tool error ratio), then Audit records in the Run explorer for a failing run: error.type on the tool.end records names the failure. Check the tool backend and its credentials; disable the tool in the agents if it keeps failing.',
      tests: [
        { name: '1 failure in 11 calls fires', evalMinutes: 20, series: [{ series: toolSeries('success'), values: '0+10x30' }, { series: toolSeries('failure'), values: '0+1x30' }], firing: [{ job: 'swarm', [L.tool]: 'search' }] },
        { name: '1 failure in 51 calls does not fire', evalMinutes: 20, series: [{ series: toolSeries('success'), values: '0+10x30' }, { series: toolSeries('failure'), values: '0+0.2x30' }], firing: [] },
      ],
    },
    {
      uid: 'swarmtrail-tool-latency',
      name: 'SwarmtrailToolLatencyHigh',
      severity: 'warning',
      for: '10m',
      query: `histogram_quantile(0.95, sum by (job, ${L.tool}, le) (rate(${bucket(SWARMTRAIL_TOOL_DURATION)}[10m])))`,
      comparison: 'gt',
      threshold: t.toolLatencyP95Seconds,
      lookbackSeconds: minutes(10),
      summary: `Tool {{ $labels.${L.tool} }} p95 latency above ${t.toolLatencyP95Seconds} s`,
      description: `The 95th percentile duration of this tool's calls over 10 minutes is above ${t.toolLatencyP95Seconds} seconds.`,
      runbook:
        'Open the Swarm overview dashboard (tool latency p95); follow an exemplar to a slow trace and look at the tool span and its children. Check the tool backend latency, timeouts and rate limits.',
      tests: [
        {
          name: 'calls between 5.12 s and 10.24 s fire',
          evalMinutes: 25,
          series: [
            { series: toolBucket('2.56'), values: '0x30' },
            { series: toolBucket('5.12'), values: '0x30' },
            { series: toolBucket('10.24'), values: '0+10x30' },
            { series: toolBucket('+Inf'), values: '0+10x30' },
          ],
          firing: [{ job: 'swarm', [L.tool]: 'search' }],
        },
        {
          name: 'calls under 2.56 s do not fire',
          evalMinutes: 25,
          series: [
            { series: toolBucket('2.56'), values: '0+10x30' },
            { series: toolBucket('5.12'), values: '0+10x30' },
            { series: toolBucket('10.24'), values: '0+10x30' },
            { series: toolBucket('+Inf'), values: '0+10x30' },
          ],
          firing: [],
        },
      ],
    },
    {
      uid: 'swarmtrail-llm-error-rate',
      name: 'SwarmtrailLlmErrorRateHigh',
      severity: 'warning',
      for: '5m',
      query: `sum by (job, ${L.requestModel}) (rate(${llm}{${L.errorType}!=""}[10m])) / sum by (job, ${L.requestModel}) (rate(${llm}[10m]))`,
      comparison: 'gt',
      threshold: t.llmErrorRatio,
      lookbackSeconds: minutes(10),
      summary: `LLM calls to {{ $labels.${L.requestModel} }} fail more than ${t.llmErrorRatio * 100}% of the time`,
      description: `Over the last 10 minutes more than ${t.llmErrorRatio * 100}% of the LLM calls to this model recorded an error.type.`,
      runbook:
        'Look at error.type by model on the Swarm overview dashboard: rate limiting (429), timeouts and provider outages are the usual causes. Check the provider status page and your quota; switch the agents to a fallback model if needed.',
      tests: [
        { name: '20% of calls rate limited fires', evalMinutes: 20, series: [{ series: llmSeries(), values: '0+8x30' }, { series: llmSeries('rate_limited'), values: '0+2x30' }], firing: [{ job: 'swarm', [L.requestModel]: 'gpt-4o' }] },
        { name: 'no errors do not fire', evalMinutes: 20, series: [{ series: llmSeries(), values: '0+8x30' }], firing: [] },
      ],
    },
    {
      uid: 'swarmtrail-token-budget',
      name: 'SwarmtrailTokenBudgetExceeded',
      severity: 'warning',
      for: '1m',
      query: `sum(increase(${sum(GEN_AI_CLIENT_TOKEN_USAGE)}[1h]))`,
      comparison: 'gt',
      threshold: t.hourlyTokenBudget,
      lookbackSeconds: minutes(60),
      summary: `Token usage above the hourly budget of ${t.hourlyTokenBudget} tokens`,
      description: `The swarms used more than ${t.hourlyTokenBudget} tokens (input and output, all models) in the last hour.`,
      runbook:
        'Find the model and agent behind the spike on the Swarm overview dashboard (tokens by model, tokens by agent). Look for a run stuck in a loop in the Run explorer; stop it, or raise hourlyTokenBudget in grafana/src/config.ts if the load is expected.',
      tests: [
        { name: '30k tokens per minute fires', evalMinutes: 70, series: [{ series: `${sum(GEN_AI_CLIENT_TOKEN_USAGE)}{job="swarm", ${L.requestModel}="gpt-4o", ${L.tokenType}="input"}`, values: '0+30000x90' }], firing: [{}] },
        { name: '10k tokens per minute does not fire', evalMinutes: 70, series: [{ series: `${sum(GEN_AI_CLIENT_TOKEN_USAGE)}{job="swarm", ${L.requestModel}="gpt-4o", ${L.tokenType}="input"}`, values: '0+10000x90' }], firing: [] },
      ],
    },
    {
      uid: 'swarmtrail-secret-access-denied',
      name: 'SwarmtrailSecretAccessDenied',
      severity: 'critical',
      for: '0s',
      query: eventsWithin(denied, ['job', L.agent], '5m'),
      comparison: 'gt',
      threshold: 0,
      lookbackSeconds: minutes(10),
      summary: `Agent {{ $labels.${L.agent} }} was denied access to a secret`,
      description: 'An agent asked for a secret it is not allowed to read, and the request was denied.',
      runbook:
        'Open the Audit and security dashboard: the "Denied secret accesses" table shows the agent, the key alias and the run. Open the run and read the agent\'s decisions and tool calls before the attempt. Treat repeated attempts as a possible prompt injection: stop the swarm and review its inputs.',
      tests: [
        { name: 'the first denial ever fires', evalMinutes: 12, series: [{ series: secretSeries('coder', 'denied'), values: '_x10 1x20' }], firing: [{ job: 'swarm', [L.agent]: 'coder' }] },
        { name: 'a further denial fires', evalMinutes: 12, series: [{ series: secretSeries('coder', 'denied'), values: '2x10 3x20' }], firing: [{ job: 'swarm', [L.agent]: 'coder' }] },
        {
          name: 'old denials and granted accesses do not fire',
          evalMinutes: 30,
          series: [{ series: secretSeries('coder', 'denied'), values: '3x40' }, { series: secretSeries('coder', 'granted'), values: '0+1x40' }],
          firing: [],
        },
      ],
    },
    {
      uid: 'swarmtrail-runs-failed',
      name: 'SwarmtrailRunsFailed',
      severity: 'warning',
      for: '0s',
      query: eventsWithin(failedRuns, ['job', L.workflow], '10m'),
      comparison: 'gt',
      threshold: 0,
      lookbackSeconds: minutes(15),
      summary: `Runs of {{ $labels.${L.workflow} }} failed`,
      description: 'At least one run of this workflow ended with outcome failure in the last 10 minutes.',
      runbook:
        'Open the Swarm overview dashboard and the Run explorer for the workflow: pick a failed run, read its trace (the failing span has status ERROR and error.type) and its audit records.',
      tests: [
        { name: 'a first failed run fires', evalMinutes: 22, series: [{ series: runSeries('triage', 'success'), values: '0+1x30' }, { series: runSeries('triage', 'failure'), values: '_x20 1x10' }], firing: [{ job: 'swarm', [L.workflow]: 'triage' }] },
        { name: 'successful runs do not fire', evalMinutes: 22, series: [{ series: runSeries('triage', 'success'), values: '0+1x30' }, { series: runSeries('triage', 'failure'), values: '1x30' }], firing: [] },
      ],
    },
    {
      uid: 'swarmtrail-no-runs',
      name: 'SwarmtrailNoRuns',
      severity: 'warning',
      for: '5m',
      query: `(sum(increase(${runs}[${t.noRunsPeriod}])) or vector(0)) and on () (sum(count_over_time(${runs}[${t.runsExpectedWithin}])) > 0)`,
      comparison: 'lt',
      threshold: 1,
      lookbackSeconds: minutes(120),
      summary: `No swarm run finished in the last ${t.noRunsPeriod}`,
      description: `Runs were recorded within the last ${t.runsExpectedWithin}, but none finished in the last ${t.noRunsPeriod}.`,
      runbook:
        'Check that the swarm scheduler is running and that its service still exports telemetry (Pipeline health dashboard: collector accepted items, journal backlog). If the pause is planned, silence the alert, or change noRunsPeriod in grafana/src/config.ts.',
      tests: [
        { name: 'runs that stopped 2 h ago fire', evalMinutes: 180, series: [{ series: runSeries('triage', 'success'), values: '0+1x30 30x200' }], firing: [{}] },
        { name: 'steady runs do not fire', evalMinutes: 180, series: [{ series: runSeries('triage', 'success'), values: '0+1x200' }], firing: [] },
        { name: 'a stack that never saw a run does not fire', evalMinutes: 180, series: [{ series: `${audit}{job="swarm", ${L.eventType}="decision", ${L.outcome}="success", ${L.agent}="a"}`, values: '0+1x200' }], firing: [] },
      ],
    },
    {
      uid: 'swarmtrail-collector-export-failures',
      name: 'SwarmtrailCollectorExportFailing',
      severity: 'critical',
      for: '5m',
      query: `sum by (exporter, collector_signal) (${perCollectorSignal(COLLECTOR_EXPORTER_SEND_FAILED, (series) => `rate(${series}[5m])`)})`,
      comparison: 'gt',
      threshold: 0,
      lookbackSeconds: minutes(5),
      summary: 'Collector exporter {{ $labels.exporter }} fails to send {{ $labels.collector_signal }}',
      description: 'The collector has been failing to export data for 5 minutes; once its queue is full, data is lost.',
      runbook:
        'Open the Pipeline health dashboard (collector send failures, queue fill). Check that the backend behind the exporter (Tempo, Loki, Prometheus) is up and reachable from the collector, and read the collector logs for the error.',
      tests: [
        { name: 'failing span exports fire', evalMinutes: 15, series: [{ series: `${COLLECTOR_EXPORTER_SEND_FAILED('spans').name}{exporter="otlp/tempo", job="otelcol"}`, values: '0+5x30' }], firing: [{ exporter: 'otlp/tempo', collector_signal: 'traces' }] },
        {
          name: 'failures that stopped do not fire',
          evalMinutes: 15,
          series: [{ series: `${COLLECTOR_EXPORTER_SEND_FAILED('log_records').name}{exporter="otlphttp/loki", job="otelcol"}`, values: '10x30' }],
          firing: [],
        },
      ],
    },
    {
      uid: 'swarmtrail-collector-queue-full',
      name: 'SwarmtrailCollectorQueueNearlyFull',
      severity: 'warning',
      for: '5m',
      query: `max by (exporter) (${COLLECTOR_EXPORTER_QUEUE_SIZE.name}) / on (exporter) max by (exporter) (${COLLECTOR_EXPORTER_QUEUE_CAPACITY.name})`,
      comparison: 'gt',
      threshold: t.collectorQueueFillRatio,
      lookbackSeconds: minutes(5),
      summary: `Collector exporter {{ $labels.exporter }} queue more than ${t.collectorQueueFillRatio * 100}% full`,
      description: 'The sending queue of this exporter is nearly full; when it is full the collector refuses or drops new data.',
      runbook:
        'Open the Pipeline health dashboard. A queue fills when the backend is slow or down (see send failures) or when load exceeds what one collector can export: fix the backend, or scale the collector / raise sending_queue.queue_size.',
      tests: [
        {
          name: '900 of 1000 fires',
          evalMinutes: 10,
          series: [{ series: `${COLLECTOR_EXPORTER_QUEUE_SIZE.name}{exporter="otlp/tempo", job="otelcol"}`, values: '900x20' }, { series: `${COLLECTOR_EXPORTER_QUEUE_CAPACITY.name}{exporter="otlp/tempo", job="otelcol"}`, values: '1000x20' }],
          firing: [{ exporter: 'otlp/tempo' }],
        },
        {
          name: '100 of 1000 does not fire',
          evalMinutes: 10,
          series: [{ series: `${COLLECTOR_EXPORTER_QUEUE_SIZE.name}{exporter="otlp/tempo", job="otelcol"}`, values: '100x20' }, { series: `${COLLECTOR_EXPORTER_QUEUE_CAPACITY.name}{exporter="otlp/tempo", job="otelcol"}`, values: '1000x20' }],
          firing: [],
        },
      ],
    },
    {
      uid: 'swarmtrail-journal-backlog',
      name: 'SwarmtrailJournalBacklogGrowing',
      severity: 'warning',
      for: '15m',
      query: `sum by (job, instance) (${SWARMTRAIL_JOURNAL_BACKLOG.name}) and (sum by (job, instance) (deriv(${SWARMTRAIL_JOURNAL_BACKLOG.name}[15m])) > 0)`,
      comparison: 'gt',
      threshold: t.journalBacklogRecords,
      lookbackSeconds: minutes(15),
      summary: `Journal backlog of {{ $labels.job }} above ${t.journalBacklogRecords} records and growing`,
      description: 'The local journal holds more and more records the collector has not acknowledged: the trail is falling behind.',
      runbook:
        'Open the Pipeline health dashboard: journal backlog, journal export failures and collector refused items. Check that the collector endpoint is reachable from the service (OTEL_EXPORTER_OTLP_ENDPOINT) and that the collector is not refusing data.',
      tests: [
        { name: 'a backlog growing past the threshold fires', evalMinutes: 45, series: [{ series: `${SWARMTRAIL_JOURNAL_BACKLOG.name}{job="swarm", instance="i-1"}`, values: '0+100x60' }], firing: [{ job: 'swarm', instance: 'i-1' }] },
        {
          name: 'a high but steady backlog, and a small growing one, do not fire',
          evalMinutes: 45,
          series: [{ series: `${SWARMTRAIL_JOURNAL_BACKLOG.name}{job="swarm", instance="i-1"}`, values: '5000x60' }, { series: `${SWARMTRAIL_JOURNAL_BACKLOG.name}{job="swarm", instance="i-2"}`, values: '0+1x60' }],
          firing: [],
        },
      ],
    },
    {
      uid: 'swarmtrail-journal-oldest-unshipped',
      name: 'SwarmtrailJournalOldestUnshippedTooOld',
      severity: 'warning',
      for: '5m',
      query: `max by (job, instance) (${SWARMTRAIL_JOURNAL_OLDEST_UNSHIPPED_AGE.name})`,
      comparison: 'gt',
      threshold: t.journalOldestUnshippedSeconds,
      lookbackSeconds: minutes(5),
      summary: `Oldest unshipped journal record of {{ $labels.job }} older than ${t.journalOldestUnshippedSeconds} s`,
      description: 'A record has waited in the local journal longer than allowed without reaching the collector.',
      runbook:
        'Open the Pipeline health dashboard. The journal keeps the data, so nothing is lost yet; restore connectivity to the collector. Run `swarmtrail` journal commands on the host to inspect the segments if it does not drain.',
      tests: [
        { name: 'an age growing past the threshold fires', evalMinutes: 30, series: [{ series: `${SWARMTRAIL_JOURNAL_OLDEST_UNSHIPPED_AGE.name}{job="swarm", instance="i-1"}`, values: '0+60x60' }], firing: [{ job: 'swarm', instance: 'i-1' }] },
        { name: 'a short wait does not fire', evalMinutes: 30, series: [{ series: `${SWARMTRAIL_JOURNAL_OLDEST_UNSHIPPED_AGE.name}{job="swarm", instance="i-1"}`, values: '30x60' }], firing: [] },
      ],
    },
    {
      uid: 'swarmtrail-journal-records-dropped',
      name: 'SwarmtrailJournalRecordsDropped',
      severity: 'critical',
      for: '0s',
      query: eventsWithin(SWARMTRAIL_JOURNAL_RECORDS_DROPPED.name, ['job', 'instance'], '10m'),
      comparison: 'gt',
      threshold: 0,
      lookbackSeconds: minutes(15),
      summary: 'The journal of {{ $labels.job }} dropped records',
      description: 'The journal reached its disk cap and dropped records: part of the audit trail is lost.',
      runbook:
        'Open the Pipeline health dashboard. The collector has been unreachable for long enough to fill the journal: restore it, then raise the journal disk cap if outages this long are expected. Record the gap for auditors.',
      tests: [
        { name: 'first drops fire', evalMinutes: 12, series: [{ series: `${SWARMTRAIL_JOURNAL_RECORDS_DROPPED.name}{job="swarm", instance="i-1"}`, values: '_x10 50x10' }], firing: [{ job: 'swarm', instance: 'i-1' }] },
        { name: 'old drops do not fire', evalMinutes: 30, series: [{ series: `${SWARMTRAIL_JOURNAL_RECORDS_DROPPED.name}{job="swarm", instance="i-1"}`, values: '50x40' }], firing: [] },
      ],
    },
    {
      uid: 'swarmtrail-verify-failures',
      name: 'SwarmtrailIntegrityVerificationFailed',
      severity: 'critical',
      for: '0s',
      query: eventsWithin(SWARMTRAIL_VERIFY_FAILURES.name, ['job', L.verifyFailureKind], '10m'),
      comparison: 'gt',
      threshold: 0,
      lookbackSeconds: minutes(15),
      summary: 'Audit trail integrity verification failed ({{ $labels.' + L.verifyFailureKind + ' }})',
      description: 'Verification of the audit trail found records that do not match their integrity chain: the trail may have been altered.',
      runbook:
        'Open the Audit and security dashboard. Keep a copy of the affected journal segments, run the verification again to locate the first bad record, and follow your incident process: treat it as possible tampering until explained.',
      tests: [
        { name: 'a first failure fires', evalMinutes: 12, series: [{ series: `${SWARMTRAIL_VERIFY_FAILURES.name}{job="swarm", ${L.verifyFailureKind}="chain_broken"}`, values: '_x10 1x10' }], firing: [{ job: 'swarm', [L.verifyFailureKind]: 'chain_broken' }] },
        { name: 'no new failure does not fire', evalMinutes: 30, series: [{ series: `${SWARMTRAIL_VERIFY_FAILURES.name}{job="swarm", ${L.verifyFailureKind}="chain_broken"}`, values: '1x40' }], firing: [] },
      ],
    },
  ];
}

const COMPARATORS = { gt: '>', lt: '<' } as const;

/** The Prometheus form of a rule's condition. */
export function prometheusExpression(rule: AlertRuleDefinition): string {
  return `(${rule.query}) ${COMPARATORS[rule.comparison]} ${rule.threshold}`;
}

// --- Grafana file provisioning ---------------------------------------------------------------------

export const CONTACT_POINT = 'swarmtrail-webhook';

export function grafanaRulesFile(config: GeneratorConfig): Record<string, unknown> {
  const rules = alertRules(config);
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: 'swarmtrail',
        folder: config.alertFolderTitle,
        interval: '1m',
        rules: rules.map((rule) => ({
          uid: rule.uid,
          title: rule.name,
          condition: 'C',
          data: [
            {
              refId: 'A',
              relativeTimeRange: { from: rule.lookbackSeconds, to: 0 },
              datasourceUid: config.datasources.prometheus.uid,
              model: {
                refId: 'A',
                datasource: { type: 'prometheus', uid: config.datasources.prometheus.uid },
                expr: rule.query,
                instant: true,
                range: false,
                intervalMs: 1000,
                maxDataPoints: 43200,
              },
            },
            {
              refId: 'C',
              relativeTimeRange: { from: 0, to: 0 },
              datasourceUid: '__expr__',
              model: {
                refId: 'C',
                datasource: { type: '__expr__', uid: '__expr__' },
                type: 'threshold',
                expression: 'A',
                conditions: [{ evaluator: { type: rule.comparison, params: [rule.threshold] } }],
              },
            },
          ],
          noDataState: 'OK',
          execErrState: 'Error',
          for: rule.for,
          annotations: { summary: rule.summary, description: rule.description, runbook: rule.runbook },
          labels: { severity: rule.severity },
          isPaused: false,
        })),
      },
    ],
  };
}

export function contactPointsFile(config: GeneratorConfig): Record<string, unknown> {
  return {
    apiVersion: 1,
    contactPoints: [
      {
        orgId: 1,
        name: CONTACT_POINT,
        receivers: [
          {
            uid: CONTACT_POINT,
            type: 'webhook',
            // Expanded by Grafana from its environment when it reads the file.
            settings: { url: `\${${config.webhookUrlEnvironmentVariable}}`, httpMethod: 'POST' },
            disableResolveMessage: false,
          },
        ],
      },
    ],
  };
}

/** Timings of the notification policy per severity. */
export const SEVERITY_TIMING: Record<Severity, { group_wait: string; group_interval: string; repeat_interval: string }> = {
  critical: { group_wait: '0s', group_interval: '1m', repeat_interval: '1h' },
  warning: { group_wait: '1m', group_interval: '5m', repeat_interval: '4h' },
};

export function policiesFile(): Record<string, unknown> {
  return {
    apiVersion: 1,
    policies: [
      {
        orgId: 1,
        receiver: CONTACT_POINT,
        group_by: ['grafana_folder', 'alertname'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
        routes: (Object.keys(SEVERITY_TIMING) as Severity[]).map((severity) => ({
          receiver: CONTACT_POINT,
          object_matchers: [['severity', '=', severity]],
          group_by: ['grafana_folder', 'alertname'],
          ...SEVERITY_TIMING[severity],
        })),
      },
    ],
  };
}

// --- Prometheus rule file and its promtool tests ---------------------------------------------------

export const PROMETHEUS_RULES_FILE = 'swarmtrail.rules.yml';

function prometheusAnnotations(rule: AlertRuleDefinition): Record<string, string> {
  return { summary: rule.summary, description: rule.description, runbook: rule.runbook };
}

export function prometheusRulesFile(config: GeneratorConfig): Record<string, unknown> {
  return {
    groups: [
      {
        name: 'swarmtrail',
        interval: '1m',
        rules: alertRules(config).map((rule) => ({
          alert: rule.name,
          expr: prometheusExpression(rule),
          for: rule.for,
          labels: { severity: rule.severity },
          annotations: prometheusAnnotations(rule),
        })),
      },
    ],
  };
}

/** Render the only template form our annotations use, `{{ $labels.<name> }}`, as promtool will. */
export function renderAnnotation(text: string, labels: Record<string, string>): string {
  return text.replace(/\{\{ \$labels\.([a-zA-Z_][a-zA-Z0-9_]*) \}\}/g, (_match, name: string) => labels[name] ?? '');
}

export function promtoolTestsFile(config: GeneratorConfig): Record<string, unknown> {
  return {
    rule_files: [PROMETHEUS_RULES_FILE],
    evaluation_interval: '1m',
    tests: alertRules(config).flatMap((rule) =>
      rule.tests.map((test) => ({
        name: `${rule.name}: ${test.name}`,
        interval: '1m',
        input_series: test.series.map((series) => ({ series: series.series, values: series.values })),
        alert_rule_test: [
          {
            eval_time: `${test.evalMinutes}m`,
            alertname: rule.name,
            exp_alerts: test.firing.map((labels) => ({
              exp_labels: { ...labels, severity: rule.severity },
              exp_annotations: Object.fromEntries(
                Object.entries(prometheusAnnotations(rule)).map(([key, value]) => [key, renderAnnotation(value, labels)]),
              ),
            })),
          },
        ],
      })),
    ),
  };
}
