import { context, createContextKey, type Context } from '@opentelemetry/api';

/** Who is acting: the enclosing run, agent and tool, carried in the OTel context. */
export interface AuditScope {
  readonly runId?: string;
  readonly workflowName?: string;
  /** `gen_ai.conversation.id` of the run, when it belongs to a conversation (a session). */
  readonly conversationId?: string;
  /** `user.id`: the end user the run acts for. */
  readonly userId?: string;
  readonly agentName?: string;
  readonly agentId?: string;
  readonly toolName?: string;
  readonly toolCallId?: string;
}

const SCOPE_KEY = createContextKey('swarmtrail.audit_scope');

export function scopeOf(ctx: Context = context.active()): AuditScope | undefined {
  return ctx.getValue(SCOPE_KEY) as AuditScope | undefined;
}

export function withScope(ctx: Context, scope: AuditScope): Context {
  return ctx.setValue(SCOPE_KEY, scope);
}
