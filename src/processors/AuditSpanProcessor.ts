import {
  ROOT_CONTEXT,
  SeverityNumber,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type HrTime,
  type Logger,
} from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { addScopeAttributes } from '../instrument/audit.js';
import { scopeOf, type AuditScope } from '../instrument/scope.js';
import { reportFailure } from '../internal/failures.js';
import { uuidV7 } from '../internal/ids.js';
import { attributeText } from '../internal/serialize.js';
import {
  ATTR_AUDIT_DURATION,
  ATTR_AUDIT_EVENT_ID,
  ATTR_AUDIT_EVENT_TYPE,
  ATTR_AUDIT_OUTCOME,
  ATTR_AUDIT_RUN_ID,
  ATTR_AUDIT_SPAN_NAME,
  ATTR_AUDIT_SPAN_PARENT_ID,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_WORKFLOW_NAME,
  AUDIT_EVENT_TYPE_AGENT_END,
  AUDIT_EVENT_TYPE_AGENT_START,
  AUDIT_EVENT_TYPE_LLM_END,
  AUDIT_EVENT_TYPE_RUN_START,
  AUDIT_EVENT_TYPE_RUN_END,
  AUDIT_EVENT_TYPE_TOOL_END,
  AUDIT_OUTCOME_FAILURE,
  AUDIT_OUTCOME_SUCCESS,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW,
} from '../semconv.js';

/** Options for {@link AuditSpanProcessor}. */
export interface AuditSpanProcessorOptions {
  /** Where the audit records go: a logger of the provider whose processors export them. */
  readonly logger: Logger;
  /**
   * Called right after a run's `run.end` record, while the root span can still be changed: seals
   * the run's hash chain and returns the checkpoint attributes to set on the root span. Default none.
   */
  readonly sealRun?: (traceId: string) => Attributes | undefined;
  /**
   * Also emit `run.start` and `agent.start` when a run or agent span starts, so that runs that
   * never end (the process crashed) are in the audit log too. Default `true`.
   */
  readonly startRecords?: boolean;
}

/**
 * What the compact record copies from the span: an allowlist, because other instrumentations put
 * content under many other `gen_ai.*` names (`gen_ai.prompt.0.content`, …) and the audit log is
 * kept for years. Content stays on the span, if it was captured at all.
 */
const COPIED_PREFIXES = ['gen_ai.request.', 'gen_ai.response.', 'gen_ai.usage.', 'gen_ai.agent.', 'gen_ai.tool.'];
const COPIED_KEYS = new Set([
  ATTR_GEN_AI_OPERATION_NAME,
  'gen_ai.provider.name',
  'gen_ai.system',
  ATTR_GEN_AI_WORKFLOW_NAME,
  'gen_ai.conversation.id',
  'user.id',
  'gen_ai.data_source.id',
  'gen_ai.output.type',
  ATTR_ERROR_TYPE,
]);
/** Content keys under the copied prefixes. */
const CONTENT_KEYS = new Set([
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  'gen_ai.tool.definitions',
  'gen_ai.request.functions',
]);
const copiedKeys = new Map<string, boolean>();

function isCopied(key: string): boolean {
  let copied = copiedKeys.get(key);
  if (copied === undefined) {
    copied =
      !CONTENT_KEYS.has(key) &&
      !/(?:^|\.)(?:content|contents|messages?|prompts?|completions?|instructions|arguments|text|input|output)(?:$|\.)/.test(key.slice('gen_ai.'.length)) &&
      (COPIED_KEYS.has(key) || COPIED_PREFIXES.some((prefix) => key.startsWith(prefix)));
    if (copiedKeys.size < 4096) copiedKeys.set(key, copied);
  }
  return copied;
}

function eventTypeOf(operation: unknown): string | undefined {
  switch (operation) {
    case undefined:
      return undefined;
    case GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW:
      return AUDIT_EVENT_TYPE_RUN_END;
    case GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT:
      return AUDIT_EVENT_TYPE_AGENT_END;
    case GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL:
      return AUDIT_EVENT_TYPE_TOOL_END;
    default:
      // chat, text_completion, generate_content, embeddings, retrieval…: an inference call.
      return typeof operation === 'string' ? AUDIT_EVENT_TYPE_LLM_END : undefined;
  }
}

function formatDuration(seconds: number): string {
  return seconds < 1 ? `${(seconds * 1000).toFixed(1)} ms` : `${seconds.toFixed(2)} s`;
}

function subjectOf(type: string, attributes: Attributes, spanName: string): string {
  switch (type) {
    case AUDIT_EVENT_TYPE_RUN_END:
      return `run ${attributeText(attributes[ATTR_GEN_AI_WORKFLOW_NAME] ?? spanName)}`;
    case AUDIT_EVENT_TYPE_AGENT_END:
      return `agent ${attributeText(attributes[ATTR_GEN_AI_AGENT_NAME] ?? spanName)}`;
    case AUDIT_EVENT_TYPE_TOOL_END:
      return `tool ${attributeText(attributes[ATTR_GEN_AI_TOOL_NAME] ?? spanName)}`;
    default:
      return `${attributeText(attributes[ATTR_GEN_AI_OPERATION_NAME])} ${attributeText(attributes[ATTR_GEN_AI_REQUEST_MODEL])}`.trim();
  }
}

