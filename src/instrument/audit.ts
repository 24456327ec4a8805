import { context, logs, SeverityNumber, type AnyValue, type Attributes, type Logger } from '@opentelemetry/api';
import {
  ATTR_AUDIT_EVENT_ID,
  ATTR_AUDIT_EVENT_TYPE,
  ATTR_AUDIT_OUTCOME,
  ATTR_AUDIT_RUN_ID,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTR_USER_ID,
  AUDIT_OUTCOME_FAILURE,
  AUDIT_OUTCOME_SUCCESS,
} from '../semconv.js';
import { reportFailure } from '../internal/failures.js';
import { uuidV7 } from '../internal/ids.js';
import { toAttributeValue, truncateString, type SerializeLimits } from '../internal/serialize.js';
import { instrumentationSettings } from './config.js';
import { scopeOf, type AuditScope } from './scope.js';
import { INSTRUMENTATION_SCOPE_NAME, INSTRUMENTATION_SCOPE_VERSION } from './withSpan.js';

/** Fields every audit event accepts. */
export interface AuditEventFields {
  /** `audit.outcome`, e.g. `success`, `failure`, `denied`. Default `success`. */
  readonly outcome?: string;
  /** Human-readable summary; becomes the log record body. Default derived from the type. */
  readonly message?: string;
  /** Severity. Default INFO for outcome `success`, ERROR for `failure`, WARN for any other outcome. */
  readonly severity?: SeverityNumber;
  /** Extra attributes; values of any type are serialised safely. Default none. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** @internal The typed helpers pass their own fields apart from the user's, saving a merge. */
export interface InternalAuditEventFields extends AuditEventFields {
  /**
   * Typed fields as alternating keys and values (an array literal is cheaper to build per event
   * than an object with computed keys); they win over user attributes of the same key.
   * Undefined values are skipped.
   */
  readonly known?: readonly unknown[];
  /** The logger to emit with, instead of the global one (records of one SDK instance). */
  readonly logger?: Logger;
}

let cachedLogger: Logger | undefined;
function logger(): Logger {
  cachedLogger ??= logs.getLogger(INSTRUMENTATION_SCOPE_NAME, INSTRUMENTATION_SCOPE_VERSION);
  return cachedLogger;
}

/** @internal */
export function resetLoggerCache(): void {
  cachedLogger = undefined;
}

/** @internal Adds the enclosing run/agent/tool identity to an audit record's attributes. */
export function addScopeAttributes(attributes: Attributes, scope: AuditScope | undefined): void {
  if (scope === undefined) return;
  if (scope.runId !== undefined) attributes[ATTR_AUDIT_RUN_ID] = scope.runId;
  if (scope.workflowName !== undefined) attributes[ATTR_GEN_AI_WORKFLOW_NAME] = scope.workflowName;
  if (scope.conversationId !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = scope.conversationId;
  if (scope.userId !== undefined) attributes[ATTR_USER_ID] = scope.userId;
  if (scope.agentName !== undefined) attributes[ATTR_GEN_AI_AGENT_NAME] = scope.agentName;
  if (scope.agentId !== undefined) attributes[ATTR_GEN_AI_AGENT_ID] = scope.agentId;
  if (scope.toolName !== undefined) attributes[ATTR_GEN_AI_TOOL_NAME] = scope.toolName;
  if (scope.toolCallId !== undefined) attributes[ATTR_GEN_AI_TOOL_CALL_ID] = scope.toolCallId;
}

const SEVERITY_TEXT: Partial<Record<SeverityNumber, string>> = {
  [SeverityNumber.DEBUG]: 'DEBUG',
  [SeverityNumber.INFO]: 'INFO',
  [SeverityNumber.WARN]: 'WARN',
  [SeverityNumber.ERROR]: 'ERROR',
  [SeverityNumber.FATAL]: 'FATAL',
};

function copyAttribute(target: Attributes, key: string, raw: unknown, limits: SerializeLimits): void {
  if (raw === undefined) return;
  // Short strings and numbers are already valid attribute values: skip the general path.
  if ((typeof raw === 'string' && raw.length <= limits.maxStringLength) || typeof raw === 'number') {
    target[key] = raw;
    return;
  }
  const value = toAttributeValue(raw, limits);
  if (value !== undefined) target[key] = value;
}

const EVENT_NAMES = new Map<string, string>();
function eventNameOf(type: string): string {
  let name = EVENT_NAMES.get(type);
  if (name === undefined) {
    name = `audit.${type}`;
    if (EVENT_NAMES.size < 1024) EVENT_NAMES.set(type, name);
  }
  return name;
}

/**
 * Emits one audit event as an OTel log record correlated with the active span, and returns its
 * `audit.event.id` (empty when the SDK is disabled). Never throws.
 */
export function emitAuditEvent(type: string, fields: InternalAuditEventFields = {}): string {
  if (instrumentationSettings().disabled) return '';
  try {
    const id = uuidV7();
    const outcome = fields.outcome ?? AUDIT_OUTCOME_SUCCESS;
    const limits = instrumentationSettings().limits;
    const attributes: Attributes = {};
    const extra = fields.attributes;
    if (extra !== undefined) {
      for (const key in extra) copyAttribute(attributes, key, extra[key], limits);
    }
    const known = fields.known;
    if (known !== undefined) {
      for (let i = 0; i < known.length; i += 2) copyAttribute(attributes, known[i] as string, known[i + 1], limits);
    }
    const ctx = context.active();
    addScopeAttributes(attributes, scopeOf(ctx));
    attributes[ATTR_AUDIT_EVENT_TYPE] = type;
    attributes[ATTR_AUDIT_EVENT_ID] = id;
    attributes[ATTR_AUDIT_OUTCOME] = outcome;
    const severity =
      fields.severity ??
      (outcome === AUDIT_OUTCOME_SUCCESS
        ? SeverityNumber.INFO
        : outcome === AUDIT_OUTCOME_FAILURE
          ? SeverityNumber.ERROR
          : SeverityNumber.WARN);
    const body: AnyValue = truncateString(fields.message ?? `${type} (${outcome})`, limits.maxStringLength);
    (fields.logger ?? logger()).emit({
      eventName: eventNameOf(type),
      severityNumber: severity,
      severityText: SEVERITY_TEXT[severity] ?? SeverityNumber[severity],
      body,
      attributes,
      context: ctx,
    });
    return id;
  } catch (error) {
    reportFailure('audit', `could not emit audit event ${type}`, error);
    return '';
  }
}
