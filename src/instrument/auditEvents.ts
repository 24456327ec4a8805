import { SeverityNumber } from '@opentelemetry/api';
import {
  ATTR_AUDIT_ARTIFACT_SHA256,
  ATTR_AUDIT_ARTIFACT_SIZE,
  ATTR_AUDIT_ARTIFACT_TYPE,
  ATTR_AUDIT_ARTIFACT_URI,
  ATTR_AUDIT_COMMAND_CWD,
  ATTR_AUDIT_COMMAND_EXIT_CODE,
  ATTR_AUDIT_COMMAND_LINE,
  ATTR_AUDIT_COMMAND_OUTPUT,
  ATTR_AUDIT_COMPONENT_ACTION,
  ATTR_AUDIT_COMPONENT_KIND,
  ATTR_AUDIT_COMPONENT_NAME,
  ATTR_AUDIT_COMPONENT_REQUEST,
  ATTR_AUDIT_COMPONENT_VERSION,
  ATTR_AUDIT_DECISION_ACTION,
  ATTR_AUDIT_DECISION_CONTEXT,
  ATTR_AUDIT_DECISION_REASONING,
  ATTR_AUDIT_DECISION_SUMMARY,
  ATTR_AUDIT_DECISION_VERDICT,
  ATTR_AUDIT_ERROR_CONTEXT,
  ATTR_AUDIT_ERROR_RECOVERY,
  ATTR_AUDIT_FILE_DIFF,
  ATTR_AUDIT_FILE_OPERATION,
  ATTR_AUDIT_FILE_PATH,
  ATTR_AUDIT_FILE_SHA256_AFTER,
  ATTR_AUDIT_FILE_SHA256_BEFORE,
  ATTR_AUDIT_FILE_SIZE_AFTER,
  ATTR_AUDIT_FILE_SIZE_BEFORE,
  ATTR_AUDIT_FINANCIAL_AMOUNT,
  ATTR_AUDIT_FINANCIAL_CURRENCY,
  ATTR_AUDIT_FINANCIAL_DESCRIPTION,
  ATTR_AUDIT_FINANCIAL_STATUS,
  ATTR_AUDIT_REASON,
  ATTR_AUDIT_SECRET_ALIAS,
  ATTR_AUDIT_SECRET_STORE,
  ATTR_AUDIT_THOUGHT_CONTENT,
  ATTR_AUDIT_THOUGHT_STEP,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_URL_FULL,
  AUDIT_EVENT_TYPE_API_CALL,
  AUDIT_EVENT_TYPE_ARTIFACT,
  AUDIT_EVENT_TYPE_COMMAND,
  AUDIT_EVENT_TYPE_COMPONENT,
  AUDIT_EVENT_TYPE_DECISION,
  AUDIT_EVENT_TYPE_ERROR,
  AUDIT_EVENT_TYPE_FILE_CHANGE,
  AUDIT_EVENT_TYPE_FINANCIAL,
  AUDIT_EVENT_TYPE_SECRET_ACCESS,
  AUDIT_EVENT_TYPE_THOUGHT,
  AUDIT_OUTCOME_FAILURE,
  AUDIT_OUTCOME_SUCCESS,
} from '../semconv.js';
import { reportFailure } from '../internal/failures.js';
import { attributeText } from '../internal/serialize.js';
import { captureContent } from './config.js';
import { emitAuditEvent, type AuditEventFields } from './audit.js';

/** Bytes of command output kept in `audit.command.output` (head and tail). */
export const COMMAND_OUTPUT_SNIPPET_LENGTH = 1024;

type Extra = Pick<AuditEventFields, 'attributes' | 'message'>;

export interface DecisionEvent extends Extra {
  /** What was decided. */
  readonly summary: string;
  /** Why. */
  readonly reasoning?: string;
  /** What the deciding step recommended, e.g. a reviewer's `approve`. */
  readonly verdict?: string;
  /** What was actually done; differs from the verdict when the recommendation was overridden. */
  readonly action?: string;
  /** Evidence the decision rests on (tests passed, approved by whom…), any JSON-able value. */
  readonly context?: unknown;
  readonly outcome?: string;
}

export interface ArtifactEvent extends Extra {
  /** e.g. `report`, `dataset`, `image`. */
  readonly type: string;
  /** Path or URI. */
  readonly uri: string;
  readonly sha256?: string;
  readonly size?: number;
}

