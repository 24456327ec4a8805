/** Datasource provisioning (`grafana/provisioning/datasources/swarmtrail.yaml`). */
import type { GeneratorConfig } from './config.js';
import { L, LOKI, SWARMTRAIL_TOOL_DURATION, bucket, count } from './metrics.js';

/**
 * Grafana expands `$NAME` and `${NAME}` from the environment in provisioning files; `$$` is a
 * literal `$`. Grafana's own link variables (`${__value.raw}`, `${__trace.traceId}`) must be escaped.
 */
export function escapeProvisioning(value: string): string {
  return value.replaceAll('$', '$$$$');
}

/** Tempo -> Loki: the audit records of a trace (or span), found by the `trace_id` structured metadata. */
export const TRACE_TO_LOGS_QUERY = `{\${__tags}} | ${LOKI.traceId}="\${__trace.traceId}"`;

/** Tempo -> Prometheus: metrics of the span's service around the span's time. */
export const TRACE_TO_METRICS_QUERIES = [
  {
    name: 'Tool calls by outcome',
    query: `sum by (${L.tool}, ${L.outcome}) (rate(${count(SWARMTRAIL_TOOL_DURATION)}{$__tags}[5m]))`,
  },
  {
    name: 'Tool latency p95',
    query: `histogram_quantile(0.95, sum by (le, ${L.tool}) (rate(${bucket(SWARMTRAIL_TOOL_DURATION)}{$__tags}[5m])))`,
  },
] as const;

export function datasourcesFile(config: GeneratorConfig): Record<string, unknown> {
  const { prometheus, loki, tempo } = config.datasources;
  return {
    apiVersion: 1,
    prune: true,
    datasources: [
      {
        name: 'Prometheus',
        type: 'prometheus',
        uid: prometheus.uid,
        access: 'proxy',
        url: prometheus.url,
        isDefault: true,
        editable: false,
        jsonData: {
          httpMethod: 'POST',
          prometheusType: 'Prometheus',
          timeInterval: '15s',
          // Exemplars recorded with SDK histograms carry the trace id: one click to the trace.
          exemplarTraceIdDestinations: [{ name: 'trace_id', datasourceUid: tempo.uid, urlDisplayLabel: 'View trace' }],
        },
      },
      {
        name: 'Loki',
        type: 'loki',
        uid: loki.uid,
        access: 'proxy',
        url: loki.url,
        editable: false,
        jsonData: {
          maxLines: 1000,
          // Loki -> Tempo: the trace_id structured metadata of an audit record opens its trace.
          derivedFields: [
            {
              name: 'trace_id',
              matcherType: 'label',
              matcherRegex: LOKI.traceId,
              datasourceUid: tempo.uid,
              url: escapeProvisioning('${__value.raw}'),
              urlDisplayLabel: 'View trace',
            },
          ],
        },
      },
      {
        name: 'Tempo',
        type: 'tempo',
        uid: tempo.uid,
        access: 'proxy',
        url: tempo.url,
        editable: false,
        jsonData: {
          tracesToLogsV2: {
            datasourceUid: loki.uid,
            spanStartTimeShift: '-1h',
            spanEndTimeShift: '1h',
            filterByTraceID: true,
            filterBySpanID: false,
            customQuery: true,
            query: escapeProvisioning(TRACE_TO_LOGS_QUERY),
            tags: [{ key: 'service.name', value: LOKI.serviceName }],
          },
          tracesToMetrics: {
            datasourceUid: prometheus.uid,
            spanStartTimeShift: '-10m',
            spanEndTimeShift: '10m',
            tags: [{ key: 'service.name', value: 'job' }],
            queries: TRACE_TO_METRICS_QUERIES.map((q) => ({ name: q.name, query: escapeProvisioning(q.query) })),
          },
          serviceMap: { datasourceUid: prometheus.uid },
          nodeGraph: { enabled: true },
          search: { hide: false },
          lokiSearch: { datasourceUid: loki.uid },
          traceQuery: { timeShiftEnabled: true, spanStartTimeShift: '-1h', spanEndTimeShift: '1h' },
          spanBar: { type: 'Tag', tag: 'gen_ai.operation.name' },
        },
      },
    ],
  };
}

export function dashboardProviderFile(config: GeneratorConfig): Record<string, unknown> {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'swarmtrail',
        orgId: 1,
        folder: config.folder.title,
        folderUid: config.folder.uid,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: config.dashboardsPath, foldersFromFilesStructure: false },
      },
    ],
  };
}
