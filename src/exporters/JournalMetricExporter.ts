import { diag } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Journal } from '../journal/Journal.js';

/** Options of {@link JournalMetricExporter}. */
export interface JournalMetricExporterOptions {
  /** The journal metric collections are appended to. Required. */
  readonly journal: Journal;
}

/**
 * A push exporter (use it with a `PeriodicExportingMetricReader`) that appends each collection to
 * the journal as one `ExportMetricsServiceRequest` line; the export succeeds once the line is
 * written (and fsynced, per the journal's durability mode). Metrics carry no record id: cumulative
 * points delivered twice are harmless. `shutdown()` only flushes.
 */
export class JournalMetricExporter implements PushMetricExporter {
  private readonly journal: Journal;

  constructor(options: JournalMetricExporterOptions) {
    if (options?.journal === undefined) throw new Error('JournalMetricExporter: option journal is required');
    this.journal = options.journal;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    try {
      this.journal.appendMetrics(metrics);
      void this.journal.flush().then(() => resultCallback({ code: ExportResultCode.SUCCESS }));
    } catch (error) {
      diag.error(`swarmtrail JournalMetricExporter: ${String(error)}`);
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  forceFlush(): Promise<void> {
    return this.journal.flush();
  }

  shutdown(): Promise<void> {
    return this.journal.flush();
  }
}
