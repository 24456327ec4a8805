import type { Attributes, Link, Span } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_WORKFLOW_NAME,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW,
} from '../semconv.js';
import { reportFailure } from '../internal/failures.js';
import { runInSpan, type InternalSpanOptions } from './withSpan.js';

/** What the callback of {@link withRun} receives. */
export interface RunHandle {
  /** The run id: the trace id of the run (32 hex digits; all zeros when the SDK is disabled). */
  readonly runId: string;
  readonly span: Span;
}

/** Options for {@link withRun}. */
export interface RunOptions {
  /** Extra attributes on the root span. Default none. */
  readonly attributes?: Attributes;
  /** Links, e.g. to the run that triggered this one. Default none. */
  readonly links?: Link[];
  /** `gen_ai.conversation.id`, when the run belongs to a conversation. Default unset. */
  readonly conversationId?: string;
}

/**
 * Runs a swarm: starts a new trace whose root span is `invoke_workflow {name}`. The trace id is
 * the run id, handed to `fn`. Unusable options are reported to `diag`, never thrown: `fn` still
 * runs, in a root span named `invoke_workflow`.
 */
export function withRun<T>(name: string, fn: (run: RunHandle) => T, options?: RunOptions): T {
  const call = (span: Span): T => fn({ runId: span.spanContext().traceId, span });
  let spanName: string;
  let spanOptions: InternalSpanOptions;
  try {
    const attributes: Attributes = {
      ...options?.attributes,
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW,
      [ATTR_GEN_AI_WORKFLOW_NAME]: name,
    };
    if (options?.conversationId !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = options.conversationId;
    spanName = `${GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW} ${name}`;
    spanOptions = {
      root: true,
      attributes,
      links: options?.links,
      scope: (_parent, span) => ({ runId: span.spanContext().traceId, workflowName: name }),
    };
  } catch (failure) {
    reportFailure('instrument', 'withRun: unusable run name or options', failure);
    spanName = GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW;
    spanOptions = {
      root: true,
      attributes: { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW },
      scope: (_parent, span) => ({ runId: span.spanContext().traceId }),
    };
  }
  return runInSpan(spanName, call, spanOptions);
}
