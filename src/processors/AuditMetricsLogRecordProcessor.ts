import type { Attributes, Counter, Meter } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
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

/** Counts audit records by type, outcome and agent into `swarmtrail.audit.events`. */
export class AuditMetricsLogRecordProcessor implements LogRecordProcessor {
  private readonly events: Counter;

  constructor(options: AuditMetricsLogRecordProcessorOptions) {
    this.events = options.meter.createCounter(METRIC_SWARMTRAIL_AUDIT_EVENTS, {
      unit: '{event}',
      description: 'Audit events by type and outcome',
    });
  }

  onEmit(record: ReadWriteLogRecord): void {
    const type = record.attributes[ATTR_AUDIT_EVENT_TYPE];
    if (type === undefined) return;
    const attributes: Attributes = {
      [ATTR_AUDIT_EVENT_TYPE]: type,
      [ATTR_AUDIT_OUTCOME]: record.attributes[ATTR_AUDIT_OUTCOME] ?? 'unknown',
    };
    const agent = record.attributes[ATTR_GEN_AI_AGENT_NAME];
    if (agent !== undefined) attributes[ATTR_GEN_AI_AGENT_NAME] = agent;
    this.events.add(1, attributes);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