export type FileOperation = 'create' | 'update' | 'delete';
export interface FileChangeEvent extends Extra {
  readonly operation: FileOperation;
  readonly path: string;
  readonly sha256Before?: string;
  readonly sha256After?: string;
  readonly sizeBefore?: number;
  readonly sizeAfter?: number;
  /** Unified diff; recorded only with content capture on. A function defers building it. */
  readonly diff?: string | (() => string);
}

export interface CommandEvent extends Extra {
  /** The command line, as a string or an argv array. */
  readonly command: string | readonly string[];
  readonly exitCode?: number;
  /** Output; only a head and tail snippet is kept. */
  readonly output?: string;
  readonly cwd?: string;
}

export interface ApiCallEvent extends Extra {
  readonly method: string;
  /** The URL; user info and secret-looking query parameters are stripped before recording. */
  readonly url: string;
  readonly status?: number;
}

export type SecretAccessOutcome = 'granted' | 'denied' | 'not_found';
export interface SecretAccessEvent extends Extra {
  /** The key's alias, never its value. */
  readonly alias: string;
  readonly outcome: SecretAccessOutcome;
  readonly store?: string;
  readonly reason?: string;
}

export interface ThoughtEvent extends Extra {
  /** The reasoning text; recorded only with content capture on. */
  readonly content: string | (() => string);
  readonly step?: number;
}

export interface ErrorEventFields extends Extra {
  readonly context?: unknown;
  /** What was done about it, e.g. `retried`. */
  readonly recovery?: string;
}

export interface FinancialEvent extends Extra {
  readonly description: string;
  readonly amount: number;
  /** ISO 4217 code. */
  readonly currency: string;
  /** e.g. `pending`, `completed`, `failed`, `simulated`. */
  readonly status: string;
}

export type ComponentAction = 'discovered' | 'registered' | 'activated' | 'deactivated' | 'reloaded' | 'generated';
export interface ComponentEvent extends Extra {
  readonly name: string;
  readonly action: ComponentAction;
  /** e.g. `skill`, `plugin`, `mcp_server`. */
  readonly kind?: string;
  readonly version?: string;
  /** The user request behind a generated component. */
  readonly request?: string;
}

const SECRET_QUERY = /^(?:access_?token|api_?key|apikey|auth|code|key|password|passwd|pwd|secret|sig|signature|token|x-amz-signature|x-amz-credential|client_secret)$/i;

/** Removes credentials from a URL: user info and secret-looking query parameters. */
export function stripUrlCredentials(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw.replace(/\/\/[^/@\s]+@/, '//');
  }
  if (url.username !== '' || url.password !== '') {
    url.username = '';
    url.password = '';
  }
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_QUERY.test(key)) url.searchParams.set(key, 'REDACTED');
  }
  return url.toString();
}

