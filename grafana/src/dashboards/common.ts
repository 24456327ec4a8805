import type { Dashboard, VariableModel } from '@grafana/schema';
import type { GeneratorConfig } from '../config.js';
import { L, SWARMTRAIL_WORKFLOW_DURATION, count } from '../metrics.js';
import { datasourceRefs, layout, queryVariable, type PanelDraft } from '../panels.js';

export const DASHBOARD_UIDS = {
  overview: 'swarmtrail-overview',
  runExplorer: 'swarmtrail-run-explorer',
  auditSecurity: 'swarmtrail-audit-security',
  pipelineHealth: 'swarmtrail-pipeline-health',
} as const;

/** Matcher for the selected services (Prometheus `job` = OTel `service.name`). */
export const JOB = 'job=~"$job"';
/** Matcher for the selected services in Loki, where `service.name` is the `service_name` label. */
export const LOKI_SERVICE = 'service_name=~"$job"';
export const WORKFLOW = `${L.workflow}=~"$workflow"`;

/** Link template to the Run explorer for the trace id in a table cell. */
export const RUN_EXPLORER_LINK = `/d/${DASHBOARD_UIDS.runExplorer}/run-explorer?var-trace_id=\${__value.raw}&\${__url_time_range}`;

export function jobVariable(config: GeneratorConfig): VariableModel {
  return queryVariable({
    name: 'job',
    label: 'Service',
    datasource: datasourceRefs(config).prometheus,
    query: `label_values(${count(SWARMTRAIL_WORKFLOW_DURATION)}, job)`,
    allValue: '.+',
  });
}

export function workflowVariable(config: GeneratorConfig): VariableModel {
  return queryVariable({
    name: 'workflow',
    label: 'Workflow',
    datasource: datasourceRefs(config).prometheus,
    query: `label_values(${count(SWARMTRAIL_WORKFLOW_DURATION)}{${JOB}}, ${L.workflow})`,
    allValue: '.*',
  });
}

export function dashboard(options: {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables: readonly VariableModel[];
  readonly panels: readonly PanelDraft[];
  readonly time?: string;
}): Dashboard {
  return {
    uid: options.uid,
    title: options.title,
    description: options.description,
    tags: ['swarmtrail'],
    editable: false,
    graphTooltip: 1,
    schemaVersion: 41,
    version: 1,
    timezone: 'browser',
    refresh: '30s',
    time: { from: options.time ?? 'now-6h', to: 'now' },
    fiscalYearStartMonth: 0,
    links: [{ type: 'dashboards', tags: ['swarmtrail'], asDropdown: true, title: 'Swarmtrail dashboards', includeVars: true, keepTime: true, icon: 'external link', targetBlank: false, tooltip: '', url: '' }],
    annotations: { list: [] },
    templating: { list: [...options.variables] },
    panels: layout(options.panels),
  };
}

/** Show a Loki table as one row per record with its structured metadata as columns. */
export const RECORD_COLUMNS = [
  { id: 'extractFields', options: { source: 'labels', replace: false, keepTime: true } },
  { id: 'organize', options: { excludeByName: { labels: true, tsNs: true, id: true, labelTypes: true } } },
];
