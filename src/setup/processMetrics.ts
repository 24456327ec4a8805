import type { Meter, ObservableResult } from '@opentelemetry/api';
import { ATTR_CPU_MODE, METRIC_PROCESS_CPU_TIME, METRIC_PROCESS_MEMORY_USAGE } from '../semconv.js';

const USER = { [ATTR_CPU_MODE]: 'user' };
const SYSTEM = { [ATTR_CPU_MODE]: 'system' };

/**
 * The process's CPU time and resident memory, as the OTel process conventions name them, read
 * only when a reader collects (no timers of our own).
 */
export function registerProcessMetrics(meter: Meter): void {
  meter
    .createObservableCounter(METRIC_PROCESS_CPU_TIME, { unit: 's', description: 'CPU time of the process, by mode' })
    .addCallback((result: ObservableResult) => {
      const usage = process.cpuUsage();
      result.observe(usage.user / 1e6, USER);
      result.observe(usage.system / 1e6, SYSTEM);
    });
  meter
    .createObservableUpDownCounter(METRIC_PROCESS_MEMORY_USAGE, { unit: 'By', description: 'Resident memory of the process' })
    .addCallback((result: ObservableResult) => {
      result.observe(process.memoryUsage.rss());
    });
}
