import { diag, metrics, type Counter } from '@opentelemetry/api';
import { ATTR_SWARMTRAIL_COMPONENT, METRIC_SWARMTRAIL_TELEMETRY_FAILURES } from '../semconv.js';

let counter: Counter | undefined;

/**
 * Reports a telemetry failure that was kept away from user code: to OTel's diagnostic logger
 * and to the `swarmtrail.telemetry.failures` counter. Never throws.
 */
export function reportFailure(component: string, message: string, error?: unknown): void {
  try {
    diag.error(`swarmtrail: ${component}: ${message}`, error);
    counter ??= metrics
      .getMeter('swarmtrail')
      .createCounter(METRIC_SWARMTRAIL_TELEMETRY_FAILURES, {
        unit: '{failure}',
        description: 'Telemetry failures swarmtrail kept away from user code',
      });
    counter.add(1, { [ATTR_SWARMTRAIL_COMPONENT]: component });
  } catch {
    // Reporting must not fail either.
  }
}

/** @internal Tests and start() reset the cached counter when the global meter provider changes. */
export function resetFailureCounter(): void {
  counter = undefined;
}
