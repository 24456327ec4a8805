import type { Dashboard } from '@grafana/schema';
import type { GeneratorConfig } from '../config.js';
import { L, LOKI, SWARMTRAIL_AUDIT_EVENTS, SWARMTRAIL_REDACTIONS, SWARMTRAIL_VERIFY_FAILURES } from '../metrics.js';
import { bargauge, datasourceRefs, lokiTargets, promTargets, stat, table, timeseries } from '../panels.js';
import { DASHBOARD_UIDS, JOB, LOKI_SERVICE, RUN_EXPLORER_LINK, RECORD_COLUMNS, dashboard, jobVariable } from './common.js';


export function auditSecurityDashboard(config: GeneratorConfig): Dashboard {
  const ds = datasourceRefs(config);
  const audit = SWARMTRAIL_AUDIT_EVENTS.name;
  const secret = `${audit}{${JOB}, ${L.eventType}="secret.access"}`;
  const denied = `{${LOKI_SERVICE}} | ${LOKI.eventType}="secret.access" | ${LOKI.outcome}="denied"`;

  return dashboard({
    uid: DASHBOARD_UIDS.auditSecurity,
    title: 'Swarmtrail / Audit and security',
    description: 'Secret-access attempts, denied ones, redactions, file changes, commands and integrity verification failures.',
    time: 'now-24h',
    variables: [jobVariable(config)],
    panels: [
      stat({ title: 'Denied secret accesses', description: 'Secret-access attempts denied in the time range. Any denial raises a critical alert.', width: 6, height: 4 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum(increase(${audit}{${JOB}, ${L.eventType}="secret.access", ${L.outcome}="denied"}[$__range])) or vector(0)`, instant: true }]), 'short', { red: 1 }),
      stat({ title: 'Redactions', description: 'Values redacted from telemetry in the time range.', width: 6, height: 4 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum(increase(${SWARMTRAIL_REDACTIONS.name}{${JOB}}[$__range])) or vector(0)`, instant: true }])),
      stat({ title: 'Integrity verification failures', description: 'Failures reported by `swarmtrail verify` in the time range (absent series: none recorded).', width: 6, height: 4 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum(increase(${SWARMTRAIL_VERIFY_FAILURES.name}{${JOB}}[$__range])) or vector(0)`, instant: true }]), 'short', { red: 1 }),
      stat({ title: 'File changes', description: 'file.change audit events in the time range.', width: 6, height: 4 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum(increase(${audit}{${JOB}, ${L.eventType}="file.change"}[$__range])) or vector(0)`, instant: true }])),

      timeseries({ title: 'Secret-access attempts by outcome', description: 'granted / denied / not_found per interval.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.outcome}) (increase(${secret}[$__interval]))`, legend: `{{${L.outcome}}}` }]), { bars: true, stack: true, min: 0 }),
      bargauge({ title: 'Secret-access attempts by agent and outcome', description: 'In the time range, by gen_ai.agent.name and audit.outcome.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.agent}, ${L.outcome}) (increase(${secret}[$__range]))`, legend: `{{${L.agent}}} {{${L.outcome}}}`, instant: true }])),

      table({ title: 'Denied secret accesses', description: 'Every denied attempt: agent, key alias, run. Click the trace id to open the run.', width: 24, height: 8 }, ds.loki,
        lokiTargets(ds.loki, [{ expr: denied }]), { transformations: RECORD_COLUMNS, traceLink: { column: LOKI.traceId, url: RUN_EXPLORER_LINK } }),

      timeseries({ title: 'Redactions by kind', description: 'Redacted values per interval by swarmtrail.redaction.kind.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.redactionKind}) (increase(${SWARMTRAIL_REDACTIONS.name}{${JOB}}[$__interval]))`, legend: `{{${L.redactionKind}}}` }]), { bars: true, stack: true, min: 0 }),
      timeseries({ title: 'File changes and commands', description: 'file.change and command audit events per interval.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.eventType}) (increase(${audit}{${JOB}, ${L.eventType}=~"file[.]change|command"}[$__interval]))`, legend: `{{${L.eventType}}}` }]), { bars: true, stack: true, min: 0 }),

      table({ title: 'Recent file changes', description: 'file.change audit records, newest first.', width: 12, height: 8 }, ds.loki,
        lokiTargets(ds.loki, [{ expr: `{${LOKI_SERVICE}} | ${LOKI.eventType}="file.change"` }]), { transformations: RECORD_COLUMNS, traceLink: { column: LOKI.traceId, url: RUN_EXPLORER_LINK } }),
      table({ title: 'Recent commands', description: 'command audit records, newest first.', width: 12, height: 8 }, ds.loki,
        lokiTargets(ds.loki, [{ expr: `{${LOKI_SERVICE}} | ${LOKI.eventType}="command"` }]), { transformations: RECORD_COLUMNS, traceLink: { column: LOKI.traceId, url: RUN_EXPLORER_LINK } }),

      timeseries({ title: 'Integrity verification failures by kind', description: 'swarmtrail.verify.failures per interval by failure kind.', width: 24, height: 7 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.verifyFailureKind}) (increase(${SWARMTRAIL_VERIFY_FAILURES.name}{${JOB}}[$__interval]))`, legend: `{{${L.verifyFailureKind}}}` }]), { bars: true, min: 0 }),
    ],
  });
}
