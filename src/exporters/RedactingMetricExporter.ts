import { diag, type Meter } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { AggregationOption, AggregationTemporality, InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { redactResourceMetrics } from '../redaction/metrics.js';
import { RedactionCounter } from '../redaction/RedactionCounter.js';
import { RedactionReport, type Redactor } from '../redaction/Redactor.js';

export interface RedactingMetricExporterOptions {
  /** The exporter that receives the redacted copies. Required. */
  readonly exporter: PushMetricExporter;
  /** The compiled redaction policy. Required. */
  readonly redactor: Redactor;
  /** Counts redactions into `swarmtrail.redactions` (signal `metrics`). Default none. */
  readonly meter?: Meter;
}

/** Wraps a PushMetricExporter: exports copies with redacted resource and data-point attributes. */
export class RedactingMetricExporter implements PushMetricExporter {
  private readonly _exporter: PushMetricExporter;
  private readonly _redactor: Redactor;
  private readonly _counter: RedactionCounter | undefined;
  /** The wrapped exporter's temporality preference, when it has one. */
  readonly selectAggregationTemporality?: (instrumentType: InstrumentType) => AggregationTemporality;
  /** The wrapped exporter's aggregation preference, when it has one. */
  readonly selectAggregation?: (instrumentType: InstrumentType) => AggregationOption;

  constructor(options: RedactingMetricExporterOptions) {
    if (options?.exporter === undefined || options.redactor === undefined) {
      throw new Error('RedactingMetricExporter needs { exporter, redactor }');
    }
    this._exporter = options.exporter;
    this._redactor = options.redactor;
    this._counter = options.meter === undefined ? undefined : new RedactionCounter(options.meter);
    const exporter = options.exporter;
    if (exporter.selectAggregationTemporality !== undefined) {
      this.selectAggregationTemporality = (instrumentType) => exporter.selectAggregationTemporality!(instrumentType);
    }
    if (exporter.selectAggregation !== undefined) {
      this.selectAggregation = (instrumentType) => exporter.selectAggregation!(instrumentType);
    }
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    let redacted: ResourceMetrics;
    const report = new RedactionReport('metrics');
    try {
      redacted = redactResourceMetrics(metrics, this._redactor, report);
    } catch (error) {
      diag.error('swarmtrail redaction: metrics could not be redacted; not exported', error);
      resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      return;
    }
    if (report.total > 0) this._counter?.record(report);
    this._exporter.export(redacted, resultCallback);
  }

  forceFlush(): Promise<void> {
    return this._exporter.forceFlush();
  }

  shutdown(): Promise<void> {
    return this._exporter.shutdown();
  }

}
