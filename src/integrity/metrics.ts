/** The `swarmtrail.verify.failures` counter: lets an alert fire when a verification fails. */
import type { Meter } from '@opentelemetry/api';
import { ATTR_SWARMTRAIL_VERIFY_FAILURE_KIND, METRIC_SWARMTRAIL_VERIFY_FAILURES } from '../semconv.js';
import type { FailureKind, VerificationReport } from './TrailVerifier.js';

/**
 * Adds a report's failures to `swarmtrail.verify.failures` (unit `{failure}`), one data point per
 * failure kind (attribute `swarmtrail.verify.failure.kind`). Nothing is added for a clean report.
 */
export function recordVerificationFailures(report: VerificationReport, meter: Meter): void {
  const counter = meter.createCounter(METRIC_SWARMTRAIL_VERIFY_FAILURES, {
    unit: '{failure}',
    description: 'Integrity verification failures (modified, missing, reordered, forked or truncated audit records, bad signatures)',
  });
  for (const [kind, count] of Object.entries(report.failures) as [FailureKind, number][]) {
    if (count > 0) counter.add(count, { [ATTR_SWARMTRAIL_VERIFY_FAILURE_KIND]: kind });
  }
}
