import { SpanKind, type Attributes, type Link, type Span } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
} from '../semconv.js';
import { reportFailure } from '../internal/failures.js';
import { safeStringify } from '../internal/serialize.js';
import { captureContent, instrumentationSettings } from './config.js';
import { scopeOf } from './scope.js';
import { runInSpan } from './withSpan.js';

/** An inference call, described by its request. */
export interface LLMCall {
  /** `gen_ai.request.model`. */
  readonly model: string;
  /** `gen_ai.provider.name`, e.g. `openai`, `anthropic`, `gcp.gemini`. */
  readonly provider: string;
  /** `gen_ai.operation.name`. Default `chat`. */
  readonly operation?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly seed?: number;
  readonly stopSequences?: string[];
  readonly frequencyPenalty?: number;
  readonly presencePenalty?: number;
  readonly choiceCount?: number;
  readonly stream?: boolean;
  readonly serverAddress?: string;
  readonly serverPort?: number;
  readonly conversationId?: string;
  /** Prompt messages; recorded only with content capture on. A function defers building them. */
  readonly inputMessages?: unknown;
  /** System instructions; recorded only with content capture on. */
  readonly systemInstructions?: unknown;
  /** Extra attributes. Default none. */
  readonly attributes?: Attributes;
  /** Links, e.g. to the agent whose hand-off this call serves. Default none. */
  readonly links?: Link[];
}

/** Token counts of a response. */
export interface LLMUsage {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly cacheReadInputTokens?: number;
  readonly cacheCreationInputTokens?: number;
  readonly reasoningOutputTokens?: number;
}

/** What the model answered. */
export interface LLMResponse {
  readonly model?: string;
  readonly id?: string;
  readonly finishReasons?: string[];
  readonly usage?: LLMUsage;
  /** Completion messages; recorded only with content capture on. */
  readonly outputMessages?: unknown;
}

/** What the callback of {@link withLLM} receives. */
export interface LLMHandle {
  readonly span: Span;
  /**
   * Records the response; call it once, or once per streamed chunk with the running totals.
   * Never throws: a malformed response is reported to `diag`.
   */
  recordResponse(response: LLMResponse): void;
}

function setIfDefined(attributes: Attributes, key: string, value: Attributes[string]): void {
  if (value !== undefined) attributes[key] = value;
}

function recordResponse(span: Span, response: LLMResponse): void {
  try {
    if (response.model !== undefined) span.setAttribute(ATTR_GEN_AI_RESPONSE_MODEL, response.model);
    if (response.id !== undefined) span.setAttribute(ATTR_GEN_AI_RESPONSE_ID, response.id);
    if (response.finishReasons !== undefined) {
      span.setAttribute(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, response.finishReasons);
    }
    const usage = response.usage;
    if (usage !== undefined && usage !== null) {
      const pairs: [string, number | undefined][] = [
        [ATTR_GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens],
        [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens],
        [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadInputTokens],
        [ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheCreationInputTokens],
        [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningOutputTokens],
      ];
      for (const [key, value] of pairs) if (value !== undefined) span.setAttribute(key, value);
    }
    if (response.outputMessages !== undefined) {
      const output = captureContent(response.outputMessages);
      if (output !== undefined) span.setAttribute(ATTR_GEN_AI_OUTPUT_MESSAGES, safeStringify(output));
    }
  } catch (failure) {
    reportFailure('instrument', 'withLLM: could not record the response', failure);
  }
}

/**
 * Runs `fn` as an inference call: CLIENT span `{operation} {model}`. `fn` gets a handle to record
 * the response (model, id, finish reasons, token usage). Token usage and duration metrics are
 * derived from the span when it ends. An unusable call description is reported to `diag`, never
 * thrown: `fn` still runs, in a span named after the operation.
 */
export function withLLM<T>(call: LLMCall, fn: (llm: LLMHandle) => T): T {
  const handle = (span: Span): T => fn({ span, recordResponse: (response) => recordResponse(span, response) });
  let name: string;
  let attributes: Attributes;
  let links: Link[] | undefined;
  try {
    const operation = call.operation ?? GEN_AI_OPERATION_NAME_VALUE_CHAT;
    attributes = {
      ...call.attributes,
      [ATTR_GEN_AI_OPERATION_NAME]: operation,
      [ATTR_GEN_AI_PROVIDER_NAME]: call.provider,
      [ATTR_GEN_AI_REQUEST_MODEL]: call.model,
    };
    setIfDefined(attributes, ATTR_GEN_AI_REQUEST_TEMPERATURE, call.temperature);
    setIfDefined(attributes, ATTR_GEN_AI_REQUEST_MAX_TOKENS, call.maxTokens);
    setIfDefined(attributes, ATTR_GEN_AI_REQUEST_TOP_P, call.topP);
    setIfDefined(attributes, ATTR_GEN_AI_REQUEST_TOP_K, call.topK);
    setIfDefined(attributes, ATTR_GEN_AI_REQUEST_SEED, call.seed);
    setIfDefined(attributes, ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, call.stopSequences);
    setIfDefined(attributes, ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, call.frequencyPenalty);
    setIfDefined(attributes, ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, call.presencePenalty);
    setIfDefined(attributes, ATTR_GEN_AI_REQUEST_CHOICE_COUNT, call.choiceCount);
    setIfDefined(attributes, ATTR_GEN_AI_REQUEST_STREAM, call.stream);
    setIfDefined(attributes, ATTR_SERVER_ADDRESS, call.serverAddress);
    setIfDefined(attributes, ATTR_SERVER_PORT, call.serverPort);
    setIfDefined(attributes, ATTR_GEN_AI_CONVERSATION_ID, call.conversationId);
    setIfDefined(attributes, ATTR_GEN_AI_AGENT_NAME, scopeOf()?.agentName);
    if (instrumentationSettings().captureContent) {
      const input = captureContent(call.inputMessages);
      if (input !== undefined) attributes[ATTR_GEN_AI_INPUT_MESSAGES] = safeStringify(input);
      const system = captureContent(call.systemInstructions);
      if (system !== undefined) attributes[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = safeStringify(system);
    }
    name = `${operation} ${call.model}`;
    links = call.links;
  } catch (failure) {
    reportFailure('instrument', 'withLLM: unusable call description', failure);
    name = GEN_AI_OPERATION_NAME_VALUE_CHAT;
    attributes = { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT };
    links = undefined;
  }
  return runInSpan(name, handle, { kind: SpanKind.CLIENT, attributes, links });
}
