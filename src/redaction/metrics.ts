/**
 * Redacting metric attributes, in two places:
 * - at measurement time, with an attributes processor in a View (covers every reader, push and
 *   pull, and aggregates after redaction so redacted series merge instead of clashing);
 * - at export time, on a copy of the collected ResourceMetrics (used by RedactingMetricExporter
 *   and RedactingPrometheusExporter, whatever views the user configured).
 */
import { diag, type Attributes } from '@opentelemetry/api';
import type { IAttributesProcessor, MetricData, ResourceMetrics, ViewOptions } from '@opentelemetry/sdk-metrics';
import { InstrumentationScopeRedactor } from './InstrumentationScopeRedactor.js';
import { redactResource } from './resource.js';
import { RedactionReport, type Redactor } from './Redactor.js';

/** Returns a copy of `metrics` with redacted resource, meter scopes and data-point attributes. */
export function redactResourceMetrics(metrics: ResourceMetrics, redactor: Redactor, report = new RedactionReport('metrics')): ResourceMetrics {
  const scopes = new InstrumentationScopeRedactor(redactor);
  return {
    resource: redactResource(metrics.resource, redactor, report),
    scopeMetrics: metrics.scopeMetrics.map((scopeMetrics) => ({
      scope: scopes.redact(scopeMetrics.scope, report),
      metrics: scopeMetrics.metrics.map((metric) => redactMetric(metric, redactor, report)),
    })),
  };
}

function redactMetric(metric: MetricData, redactor: Redactor, report: RedactionReport): MetricData {
  const dataPoints = (metric.dataPoints as Array<{ attributes: Attributes }>).map((point) => ({
    ...point,
    attributes: redactor.redactAttributes(point.attributes, report),
  }));
  return { ...metric, dataPoints } as MetricData;
}

/** An attributes processor for Views: redacts measurement attributes before aggregation. */
export class RedactingAttributesProcessor implements IAttributesProcessor {
  private readonly _redactor: Redactor;
  private readonly _onReport: ((report: RedactionReport) => void) | undefined;

  // Plain fields, not parameter properties: child processes in the tests run this source with
  // Node's type stripping, which rejects parameter properties.
  constructor(redactor: Redactor, onReport?: (report: RedactionReport) => void) {
    this._redactor = redactor;
    this._onReport = onReport;
  }

  process = (incoming: Attributes): Attributes => {
    try {
      const report = new RedactionReport('metrics');
      const redacted = this._redactor.redactAttributes(incoming, report);
      if (report.total > 0) this._onReport?.(report);
      return redacted;
    } catch (error) {
      diag.error('swarmtrail redaction: metric attributes could not be redacted; dropping them', error);
      return {};
    }
  };
}

/**
 * Views that redact every instrument's attributes: the given views each get the redacting
 * processor appended, and with no views a catch-all `*` view is returned. (A catch-all view next
 * to user views would create duplicate streams, so instruments no user view selects are
 * covered only by the export-time wrappers; see docs/redaction.md.)
 */
export function redactingMetricViews(redactor: Redactor, views: readonly ViewOptions[] = [], onReport?: (report: RedactionReport) => void): ViewOptions[] {
  const processor = new RedactingAttributesProcessor(redactor, onReport);
  if (views.length === 0) return [{ instrumentName: '*', attributesProcessors: [processor] }];
  return views.map((view) => ({ ...view, attributesProcessors: [...(view.attributesProcessors ?? []), processor] }));
}
