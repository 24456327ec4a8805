import type { Attributes, Meter, ObservableCounter, ObservableResult } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { attributeText } from '../internal/serialize.js';
import {
  ATTR_AUDIT_EVENT_TYPE,
  ATTR_AUDIT_OUTCOME,
  ATTR_GEN_AI_AGENT_NAME,
  METRIC_SWARMTRAIL_AUDIT_EVENTS,
} from '../semconv.js';

/** Options for {@link AuditMetricsLogRecordProcessor}. */
export interface AuditMetricsLogRecordProcessorOptions {
  readonly meter: Meter;
}

/**
 * Counts audit records by type, outcome and agent into `swarmtrail.audit.events`. Counts are
 * kept in a map and observed at collection time: a map increment per record instead of the
 * metric SDK's attribute hashing on the hot path.
 */
export class AuditMetricsLogRecordProcessor implements LogRecordProcessor {
  private readonly counts = new Map<string, { attributes: Attributes; value: number }>();
  private readonly observe = (result: ObservableResult): void => {
    for (const entry of this.counts.values()) result.observe(entry.value, entry.attributes);
  };

  constructor(options: AuditMetricsLogRecordProcessorOptions) {
    const counter: ObservableCounter = options.meter.createObservableCounter(METRIC_SWARMTRAIL_AUDIT_EVENTS, {
      unit: '{event}',
      description: 'Audit events by type and outcome',
    });
    counter.addCallback(this.observe);
  }

  onEmit(record: ReadWriteLogRecord): void {
    const a = record.attributes;
    const type = a[ATTR_AUDIT_EVENT_TYPE];
    if (type === undefined) return;
    const outcome = a[ATTR_AUDIT_OUTCOME] ?? 'unknown';
    const agent = a[ATTR_GEN_AI_AGENT_NAME];
    const key = `${attributeText(type)}\u0000${attributeText(outcome)}\u0000${attributeText(agent)}`;
    const entry = this.counts.get(key);
    if (entry !== undefined) {
      entry.value++;
      return;
    }
    const attributes: Attributes = { [ATTR_AUDIT_EVENT_TYPE]: type, [ATTR_AUDIT_OUTCOME]: outcome };
    if (agent !== undefined) attributes[ATTR_GEN_AI_AGENT_NAME] = agent;
    this.counts.set(key, { attributes, value: 1 });
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    // The callback stays: the meter provider shuts down after this one and collects once more.
    return Promise.resolve();
  }
}