/** The attributes every span record carries: who (scope), the span's metadata, and the audit fields. */
function recordAttributes(span: ReadableSpan | Span, type: string, scope: AuditScope | undefined, outcome: string): Attributes {
  const attributes: Attributes = {};
  addScopeAttributes(attributes, scope);
  for (const key of Object.keys(span.attributes)) {
    if (isCopied(key)) attributes[key] = span.attributes[key];
  }
  // A run is a trace rooted in invoke_workflow; spans traced outside any run belong to none.
  if (type === AUDIT_EVENT_TYPE_RUN_END || type === AUDIT_EVENT_TYPE_RUN_START) attributes[ATTR_AUDIT_RUN_ID] ??= span.spanContext().traceId;
  attributes[ATTR_AUDIT_EVENT_TYPE] = type;
  attributes[ATTR_AUDIT_EVENT_ID] = uuidV7();
  attributes[ATTR_AUDIT_OUTCOME] = outcome;
  attributes[ATTR_AUDIT_SPAN_NAME] = span.name;
  const parent = span.parentSpanContext?.spanId;
  if (parent !== undefined) attributes[ATTR_AUDIT_SPAN_PARENT_ID] = parent;
  return attributes;
}

/**
 * Turns every run, agent, tool and LLM span that ends into one compact audit record (outcome,
 * duration, key attributes), so the audit log alone tells the whole story even where traces are
 * kept for days and logs for years. Works for GenAI spans from any instrumentation.
 */
export class AuditSpanProcessor implements SpanProcessor {
  private readonly logger: Logger;
  private readonly sealRun: ((traceId: string) => Attributes | undefined) | undefined;
  // The enclosing run/agent is known only when the span starts (from its parent context).
  private readonly scopes = new WeakMap<object, AuditScope>();

  private readonly startRecords: boolean;

  constructor(options: AuditSpanProcessorOptions) {
    this.logger = options.logger;
    this.sealRun = options.sealRun;
    this.startRecords = options.startRecords ?? true;
  }

  onStart(span: Span, parentContext: Context): void {
    const scope = scopeOf(parentContext);
    if (scope !== undefined) this.scopes.set(span, scope);
    if (!this.startRecords) return;
    const operation = span.attributes[ATTR_GEN_AI_OPERATION_NAME];
    if (operation === GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW) this.emitStart(span, AUDIT_EVENT_TYPE_RUN_START, scope);
    else if (operation === GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT) this.emitStart(span, AUDIT_EVENT_TYPE_AGENT_START, scope);
  }

  private emitStart(span: Span, type: string, scope: AuditScope | undefined): void {
    try {
      const endType = type === AUDIT_EVENT_TYPE_RUN_START ? AUDIT_EVENT_TYPE_RUN_END : AUDIT_EVENT_TYPE_AGENT_END;
      const attributes = recordAttributes(span, type, scope, AUDIT_OUTCOME_SUCCESS);
      this.emit(span, type, attributes, span.startTime, false, `${subjectOf(endType, span.attributes, span.name)} started`);
    } catch (error) {
      reportFailure('AuditSpanProcessor', `could not emit the start record of span ${span.name}`, error);
    }
  }

  private emit(span: ReadableSpan | Span, type: string, attributes: Attributes, timestamp: HrTime, failed: boolean, body: string): void {
    this.logger.emit({
      eventName: `audit.${type}`,
      timestamp,
      severityNumber: failed ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: failed ? 'ERROR' : 'INFO',
      body,
      attributes,
      context: trace.setSpanContext(ROOT_CONTEXT, span.spanContext()),
    });
  }

  /**
   * A run's record is emitted while its root span is ending (end time set, not yet frozen), so the
   * checkpoint that seals the run's audit chain can be set on the root span too.
   */
  onEnding(span: Span): void {
    if (this.sealRun === undefined) return;
    if (span.attributes[ATTR_GEN_AI_OPERATION_NAME] !== GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW) return;
    this.emitRecord(span, AUDIT_EVENT_TYPE_RUN_END);
    try {
      const checkpoint = this.sealRun(span.spanContext().traceId);
      if (checkpoint !== undefined) span.setAttributes(checkpoint);
    } catch (error) {
      reportFailure('AuditSpanProcessor', 'could not seal the run', error);
    }
  }

  onEnd(span: ReadableSpan): void {
    const type = eventTypeOf(span.attributes[ATTR_GEN_AI_OPERATION_NAME]);
    if (type === undefined) return;
    if (type === AUDIT_EVENT_TYPE_RUN_END && this.sealRun !== undefined) return; // emitted in onEnding
    this.emitRecord(span, type);
  }

  private emitRecord(span: ReadableSpan | Span, type: string): void {
    try {
      const failed = span.status.code === SpanStatusCode.ERROR;
      const seconds = span.duration[0] + span.duration[1] / 1e9;
      const attributes = recordAttributes(span, type, this.scopes.get(span), failed ? AUDIT_OUTCOME_FAILURE : AUDIT_OUTCOME_SUCCESS);
      attributes[ATTR_AUDIT_DURATION] = seconds;
      const subject = subjectOf(type, span.attributes, span.name);
      const errorType = span.attributes[ATTR_ERROR_TYPE];
      const body = failed
        ? `${subject} failed${errorType === undefined ? '' : ` (${attributeText(errorType)})`} after ${formatDuration(seconds)}`
        : `${subject} succeeded in ${formatDuration(seconds)}`;
      this.emit(span, type, attributes, span.endTime, failed, body);
    } catch (error) {
      reportFailure('AuditSpanProcessor', `could not emit the audit record of span ${span.name}`, error);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
