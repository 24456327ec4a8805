import type { Attributes, Link, Span } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_AGENT_DESCRIPTION,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
} from '../semconv.js';
import { reportFailure } from '../internal/failures.js';
import { runInSpan, type InternalSpanOptions } from './withSpan.js';

/** An agent, by name or described in full. */
export interface AgentSpec {
  readonly name: string;
  readonly id?: string;
  readonly description?: string;
  readonly version?: string;
  /** `gen_ai.provider.name` of the model behind the agent, when there is one. */
  readonly provider?: string;
}

/** Options for {@link withAgent}. */
export interface AgentOptions {
  /** Links to the spans that handed work to this agent. Default none. */
  readonly links?: Link[];
  /** Extra attributes. Default none. */
  readonly attributes?: Attributes;
}

/**
 * Runs `fn` as an agent invocation: span `invoke_agent {name}`. An unusable agent description is
 * reported to `diag`, never thrown: `fn` still runs, in a span named `invoke_agent`.
 */
export function withAgent<T>(agent: string | AgentSpec, fn: (span: Span) => T, options?: AgentOptions): T {
  let name: string;
  let spanOptions: InternalSpanOptions;
  try {
    const spec: AgentSpec = typeof agent === 'string' ? { name: agent } : agent;
    const attributes: Attributes = {
      ...options?.attributes,
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
      [ATTR_GEN_AI_AGENT_NAME]: spec.name,
    };
    if (spec.id !== undefined) attributes[ATTR_GEN_AI_AGENT_ID] = spec.id;
    if (spec.description !== undefined) attributes[ATTR_GEN_AI_AGENT_DESCRIPTION] = spec.description;
    if (spec.version !== undefined) attributes[ATTR_GEN_AI_AGENT_VERSION] = spec.version;
    if (spec.provider !== undefined) attributes[ATTR_GEN_AI_PROVIDER_NAME] = spec.provider;
    name = `${GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT} ${spec.name}`;
    spanOptions = {
      attributes,
      links: options?.links,
      scope: (parent) => ({
        runId: parent?.runId,
        workflowName: parent?.workflowName,
        conversationId: parent?.conversationId,
        userId: parent?.userId,
        agentName: spec.name,
        agentId: spec.id,
      }),
    };
  } catch (failure) {
    reportFailure('instrument', 'withAgent: unusable agent description', failure);
    name = GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT;
    spanOptions = { attributes: { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT } };
  }
  return runInSpan(name, fn, spanOptions);
}
