import type { Dashboard } from '@grafana/schema';
import type { GeneratorConfig } from '../config.js';
import { LOKI } from '../metrics.js';
import { datasourceRefs, logs, lokiTargets, table, tempoTargets, textVariable, traces } from '../panels.js';
import { DASHBOARD_UIDS, LOKI_SERVICE, RUN_EXPLORER_LINK, RECORD_COLUMNS, dashboard, jobVariable, workflowVariable } from './common.js';

/** Audit records of the chosen run, optionally of one event type. */
function runRecords(eventType?: string): string {
  const typeFilter = eventType === undefined ? '' : ` | ${LOKI.eventType}="${eventType}"`;
  return `{${LOKI_SERVICE}} | ${LOKI.traceId}="$trace_id"${typeFilter}`;
}


export function runExplorerDashboard(config: GeneratorConfig): Dashboard {
  const ds = datasourceRefs(config);
  const eventTable = (title: string, eventType: string, description: string) =>
    table({ title, description, width: 12, height: 8 }, ds.loki, lokiTargets(ds.loki, [{ expr: runRecords(eventType) }]), {
      transformations: RECORD_COLUMNS,
    });

  return dashboard({
    uid: DASHBOARD_UIDS.runExplorer,
    title: 'Swarmtrail / Run explorer',
    description: 'One run (trace): its spans in Tempo, its audit records in Loki, and its decisions, file changes, commands and secret-access attempts.',
    time: 'now-24h',
    variables: [
      jobVariable(config),
      workflowVariable(config),
      textVariable('trace_id', 'Run (trace id)', 'Trace id of the run: paste one or click a run in the "Runs" table.'),
    ],
    panels: [
      table({ title: 'Runs', description: 'Recent runs of the selected workflows (root invoke_workflow spans). Click a trace id to explore that run.', width: 24, height: 8 }, ds.tempo,
        tempoTargets(ds.tempo, {
          traceql: '{ resource.service.name =~ "$job" && span.gen_ai.operation.name = "invoke_workflow" && span.gen_ai.workflow.name =~ "$workflow" }',
          limit: 50,
        }),
        { traceLink: { column: 'Trace ID', url: RUN_EXPLORER_LINK } }),
      traces({ title: 'Trace', description: 'The run as a trace. From a span, "Logs for this span" opens its audit records in Loki.', width: 24, height: 14 }, ds.tempo,
        tempoTargets(ds.tempo, { traceId: '$trace_id' })),
      logs({ title: 'Audit records', description: 'Every audit record of the run, newest first. The trace_id field links back to Tempo.', width: 24, height: 10 }, ds.loki,
        lokiTargets(ds.loki, [{ expr: runRecords() }])),
      eventTable('Decisions', 'decision', 'audit.decision records of the run.'),
      eventTable('File changes', 'file.change', 'audit.file.change records of the run (path, hashes before and after).'),
      eventTable('Commands', 'command', 'audit.command records of the run (command line, exit code).'),
      eventTable('Secret-access attempts', 'secret.access', 'audit.secret.access records of the run, by key alias and outcome.'),
    ],
  });
}
