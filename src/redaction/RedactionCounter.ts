/** Counts redactions into the `swarmtrail.redactions` counter (by kind and signal), never values. */
import type { Counter, Meter } from '@opentelemetry/api';
import {
  ATTR_SWARMTRAIL_REDACTION_KIND,
  ATTR_SWARMTRAIL_SIGNAL,
  METRIC_SWARMTRAIL_REDACTIONS,
} from '../semconv.js';
import type { RedactionReport } from './Redactor.js';

export class RedactionCounter {
  private readonly _counter: Counter;

  constructor(meter: Meter) {
    this._counter = meter.createCounter(METRIC_SWARMTRAIL_REDACTIONS, {
      unit: '{redaction}',
      description: 'Values redacted before export, by kind and signal',
    });
  }

  /** Adds the counts of a report. */
  record(report: RedactionReport): void {
    for (const [kind, count] of report.counts) {
      this._counter.add(count, { [ATTR_SWARMTRAIL_REDACTION_KIND]: kind, [ATTR_SWARMTRAIL_SIGNAL]: report.signal });
    }
  }
}
