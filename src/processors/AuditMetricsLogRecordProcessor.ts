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

interface Count {
  readonly attributes: Attributes;
  value: number;
}

/** Text of a metric attribute value; strings, by far the usual case, as they are. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : attributeText(value);
}

/**
 * Counts audit records by type, outcome and agent into `swarmtrail.audit.events`. Counts are
 * kept in nested maps (type, outcome, agent) and observed at collection time: three lookups of
 * strings already in hand per record, instead of building a key or the metric SDK's attribute
 * hashing on the hot path.
 */
export class AuditMetricsLogRecordProcessor implements LogRecordProcessor {
  private readonly counts = new Map<string, Map<string, Map<string, Count>>>();
  private readonly observe = (result: ObservableResult): void => {
    for (const byOutcome of this.counts.values()) {
      for (const byAgent of byOutcome.values()) {
        for (const entry of byAgent.values()) result.observe(entry.value, entry.attributes);
      }
    }
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
    const typeText = text(type);
    const outcomeText = text(outcome);
    const agentText = text(agent);
    let byOutcome = this.counts.get(typeText);
    if (byOutcome === undefined) this.counts.set(typeText, (byOutcome = new Map<string, Map<string, Count>>()));
    let byAgent = byOutcome.get(outcomeText);
    if (byAgent === undefined) byOutcome.set(outcomeText, (byAgent = new Map<string, Count>()));
    const entry = byAgent.get(agentText);
    if (entry !== undefined) {
      entry.value++;
      return;
    }
    const attributes: Attributes = { [ATTR_AUDIT_EVENT_TYPE]: type, [ATTR_AUDIT_OUTCOME]: outcome };
    if (agent !== undefined) attributes[ATTR_GEN_AI_AGENT_NAME] = agent;
    byAgent.set(agentText, { attributes, value: 1 });
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    // The callback stays: the meter provider shuts down after this one and collects once more.
    return Promise.resolve();
  }
}
