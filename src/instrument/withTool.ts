import type { Attributes, Link, Span } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
} from '../semconv.js';
import { reportFailure } from '../internal/failures.js';
import { safeStringify } from '../internal/serialize.js';
import { captureContent, instrumentationSettings } from './config.js';
import { scopeOf } from './scope.js';
import { runInSpan, type InternalSpanOptions } from './withSpan.js';

/** A tool, by name or described in full. */
export interface ToolSpec {
  readonly name: string;
  /** `gen_ai.tool.type`: `function`, `extension` or `datastore`. Default unset. */
  readonly type?: string;
  /** `gen_ai.tool.call.id`, the model's id for this call. Default unset. */
  readonly callId?: string;
  readonly description?: string;
}

/** Options for {@link withTool}. */
export interface ToolOptions {
  /**
   * The call's arguments, recorded as `gen_ai.tool.call.arguments` only when content capture is
   * on. Pass a function to defer building them. Default unset.
   */
  readonly arguments?: unknown;
  /** Links. Default none. */
  readonly links?: Link[];
  /** Extra attributes. Default none. */
  readonly attributes?: Attributes;
}

/**
 * Runs `fn` as a tool call: span `execute_tool {name}`. The result is recorded only with content
 * capture on. An unusable tool description is reported to `diag`, never thrown: `fn` still runs,
 * in a span named `execute_tool`.
 */
export function withTool<T>(tool: string | ToolSpec, fn: (span: Span) => T, options?: ToolOptions): T {
  let name: string;
  let spanOptions: InternalSpanOptions;
  try {
    const spec: ToolSpec = typeof tool === 'string' ? { name: tool } : tool;
    const attributes: Attributes = {
      ...options?.attributes,
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
      [ATTR_GEN_AI_TOOL_NAME]: spec.name,
    };
    if (spec.type !== undefined) attributes[ATTR_GEN_AI_TOOL_TYPE] = spec.type;
    if (spec.callId !== undefined) attributes[ATTR_GEN_AI_TOOL_CALL_ID] = spec.callId;
    if (spec.description !== undefined) attributes[ATTR_GEN_AI_TOOL_DESCRIPTION] = spec.description;
    const agentName = scopeOf()?.agentName;
    // Not a GenAI convention on tool spans, but it lets tool latency be grouped by agent.
    if (agentName !== undefined) attributes[ATTR_GEN_AI_AGENT_NAME] = agentName;
    const capture = instrumentationSettings().captureContent;
    if (capture && options?.arguments !== undefined) {
      const args = captureContent(options.arguments);
      if (args !== undefined) attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS] = safeStringify(args);
    }
    name = `${GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL} ${spec.name}`;
    spanOptions = {
      attributes,
      links: options?.links,
      onResult: capture
        ? (span, result) => {
            if (result !== undefined) span.setAttribute(ATTR_GEN_AI_TOOL_CALL_RESULT, safeStringify(result));
          }
        : undefined,
      scope: (parent) => ({ ...parent, toolName: spec.name, toolCallId: spec.callId }),
    };
  } catch (failure) {
    reportFailure('instrument', 'withTool: unusable tool description', failure);
    name = GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL;
    spanOptions = { attributes: { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL } };
  }
  return runInSpan(name, fn, spanOptions);
}
