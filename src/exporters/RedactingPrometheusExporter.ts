import { diag, type Meter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { PrometheusExporter, type ExporterConfig } from '@opentelemetry/exporter-prometheus';
import type { CollectionResult, MetricCollectOptions } from '@opentelemetry/sdk-metrics';
import { redactResourceMetrics } from '../redaction/metrics.js';
import { RedactionCounter } from '../redaction/RedactionCounter.js';
import { RedactionReport, type Redactor } from '../redaction/Redactor.js';

export interface RedactingPrometheusExporterOptions extends ExporterConfig {
  /** The compiled redaction policy. Required. */
  readonly redactor: Redactor;
  /** Counts redactions into `swarmtrail.redactions` (signal `metrics`). Default none. */
  readonly meter?: Meter;
}

/**
 * The Prometheus pull exporter, serving only redacted attributes: every collection (each scrape)
 * is redacted before it is serialised, resource attributes (`target_info`) included.
 */
export class RedactingPrometheusExporter extends PrometheusExporter {
  private readonly _redactor: Redactor;
  private readonly _counter: RedactionCounter | undefined;

  constructor(options: RedactingPrometheusExporterOptions, callback?: (error: Error | void) => void) {
    const { redactor, meter, ...config } = options;
    if (redactor === undefined) throw new Error('RedactingPrometheusExporter needs { redactor }');
    super(config, callback);
    this._redactor = redactor;
    this._counter = meter === undefined ? undefined : new RedactionCounter(meter);
  }

  override async collect(options?: MetricCollectOptions): Promise<CollectionResult> {
    const result = await super.collect(options);
    const report = new RedactionReport('metrics');
    try {
      const resourceMetrics = redactResourceMetrics(result.resourceMetrics, this._redactor, report);
      if (report.total > 0) this._counter?.record(report);
      return { resourceMetrics, errors: result.errors };
    } catch (error) {
      diag.error('swarmtrail redaction: metrics could not be redacted; serving none', error);
      return { resourceMetrics: { resource: resourceFromAttributes({}), scopeMetrics: [] }, errors: [...result.errors, error] };
    }
  }
}
