import type { Dashboard } from '@grafana/schema';
import type { GeneratorConfig } from '../config.js';
import {
  COLLECTOR_EXPORTER_ENQUEUE_FAILED,
  COLLECTOR_EXPORTER_QUEUE_CAPACITY,
  COLLECTOR_EXPORTER_QUEUE_SIZE,
  COLLECTOR_EXPORTER_SEND_FAILED,
  COLLECTOR_EXPORTER_SENT,
  COLLECTOR_PROCESSOR_INCOMING_ITEMS,
  COLLECTOR_PROCESSOR_OUTGOING_ITEMS,
  COLLECTOR_RECEIVER_ACCEPTED,
  COLLECTOR_RECEIVER_REFUSED,
  L,
  SWARMTRAIL_JOURNAL_BACKLOG,
  SWARMTRAIL_JOURNAL_EXPORT_FAILURES,
  SWARMTRAIL_JOURNAL_OLDEST_UNSHIPPED_AGE,
  SWARMTRAIL_JOURNAL_RECORDS_DROPPED,
  SWARMTRAIL_JOURNAL_SIZE,
  SWARMTRAIL_TELEMETRY_FAILURES,
  type CollectorItems,
  type MetricName,
} from '../metrics.js';
import { datasourceRefs, promTargets, stat, timeseries, type PanelDraft } from '../panels.js';
import { perCollectorSignal } from '../promql.js';
import { DASHBOARD_UIDS, JOB, dashboard, jobVariable } from './common.js';

export function pipelineHealthDashboard(config: GeneratorConfig): Dashboard {
  const ds = datasourceRefs(config);
  const t = config.thresholds;
  const collectorRate = (title: string, description: string, metric: (items: CollectorItems) => MetricName, by: string): PanelDraft =>
    timeseries({ title, description, width: 12, height: 8 }, ds.prometheus,
      promTargets(ds.prometheus, [{
        expr: `sum by (collector_signal, ${by}) (${perCollectorSignal(metric, (series) => `rate(${series}[$__rate_interval])`)})`,
        legend: `{{collector_signal}} {{${by}}}`,
      }]), { unit: 'short', min: 0 });

  return dashboard({
    uid: DASHBOARD_UIDS.pipelineHealth,
    title: 'Swarmtrail / Pipeline health',
    description: 'Is the trail keeping up? SDK journal backlog and failures, collector throughput, refusals, failures, queues and dropped data.',
    time: 'now-3h',
    variables: [jobVariable(config)],
    panels: [
      stat({ title: 'Journal backlog', description: `Records appended but not yet acknowledged by the collector. Alert when above ${t.journalBacklogRecords} and growing.`, width: 6, height: 4 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum(${SWARMTRAIL_JOURNAL_BACKLOG.name}{${JOB}})`, instant: true }]), 'short', { red: t.journalBacklogRecords }),
      stat({ title: 'Oldest unshipped record', description: `Age of the oldest record not yet acknowledged. Alert above ${t.journalOldestUnshippedSeconds} s.`, width: 6, height: 4 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `max(${SWARMTRAIL_JOURNAL_OLDEST_UNSHIPPED_AGE.name}{${JOB}})`, instant: true }]), 's', { red: t.journalOldestUnshippedSeconds }),
      stat({ title: 'Journal size on disk', description: 'Bytes of journal segments on disk.', width: 6, height: 4 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum(${SWARMTRAIL_JOURNAL_SIZE.name}{${JOB}})`, instant: true }]), 'bytes'),
      stat({ title: 'Journal records dropped', description: 'Records dropped by the journal disk cap in the time range: data loss.', width: 6, height: 4 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum(increase(${SWARMTRAIL_JOURNAL_RECORDS_DROPPED.name}{${JOB}}[$__range])) or vector(0)`, instant: true }]), 'short', { red: 1 }),

      timeseries({ title: 'Journal backlog and oldest unshipped age', description: 'Backlog (records, left axis) per service instance.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (job, instance) (${SWARMTRAIL_JOURNAL_BACKLOG.name}{${JOB}})`, legend: '{{job}} {{instance}}' }]), { min: 0 }),
      timeseries({ title: 'Oldest unshipped record age', description: 'Age of the oldest unacknowledged journal record per service instance.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `max by (job, instance) (${SWARMTRAIL_JOURNAL_OLDEST_UNSHIPPED_AGE.name}{${JOB}})`, legend: '{{job}} {{instance}}' }]), { unit: 's', min: 0 }),
      timeseries({ title: 'SDK failures', description: 'Failed journal exports, dropped records and telemetry failures kept away from user code, per second.', width: 24, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [
          { expr: `sum by (job) (rate(${SWARMTRAIL_JOURNAL_EXPORT_FAILURES.name}{${JOB}}[$__rate_interval]))`, legend: '{{job}} journal export failures' },
          { expr: `sum by (job) (rate(${SWARMTRAIL_JOURNAL_RECORDS_DROPPED.name}{${JOB}}[$__rate_interval]))`, legend: '{{job}} journal records dropped' },
          { expr: `sum by (job, ${L.component}) (rate(${SWARMTRAIL_TELEMETRY_FAILURES.name}{${JOB}}[$__rate_interval]))`, legend: `{{job}} {{${L.component}}} telemetry failures` },
        ]), { min: 0 }),

      collectorRate('Collector accepted', 'Items per second the collector receivers accepted, per signal.', COLLECTOR_RECEIVER_ACCEPTED, 'receiver'),
      collectorRate('Collector refused', 'Items per second the receivers refused (back-pressure from the memory limiter or exporters).', COLLECTOR_RECEIVER_REFUSED, 'receiver'),
      collectorRate('Collector sent', 'Items per second the exporters sent, per signal and exporter.', COLLECTOR_EXPORTER_SENT, 'exporter'),
      collectorRate('Collector send failures', 'Items per second in failed export attempts. Sustained failures raise a critical alert.', COLLECTOR_EXPORTER_SEND_FAILED, 'exporter'),

      timeseries({ title: 'Exporter queue fill', description: `Sending queue size / capacity per exporter. Alert above ${t.collectorQueueFillRatio * 100}%.`, width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{
          expr: `max by (exporter) (${COLLECTOR_EXPORTER_QUEUE_SIZE.name}) / on (exporter) max by (exporter) (${COLLECTOR_EXPORTER_QUEUE_CAPACITY.name})`,
          legend: '{{exporter}}',
        }]), { unit: 'percentunit', min: 0 }),
      timeseries({ title: 'Dropped data', description: 'Items per second dropped: refused by a full sending queue (enqueue failed), or removed inside processors (incoming - outgoing; filter and memory limiter).', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [
          { expr: `sum by (collector_signal, exporter) (${perCollectorSignal(COLLECTOR_EXPORTER_ENQUEUE_FAILED, (series) => `rate(${series}[$__rate_interval])`)})`, legend: '{{collector_signal}} {{exporter}} enqueue failed' },
          { expr: `sum by (processor, otel_signal) (rate(${COLLECTOR_PROCESSOR_INCOMING_ITEMS.name}[$__rate_interval])) - sum by (processor, otel_signal) (rate(${COLLECTOR_PROCESSOR_OUTGOING_ITEMS.name}[$__rate_interval]))`, legend: '{{otel_signal}} {{processor}} dropped in processor' },
        ]), { min: 0 }),
    ],
  });
}
