/**
 * Everything a deployment may want to tune in the generated Grafana provisioning: datasource
 * locations, alert thresholds and the model price table behind the estimated-cost panels.
 * Change a value here, run `npm run grafana:generate`, and commit the regenerated files.
 */

/** Price of one model, in US dollars per million tokens. */
export interface ModelPrice {
  /** Exact value of `gen_ai.request.model` (label `gen_ai_request_model`). */
  readonly model: string;
  readonly inputPerMillionTokens: number;
  readonly outputPerMillionTokens: number;
}

export interface AlertThresholds {
  /** Tool error ratio (failures / calls over 10 minutes) above which to alert. Default 0.05. */
  readonly toolErrorRatio: number;
  /** Tool p95 latency in seconds above which to alert. Default 5. */
  readonly toolLatencyP95Seconds: number;
  /** LLM call error ratio over 10 minutes above which to alert. Default 0.05. */
  readonly llmErrorRatio: number;
  /** Tokens (input + output, all models) per rolling hour above which to alert. Default 1,000,000. */
  readonly hourlyTokenBudget: number;
  /** Alert when no run finished for this long (PromQL duration). Default `2h`. */
  readonly noRunsPeriod: string;
  /**
   * Runs are "expected" only when some were recorded within this window (PromQL duration), so a
   * fresh install does not page. Default `7d`.
   */
  readonly runsExpectedWithin: string;
  /** Exporter queue fill ratio above which to alert. Default 0.8. */
  readonly collectorQueueFillRatio: number;
  /** Journal backlog (records) that must be exceeded while growing. Default 1000. */
  readonly journalBacklogRecords: number;
  /** Age in seconds of the oldest unshipped journal record above which to alert. Default 900. */
  readonly journalOldestUnshippedSeconds: number;
}

export interface GeneratorConfig {
  readonly datasources: {
    readonly prometheus: { readonly uid: string; readonly url: string };
    readonly loki: { readonly uid: string; readonly url: string };
    readonly tempo: { readonly uid: string; readonly url: string };
  };
  /** Folder holding the dashboards. */
  readonly folder: { readonly uid: string; readonly title: string };
  /**
   * Folder (by title) holding the alert rules. Grafana provisions alerting before dashboards and
   * finds alert folders by title only, so sharing the dashboards' folder (which has a fixed uid)
   * would create two folders of the same name (grafana/grafana#125079) or fail provisioning.
   */
  readonly alertFolderTitle: string;
  /** Where the compose file mounts `grafana/dashboards` inside the Grafana container. */
  readonly dashboardsPath: string;
  /** Environment variable holding the webhook URL of the default contact point. */
  readonly webhookUrlEnvironmentVariable: string;
  readonly thresholds: AlertThresholds;
  readonly prices: readonly ModelPrice[];
}

/**
 * List prices in USD per million tokens, taken from the providers' public price pages in 2025.
 * They are estimates for the dashboard only: check your contract and edit this table.
 */
export const DEFAULT_PRICES: readonly ModelPrice[] = [
  { model: 'gpt-4o', inputPerMillionTokens: 2.5, outputPerMillionTokens: 10 },
  { model: 'gpt-4o-mini', inputPerMillionTokens: 0.15, outputPerMillionTokens: 0.6 },
  { model: 'gpt-4.1', inputPerMillionTokens: 2, outputPerMillionTokens: 8 },
  { model: 'gpt-4.1-mini', inputPerMillionTokens: 0.4, outputPerMillionTokens: 1.6 },
  { model: 'claude-sonnet-4', inputPerMillionTokens: 3, outputPerMillionTokens: 15 },
  { model: 'claude-opus-4', inputPerMillionTokens: 15, outputPerMillionTokens: 75 },
  { model: 'claude-3-5-haiku', inputPerMillionTokens: 0.8, outputPerMillionTokens: 4 },
  { model: 'gemini-2.5-pro', inputPerMillionTokens: 1.25, outputPerMillionTokens: 10 },
  { model: 'gemini-2.5-flash', inputPerMillionTokens: 0.3, outputPerMillionTokens: 2.5 },
];

export const DEFAULT_CONFIG: GeneratorConfig = {
  datasources: {
    prometheus: { uid: 'prometheus', url: 'http://prometheus:9090' },
    loki: { uid: 'loki', url: 'http://loki:3100' },
    tempo: { uid: 'tempo', url: 'http://tempo:3200' },
  },
  folder: { uid: 'swarmtrail', title: 'Swarmtrail' },
  alertFolderTitle: 'Swarmtrail alerts',
  dashboardsPath: '/var/lib/grafana/dashboards',
  webhookUrlEnvironmentVariable: 'SWARMTRAIL_ALERT_WEBHOOK_URL',
  thresholds: {
    toolErrorRatio: 0.05,
    toolLatencyP95Seconds: 5,
    llmErrorRatio: 0.05,
    hourlyTokenBudget: 1_000_000,
    noRunsPeriod: '2h',
    runsExpectedWithin: '7d',
    collectorQueueFillRatio: 0.8,
    journalBacklogRecords: 1000,
    journalOldestUnshippedSeconds: 900,
  },
  prices: DEFAULT_PRICES,
};
