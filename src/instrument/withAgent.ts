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
import { runInSpan } from './withSpan.js';

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

/** Runs `fn` as an agent invocation: span `invoke_agent {name}`. */
export function withAgent<T>(agent: string | AgentSpec, fn: (span: Span) => T, options?: AgentOptions): T {
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
  return runInSpan(`${GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT} ${spec.name}`, fn, {
    attributes,
    links: options?.links,
    scope: (parent) => ({
      runId: parent?.runId,
      workflowName: parent?.workflowName,
      agentName: spec.name,
      agentId: spec.id,
    }),
  });
}
