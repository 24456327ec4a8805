import { SpanStatusCode, type Attributes, type Histogram, type Meter } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { INSTRUMENTATION_SCOPE_NAME } from '../instrument/withSpan.js';
import { reportFailure } from '../internal/failures.js';
import {
  ATTR_AUDIT_OUTCOME,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTR_SERVER_ADDRESS,
  AUDIT_OUTCOME_FAILURE,
  AUDIT_OUTCOME_SUCCESS,
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  GEN_AI_TOKEN_USAGE_BUCKETS,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_SWARMTRAIL_AGENT_DURATION,
  METRIC_SWARMTRAIL_TOOL_DURATION,
  METRIC_SWARMTRAIL_WORKFLOW_DURATION,
} from '../semconv.js';

/** Options for {@link GenAiMetricsSpanProcessor}. */
export interface GenAiMetricsSpanProcessorOptions {
  readonly meter: Meter;
}

function copy(target: Attributes, source: Attributes, keys: readonly string[]): Attributes {
  for (const key of keys) {
    const value = source[key];
    if (value !== undefined) target[key] = value;
  }
  return target;
}

const INFERENCE_KEYS = [
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_SERVER_ADDRESS,
  ATTR_GEN_AI_AGENT_NAME,
];

/**
 * Derives the GenAI client metrics (`gen_ai.client.token.usage`, `gen_ai.client.operation.duration`)
 * and swarmtrail's workflow/agent/tool duration histograms from the spans swarmtrail's own
 * wrappers end. Spans of other instrumentations are left alone: they record their own metrics.
 */
export class GenAiMetricsSpanProcessor implements SpanProcessor {
  private readonly tokenUsage: Histogram;
  private readonly operationDuration: Histogram;
  private readonly workflowDuration: Histogram;
  private readonly agentDuration: Histogram;
  private readonly toolDuration: Histogram;

  constructor(options: GenAiMetricsSpanProcessorOptions) {
    const meter = options.meter;
    const seconds = { unit: 's', advice: { explicitBucketBoundaries: [...GEN_AI_DURATION_BUCKETS] } };
    this.tokenUsage = meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
      unit: '{token}',
      description: 'Number of input and output tokens used',
      advice: { explicitBucketBoundaries: [...GEN_AI_TOKEN_USAGE_BUCKETS] },
    });
    this.operationDuration = meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
      ...seconds,
      description: 'GenAI operation duration',
    });
    this.workflowDuration = meter.createHistogram(METRIC_SWARMTRAIL_WORKFLOW_DURATION, {
      ...seconds,
      description: 'Duration of swarm runs (invoke_workflow)',
    });
    this.agentDuration = meter.createHistogram(METRIC_SWARMTRAIL_AGENT_DURATION, {
      ...seconds,
      description: 'Duration of agent invocations (invoke_agent)',
    });
    this.toolDuration = meter.createHistogram(METRIC_SWARMTRAIL_TOOL_DURATION, {
      ...seconds,
      description: 'Duration of tool calls (execute_tool)',
    });
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (span.instrumentationScope.name !== INSTRUMENTATION_SCOPE_NAME) return;
    const operation = span.attributes[ATTR_GEN_AI_OPERATION_NAME];
    if (typeof operation !== 'string') return;
    try {
      const seconds = span.duration[0] + span.duration[1] / 1e9;
      const failed = span.status.code === SpanStatusCode.ERROR;
      const base: Attributes = {};
      if (failed) base[ATTR_ERROR_TYPE] = span.attributes[ATTR_ERROR_TYPE] ?? '_OTHER';
      const outcome = failed ? AUDIT_OUTCOME_FAILURE : AUDIT_OUTCOME_SUCCESS;
      const a = span.attributes;
      switch (operation) {
        case GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW:
          this.workflowDuration.record(seconds, copy({ ...base, [ATTR_AUDIT_OUTCOME]: outcome }, a, [ATTR_GEN_AI_WORKFLOW_NAME]));
          return;
        case GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT:
          this.agentDuration.record(seconds, copy({ ...base, [ATTR_AUDIT_OUTCOME]: outcome }, a, [ATTR_GEN_AI_AGENT_NAME]));
          return;
        case GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL:
          this.toolDuration.record(
            seconds,
            copy({ ...base, [ATTR_AUDIT_OUTCOME]: outcome }, a, [ATTR_GEN_AI_TOOL_NAME, ATTR_GEN_AI_AGENT_NAME]),
          );
          return;
        default: {
          const attributes = copy(base, a, INFERENCE_KEYS);
          this.operationDuration.record(seconds, attributes);
          const input = a[ATTR_GEN_AI_USAGE_INPUT_TOKENS];
          const output = a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS];
          if (typeof input === 'number') {
            this.tokenUsage.record(input, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT });
          }
          if (typeof output === 'number') {
            this.tokenUsage.record(output, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT });
          }
        }
      }
    } catch (error) {
      reportFailure('GenAiMetricsSpanProcessor', `could not record metrics for span ${span.name}`, error);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