function snippet(raw: unknown): string {
  const output = attributeText(raw);
  const half = COMMAND_OUTPUT_SNIPPET_LENGTH / 2;
  if (output.length <= COMMAND_OUTPUT_SNIPPET_LENGTH) return output;
  return `${output.slice(0, half)}\n…[${output.length - COMMAND_OUTPUT_SNIPPET_LENGTH} chars omitted]…\n${output.slice(-half)}`;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A helper got input it cannot use (e.g. from untyped callers): reported, never thrown. */
function unusable(type: string, failure: unknown): string {
  reportFailure('audit', `could not record a ${type} event from the fields given`, failure);
  return '';
}

/** The command line of a string or an argv array; anything else as its string form. */
function commandLine(command: unknown): string {
  if (typeof command === 'string') return command;
  if (Array.isArray(command)) return command.map((arg) => quote(attributeText(arg))).join(' ');
  return attributeText(command);
}

/**
 * Typed audit events. Each emits one log record (`eventName` `audit.<type>`) correlated with the
 * active span and carrying the enclosing run/agent/tool, and returns its `audit.event.id`. Never
 * throws: unusable fields are reported to `diag` and the helper returns `''`.
 */
export const audit = {
  /** A generic audit event of any type. */
  event(type: string, fields?: AuditEventFields): string {
    return emitAuditEvent(type, fields);
  },

  decision(event: DecisionEvent): string {
    try {
      const overridden = event.verdict !== undefined && event.action !== undefined && event.verdict !== event.action;
      return emitAuditEvent(AUDIT_EVENT_TYPE_DECISION, {
        outcome: event.outcome ?? AUDIT_OUTCOME_SUCCESS,
        message: event.message ?? `decision: ${event.summary}${overridden ? ` (verdict ${event.verdict}, action ${event.action})` : ''}`,
        attributes: event.attributes,
        known: [
          ATTR_AUDIT_DECISION_SUMMARY, event.summary,
          ATTR_AUDIT_DECISION_REASONING, event.reasoning,
          ATTR_AUDIT_DECISION_VERDICT, event.verdict,
          ATTR_AUDIT_DECISION_ACTION, event.action,
          ATTR_AUDIT_DECISION_CONTEXT, event.context,
        ],
      });
    } catch (failure) {
      return unusable(AUDIT_EVENT_TYPE_DECISION, failure);
    }
  },

  artifact(event: ArtifactEvent): string {
    try {
      return emitAuditEvent(AUDIT_EVENT_TYPE_ARTIFACT, {
        message: event.message ?? `artifact ${event.type}: ${event.uri}`,
        attributes: event.attributes,
        known: [
          ATTR_AUDIT_ARTIFACT_TYPE, event.type,
          ATTR_AUDIT_ARTIFACT_URI, event.uri,
          ATTR_AUDIT_ARTIFACT_SHA256, event.sha256,
          ATTR_AUDIT_ARTIFACT_SIZE, event.size,
        ],
      });
    } catch (failure) {
      return unusable(AUDIT_EVENT_TYPE_ARTIFACT, failure);
    }
  },

  fileChange(event: FileChangeEvent): string {
    try {
      return emitAuditEvent(AUDIT_EVENT_TYPE_FILE_CHANGE, {
        message: event.message ?? `file ${event.operation}: ${event.path}`,
        attributes: event.attributes,
        known: [
          ATTR_AUDIT_FILE_OPERATION, event.operation,
          ATTR_AUDIT_FILE_PATH, event.path,
          ATTR_AUDIT_FILE_SHA256_BEFORE, event.sha256Before,
          ATTR_AUDIT_FILE_SHA256_AFTER, event.sha256After,
          ATTR_AUDIT_FILE_SIZE_BEFORE, event.sizeBefore,
          ATTR_AUDIT_FILE_SIZE_AFTER, event.sizeAfter,
          ATTR_AUDIT_FILE_DIFF, event.diff === undefined ? undefined : captureContent(event.diff),
        ],
      });
    } catch (failure) {
      return unusable(AUDIT_EVENT_TYPE_FILE_CHANGE, failure);
    }
  },

  command(event: CommandEvent): string {
    try {
      const line = commandLine(event.command);
      const failed = event.exitCode !== undefined && event.exitCode !== 0;
      return emitAuditEvent(AUDIT_EVENT_TYPE_COMMAND, {
        outcome: failed ? AUDIT_OUTCOME_FAILURE : AUDIT_OUTCOME_SUCCESS,
        message: event.message ?? `command${event.exitCode === undefined ? '' : ` exited ${event.exitCode}`}: ${line}`,
        attributes: event.attributes,
        known: [
          ATTR_AUDIT_COMMAND_LINE, line,
          ATTR_AUDIT_COMMAND_EXIT_CODE, event.exitCode,
          ATTR_AUDIT_COMMAND_OUTPUT, event.output === undefined ? undefined : snippet(event.output),
          ATTR_AUDIT_COMMAND_CWD, event.cwd,
        ],
      });
    } catch (failure) {
      return unusable(AUDIT_EVENT_TYPE_COMMAND, failure);
    }
  },

  apiCall(event: ApiCallEvent): string {
    try {
      // Untyped callers may pass a URL object or leave the method out: record what there is.
      const url = event.url === undefined ? undefined : stripUrlCredentials(String(event.url));
      const method = typeof event.method === 'string' ? event.method.toUpperCase() : undefined;
      const failed = event.status !== undefined && event.status >= 400;
      return emitAuditEvent(AUDIT_EVENT_TYPE_API_CALL, {
        outcome: failed ? AUDIT_OUTCOME_FAILURE : AUDIT_OUTCOME_SUCCESS,
        message: event.message ?? `${method ?? 'call'} ${url ?? '(no url)'}${event.status === undefined ? '' : ` -> ${event.status}`}`,
        attributes: event.attributes,
        known: [
          ATTR_HTTP_REQUEST_METHOD, method,
          ATTR_URL_FULL, url,
          ATTR_HTTP_RESPONSE_STATUS_CODE, event.status,
        ],
      });
    } catch (failure) {
      return unusable(AUDIT_EVENT_TYPE_API_CALL, failure);
    }
  },

  secretAccess(event: SecretAccessEvent): string {
    try {
      return emitAuditEvent(AUDIT_EVENT_TYPE_SECRET_ACCESS, {
        outcome: event.outcome,
        severity: event.outcome === 'granted' ? SeverityNumber.INFO : SeverityNumber.WARN,
        message: event.message ?? `secret access ${event.outcome}: ${event.alias}`,
        attributes: event.attributes,
        known: [
          ATTR_AUDIT_SECRET_ALIAS, event.alias,
          ATTR_AUDIT_SECRET_STORE, event.store,
          ATTR_AUDIT_REASON, event.reason,
        ],
      });
    } catch (failure) {
      return unusable(AUDIT_EVENT_TYPE_SECRET_ACCESS, failure);
    }
  },

  thought(event: ThoughtEvent): string {
    try {
      return emitAuditEvent(AUDIT_EVENT_TYPE_THOUGHT, {
        severity: SeverityNumber.DEBUG,
        message: event.message ?? `thought${event.step === undefined ? '' : ` #${event.step}`}`,
        attributes: event.attributes,
        known: [
          ATTR_AUDIT_THOUGHT_CONTENT, captureContent(event.content),
          ATTR_AUDIT_THOUGHT_STEP, event.step,
        ],
      });
    } catch (failure) {
      return unusable(AUDIT_EVENT_TYPE_THOUGHT, failure);
    }
  },

  error(error: unknown, fields: ErrorEventFields = {}): string {
    try {
      const isError = error instanceof Error;
      const type = isError ? error.constructor.name || error.name : typeof error;
      const message = isError ? error.message : String(error);
      return emitAuditEvent(AUDIT_EVENT_TYPE_ERROR, {
        outcome: AUDIT_OUTCOME_FAILURE,
        severity: SeverityNumber.ERROR,
        message: fields.message ?? `${type}: ${message}`,
        attributes: fields.attributes,
        known: [
          ATTR_EXCEPTION_TYPE, type,
          ATTR_EXCEPTION_MESSAGE, message,
          ATTR_EXCEPTION_STACKTRACE, isError ? error.stack : undefined,
          ATTR_AUDIT_ERROR_CONTEXT, fields.context,
          ATTR_AUDIT_ERROR_RECOVERY, fields.recovery,
        ],
      });
    } catch (failure) {
      return unusable(AUDIT_EVENT_TYPE_ERROR, failure);
    }
  },

  financial(event: FinancialEvent): string {
    try {
      return emitAuditEvent(AUDIT_EVENT_TYPE_FINANCIAL, {
        outcome: event.status === 'failed' ? AUDIT_OUTCOME_FAILURE : AUDIT_OUTCOME_SUCCESS,
        message: event.message ?? `${event.description}: ${event.amount} ${event.currency} (${event.status})`,
        attributes: event.attributes,
        known: [
          ATTR_AUDIT_FINANCIAL_DESCRIPTION, event.description,
          ATTR_AUDIT_FINANCIAL_AMOUNT, event.amount,
          ATTR_AUDIT_FINANCIAL_CURRENCY, event.currency,
          ATTR_AUDIT_FINANCIAL_STATUS, event.status,
        ],
      });
    } catch (failure) {
      return unusable(AUDIT_EVENT_TYPE_FINANCIAL, failure);
    }
  },

  component(event: ComponentEvent): string {
    try {
      return emitAuditEvent(AUDIT_EVENT_TYPE_COMPONENT, {
        message: event.message ?? `${event.kind ?? 'component'} ${event.name} ${event.action}`,
        attributes: event.attributes,
        known: [
          ATTR_AUDIT_COMPONENT_NAME, event.name,
          ATTR_AUDIT_COMPONENT_ACTION, event.action,
          ATTR_AUDIT_COMPONENT_KIND, event.kind,
          ATTR_AUDIT_COMPONENT_VERSION, event.version,
          ATTR_AUDIT_COMPONENT_REQUEST, event.request,
        ],
      });
    } catch (failure) {
      return unusable(AUDIT_EVENT_TYPE_COMPONENT, failure);
    }
  },
};
