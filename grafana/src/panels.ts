/**
 * Small typed builders for the panels, queries and variables our dashboards use. They produce
 * plain Grafana dashboard JSON (schema v1, the format file provisioning reads), typed with
 * `@grafana/schema`.
 */
import type { DataSourceRef, Panel, ThresholdsMode, VariableModel } from '@grafana/schema';
import type { GeneratorConfig } from './config.js';

export type DatasourceKind = 'prometheus' | 'loki' | 'tempo';

export interface Datasources {
  readonly prometheus: DataSourceRef;
  readonly loki: DataSourceRef;
  readonly tempo: DataSourceRef;
}

export function datasourceRefs(config: GeneratorConfig): Datasources {
  return {
    prometheus: { type: 'prometheus', uid: config.datasources.prometheus.uid },
    loki: { type: 'loki', uid: config.datasources.loki.uid },
    tempo: { type: 'tempo', uid: config.datasources.tempo.uid },
  };
}

export interface PromQuery {
  readonly expr: string;
  readonly legend?: string;
  /** Instant query (tables, stats, bar gauges); range otherwise. */
  readonly instant?: boolean;
  /** Table format (instant tables). */
  readonly table?: boolean;
}

export function promTargets(ds: DataSourceRef, queries: readonly PromQuery[]): Record<string, unknown>[] {
  return queries.map((query, index) => ({
    refId: String.fromCharCode(65 + index),
    datasource: ds,
    expr: query.expr,
    legendFormat: query.legend ?? '__auto',
    range: query.instant !== true,
    instant: query.instant === true,
    exemplar: query.instant !== true,
    ...(query.table === true ? { format: 'table' } : {}),
  }));
}

export function lokiTargets(ds: DataSourceRef, queries: readonly { expr: string; legend?: string }[]): Record<string, unknown>[] {
  return queries.map((query, index) => ({
    refId: String.fromCharCode(65 + index),
    datasource: ds,
    expr: query.expr,
    queryType: 'range',
    ...(query.legend === undefined ? {} : { legendFormat: query.legend }),
  }));
}

/** A Tempo query: TraceQL search, or a trace looked up by id (`traceId` is then a variable). */
export type TempoQuery = { readonly traceql: string; readonly limit?: number } | { readonly traceId: string };

export function tempoTargets(ds: DataSourceRef, query: TempoQuery): Record<string, unknown>[] {
  if ('traceId' in query) {
    return [{ refId: 'A', datasource: ds, queryType: 'traceql', query: query.traceId }];
  }
  return [
    { refId: 'A', datasource: ds, queryType: 'traceql', query: query.traceql, limit: query.limit ?? 50, tableType: 'traces' },
  ];
}

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  /** Width in grid columns (24 per row). */
  readonly width: number;
  readonly height: number;
}

export type PanelDraft = Omit<Panel, 'gridPos' | 'id'> & { readonly width: number; readonly height: number };

function base(type: string, spec: PanelSpec, datasource: DataSourceRef, targets: Record<string, unknown>[]): PanelDraft {
  return { type, title: spec.title, description: spec.description, datasource, targets, width: spec.width, height: spec.height };
}

export interface TimeseriesOptions {
  readonly unit?: string;
  readonly stack?: boolean;
  readonly bars?: boolean;
  readonly min?: number;
}

export function timeseries(spec: PanelSpec, ds: DataSourceRef, targets: Record<string, unknown>[], options: TimeseriesOptions = {}): PanelDraft {
  return {
    ...base('timeseries', spec, ds, targets),
    fieldConfig: {
      defaults: {
        unit: options.unit ?? 'short',
        ...(options.min === undefined ? {} : { min: options.min }),
        custom: {
          drawStyle: options.bars === true ? 'bars' : 'line',
          fillOpacity: options.bars === true ? 80 : 10,
          stacking: { mode: options.stack === true ? 'normal' : 'none', group: 'A' },
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
  };
}

export function stat(spec: PanelSpec, ds: DataSourceRef, targets: Record<string, unknown>[], unit = 'short', thresholds?: { red: number }): PanelDraft {
  return {
    ...base('stat', spec, ds, targets),
    fieldConfig: {
      defaults: {
        unit,
        thresholds: {
          // The enum's runtime value; we import types only from @grafana/schema.
          mode: 'absolute' as ThresholdsMode,
          steps: [{ color: 'green', value: null }, ...(thresholds ? [{ color: 'red', value: thresholds.red }] : [])],
        },
      },
      overrides: [],
    },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none', textMode: 'auto' },
  };
}

export function bargauge(spec: PanelSpec, ds: DataSourceRef, targets: Record<string, unknown>[], unit = 'short'): PanelDraft {
  return {
    ...base('bargauge', spec, ds, targets),
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: { orientation: 'horizontal', displayMode: 'gradient', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } },
  };
}

/** A table; `traceLink` turns the named column into a link to the Run explorer for that trace. */
export function table(
  spec: PanelSpec,
  ds: DataSourceRef,
  targets: Record<string, unknown>[],
  extra: { readonly transformations?: Panel['transformations']; readonly traceLink?: { column: string; url: string } } = {},
): PanelDraft {
  return {
    ...base('table', spec, ds, targets),
    fieldConfig: {
      defaults: {},
      overrides: extra.traceLink
        ? [
            {
              matcher: { id: 'byName', options: extra.traceLink.column },
              properties: [{ id: 'links', value: [{ title: 'Open run', url: extra.traceLink.url }] }],
            },
          ]
        : [],
    },
    options: { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], fields: '' } },
    ...(extra.transformations ? { transformations: extra.transformations } : {}),
  };
}

export function logs(spec: PanelSpec, ds: DataSourceRef, targets: Record<string, unknown>[]): PanelDraft {
  return {
    ...base('logs', spec, ds, targets),
    options: {
      showTime: true,
      showLabels: false,
      showCommonLabels: false,
      wrapLogMessage: true,
      prettifyLogMessage: false,
      enableLogDetails: true,
      sortOrder: 'Descending',
      dedupStrategy: 'none',
    },
  };
}

export function traces(spec: PanelSpec, ds: DataSourceRef, targets: Record<string, unknown>[]): PanelDraft {
  return { ...base('traces', spec, ds, targets), options: {} };
}

/** Lay panels out left to right, wrapping at 24 columns, and number them. */
export function layout(drafts: readonly PanelDraft[]): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return drafts.map((draft, index) => {
    const { width, height, ...panel } = draft;
    if (x + width > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed: Panel = { ...panel, id: index + 1, gridPos: { x, y, w: width, h: height } };
    x += width;
    rowHeight = Math.max(rowHeight, height);
    return placed;
  });
}

// --- template variables --------------------------------------------------------------------------

export function queryVariable(options: {
  readonly name: string;
  readonly label: string;
  readonly datasource: DataSourceRef;
  /** Grafana's Prometheus variable syntax, e.g. `label_values(metric{job=~"$job"}, label)`. */
  readonly query: string;
  readonly allValue: string;
}): VariableModel {
  return {
    type: 'query',
    name: options.name,
    label: options.label,
    datasource: options.datasource,
    query: options.query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: options.allValue,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
    options: [],
  };
}

export function textVariable(name: string, label: string, description: string): VariableModel {
  return { type: 'textbox', name, label, description, query: '', current: { text: '', value: '' }, options: [] };
}
