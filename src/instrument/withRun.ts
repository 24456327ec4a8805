import type { Attributes, Link, Span } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTR_USER_ID,
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
  /**
   * `gen_ai.conversation.id`, when the run belongs to a conversation (a chat session). Set on the
   * root span and on every audit record of the run, so one session's whole trail can be found in
   * the audit log alone. Default unset.
   */
  readonly conversationId?: string;
  /**
   * `user.id` (OTel semconv): the end user the run acts for, on the root span and on every audit
   * record of the run. Use an opaque id: an email address here is redacted as personal data.
   * Default unset.
   */
  readonly userId?: string;
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
    const conversationId = options?.conversationId;
    const userId = options?.userId;
    if (conversationId !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = conversationId;
    if (userId !== undefined) attributes[ATTR_USER_ID] = userId;
    spanName = `${GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW} ${name}`;
    spanOptions = {
      root: true,
      attributes,
      links: options?.links,
      scope: (_parent, span) => ({ runId: span.spanContext().traceId, workflowName: name, conversationId, userId }),
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
