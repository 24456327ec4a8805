/**
 * Attribute, event and metric names swarmtrail emits.
 *
 * The `gen_ai.*` keys are copied from the OpenTelemetry GenAI semantic conventions (v1.41)
 * rather than imported from `@opentelemetry/semantic-conventions/incubating`, whose exports
 * may change or disappear in any minor release. The `audit.*` and `swarmtrail.*` keys are our own.
 */

// --- GenAI attributes -------------------------------------------------------------------------
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_WORKFLOW_NAME = 'gen_ai.workflow.name';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
/** The end user a run acts for (OTel semconv `user.id`). */
export const ATTR_USER_ID = 'user.id';
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_AGENT_DESCRIPTION = 'gen_ai.agent.description';
export const ATTR_GEN_AI_AGENT_VERSION = 'gen_ai.agent.version';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const ATTR_GEN_AI_TOOL_DESCRIPTION = 'gen_ai.tool.description';
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
export const ATTR_GEN_AI_REQUEST_TOP_K = 'gen_ai.request.top_k';
export const ATTR_GEN_AI_REQUEST_SEED = 'gen_ai.request.seed';
export const ATTR_GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences';
export const ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty';
export const ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty';
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count';
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const ATTR_GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';

export const GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW = 'invoke_workflow';
export const GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT = 'invoke_agent';
export const GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL = 'execute_tool';
export const GEN_AI_OPERATION_NAME_VALUE_CHAT = 'chat';
export const GEN_AI_TOKEN_TYPE_VALUE_INPUT = 'input';
export const GEN_AI_TOKEN_TYPE_VALUE_OUTPUT = 'output';

// --- GenAI metrics ----------------------------------------------------------------------------
/** Histogram, unit `{token}`; attributes: operation, provider, request/response model, token type. */
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';
/** Histogram, unit `s`; attributes: operation, provider, request/response model, error.type. */
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';
/** Explicit bucket boundaries the GenAI conventions recommend for the token histogram. */
export const GEN_AI_TOKEN_USAGE_BUCKETS: readonly number[] = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
/** Explicit bucket boundaries the GenAI conventions recommend for duration histograms. */
export const GEN_AI_DURATION_BUCKETS: readonly number[] = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

// --- swarmtrail metrics -----------------------------------------------------------------------
/** Histogram, unit `s`; attributes: gen_ai.workflow.name, audit.outcome, error.type. */
export const METRIC_SWARMTRAIL_WORKFLOW_DURATION = 'swarmtrail.workflow.duration';
/** Histogram, unit `s`; attributes: gen_ai.agent.name, audit.outcome, error.type. */
export const METRIC_SWARMTRAIL_AGENT_DURATION = 'swarmtrail.agent.duration';
/** Histogram, unit `s`; attributes: gen_ai.tool.name, gen_ai.agent.name, audit.outcome, error.type. */
export const METRIC_SWARMTRAIL_TOOL_DURATION = 'swarmtrail.tool.duration';
/** Counter, unit `{event}`; attributes: audit.event.type, audit.outcome, gen_ai.agent.name. */
export const METRIC_SWARMTRAIL_AUDIT_EVENTS = 'swarmtrail.audit.events';
/** Counter, unit `{redaction}`; attributes: swarmtrail.redaction.kind, swarmtrail.signal. */
export const METRIC_SWARMTRAIL_REDACTIONS = 'swarmtrail.redactions';
/** Counter, unit `{failure}`; attributes: swarmtrail.component. Telemetry failures kept from user code. */
export const METRIC_SWARMTRAIL_TELEMETRY_FAILURES = 'swarmtrail.telemetry.failures';
/** UpDownCounter-like gauge, unit `By`: bytes on disk in the journal. */
export const METRIC_SWARMTRAIL_JOURNAL_SIZE = 'swarmtrail.journal.size';
/** Gauge, unit `{record}`: records appended but not yet acknowledged by the collector. */
export const METRIC_SWARMTRAIL_JOURNAL_BACKLOG = 'swarmtrail.journal.backlog';
/** Gauge, unit `s`: age of the oldest record not yet acknowledged. */
export const METRIC_SWARMTRAIL_JOURNAL_OLDEST_UNSHIPPED_AGE = 'swarmtrail.journal.oldest_unshipped.age';
/** Counter, unit `{failure}`: export attempts from the journal that failed. */
export const METRIC_SWARMTRAIL_JOURNAL_EXPORT_FAILURES = 'swarmtrail.journal.export.failures';
/** Counter, unit `{record}`: records dropped by the journal's disk-cap policy. */
export const METRIC_SWARMTRAIL_JOURNAL_RECORDS_DROPPED = 'swarmtrail.journal.records.dropped';
/** Counter, unit `{failure}`; attribute swarmtrail.verify.failure.kind: integrity verification failures. */
export const METRIC_SWARMTRAIL_VERIFY_FAILURES = 'swarmtrail.verify.failures';

// --- process metrics (OTel semconv, process.* and cpu.*) ---------------------------------------
/** Counter, unit `s`; attribute cpu.mode (`user`, `system`): CPU time of the process. */
export const METRIC_PROCESS_CPU_TIME = 'process.cpu.time';
/** Gauge, unit `By`: resident memory of the process (an UpDownCounter in the OTel conventions). */
export const METRIC_PROCESS_MEMORY_USAGE = 'process.memory.usage';
export const ATTR_CPU_MODE = 'cpu.mode';

export const ATTR_SWARMTRAIL_REDACTION_KIND = 'swarmtrail.redaction.kind';
export const ATTR_SWARMTRAIL_SIGNAL = 'swarmtrail.signal';
export const ATTR_SWARMTRAIL_COMPONENT = 'swarmtrail.component';
/** On a record or span: the kinds that were redacted from it (never the values). */
export const ATTR_SWARMTRAIL_REDACTED_KINDS = 'swarmtrail.redacted.kinds';
/**
 * On a span whose result was a stream (async iterable): `true` when the stream was
 * garbage-collected before it was exhausted, failed or closed. The span then ends at the stream's
 * last step (or when it was returned, if it was never read).
 */
export const ATTR_SWARMTRAIL_STREAM_ABANDONED = 'swarmtrail.stream.abandoned';
/**
 * On a log record that has no `audit.event.id`: a unique id (UUID) the journal adds so that
 * duplicates from at-least-once delivery can be removed. Spans are identified by trace id + span id.
 */
export const ATTR_SWARMTRAIL_RECORD_ID = 'swarmtrail.record.id';
/**
 * On `swarmtrail.journal.records.dropped`: why records were dropped: `disk_cap` (cap reached under
 * policy `drop`), `queue_full` (in-memory queue full), `write_error`, `encode_error`, `closed`
 * (appended after shutdown or with an unusable directory) or `torn_line` (a torn last line cut
 * off at recovery; counts lines).
 */
export const ATTR_SWARMTRAIL_JOURNAL_DROP_REASON = 'swarmtrail.journal.drop.reason';

// --- audit events -----------------------------------------------------------------------------
export const ATTR_AUDIT_EVENT_TYPE = 'audit.event.type';
export const ATTR_AUDIT_EVENT_ID = 'audit.event.id';
export const ATTR_AUDIT_OUTCOME = 'audit.outcome';
export const ATTR_AUDIT_RUN_ID = 'audit.run.id';
/** Duration of the span an audit span-end record summarises, in seconds. */
export const ATTR_AUDIT_DURATION = 'audit.duration';
export const ATTR_AUDIT_SPAN_NAME = 'audit.span.name';
/**
 * String: the span id of the span's parent, on span start and end records, so that the audit log
 * alone rebuilds a run's tree (where traces are not kept).
 */
export const ATTR_AUDIT_SPAN_PARENT_ID = 'audit.span.parent_id';

export const AUDIT_OUTCOME_SUCCESS = 'success';
export const AUDIT_OUTCOME_FAILURE = 'failure';
export const AUDIT_OUTCOME_GRANTED = 'granted';
export const AUDIT_OUTCOME_DENIED = 'denied';
export const AUDIT_OUTCOME_NOT_FOUND = 'not_found';
export const AUDIT_OUTCOME_UNKNOWN = 'unknown';

/** Values of `audit.event.type`; the log record's `eventName` is `audit.<type>`. */
export const AUDIT_EVENT_TYPE_RUN_END = 'run.end';
export const AUDIT_EVENT_TYPE_AGENT_END = 'agent.end';
/** A run (`invoke_workflow` span) started: with it, a run that never ends (a crash) is still in the audit log. */
export const AUDIT_EVENT_TYPE_RUN_START = 'run.start';
/** An agent (`invoke_agent` span) started. */
export const AUDIT_EVENT_TYPE_AGENT_START = 'agent.start';
export const AUDIT_EVENT_TYPE_TOOL_END = 'tool.end';
export const AUDIT_EVENT_TYPE_LLM_END = 'llm.end';
export const AUDIT_EVENT_TYPE_SPAN_END = 'span.end';
export const AUDIT_EVENT_TYPE_DECISION = 'decision';
export const AUDIT_EVENT_TYPE_ARTIFACT = 'artifact';
export const AUDIT_EVENT_TYPE_FILE_CHANGE = 'file.change';
export const AUDIT_EVENT_TYPE_COMMAND = 'command';
export const AUDIT_EVENT_TYPE_API_CALL = 'api.call';
export const AUDIT_EVENT_TYPE_SECRET_ACCESS = 'secret.access';
export const AUDIT_EVENT_TYPE_THOUGHT = 'thought';
export const AUDIT_EVENT_TYPE_ERROR = 'error';
export const AUDIT_EVENT_TYPE_FINANCIAL = 'financial';
export const AUDIT_EVENT_TYPE_COMPONENT = 'component';
/** The SDK started in this process: version, preset and components in `audit.system.*`. */
export const AUDIT_EVENT_TYPE_SYSTEM_START = 'system.start';
/** The SDK is shutting down; `audit.system.uptime` says for how long it ran. */
export const AUDIT_EVENT_TYPE_SYSTEM_STOP = 'system.stop';

// --- audit event fields -----------------------------------------------------------------------
/** String: the configuration preset the SDK started with (`production`, `development`, `compliance`, `minimal`). */
export const ATTR_AUDIT_SYSTEM_PRESET = 'audit.system.preset';
/** String[]: the pipeline stages that are on (`redaction`, `integrity`, `journal`, `otlp`, `prometheus`, `audit_span_records`, ...). */
export const ATTR_AUDIT_SYSTEM_COMPONENTS = 'audit.system.components';
/** Double: seconds from `system.start` to `system.stop`. */
export const ATTR_AUDIT_SYSTEM_UPTIME = 'audit.system.uptime';
/** Int: the process id (OTel semconv `process.pid`). */
export const ATTR_PROCESS_PID = 'process.pid';
/** String: the runtime's version, e.g. `24.11.0` (OTel semconv `process.runtime.version`). */
export const ATTR_PROCESS_RUNTIME_VERSION = 'process.runtime.version';
/** Resource: the distribution of the OTel SDK in use (OTel semconv), `swarmtrail`. */
export const ATTR_TELEMETRY_DISTRO_NAME = 'telemetry.distro.name';
/** Resource: the version of that distribution (OTel semconv). */
export const ATTR_TELEMETRY_DISTRO_VERSION = 'telemetry.distro.version';
export const ATTR_AUDIT_DECISION_SUMMARY = 'audit.decision.summary';
export const ATTR_AUDIT_DECISION_REASONING = 'audit.decision.reasoning';
/** What the deciding step recommended (e.g. `approve`), next to what was actually done. */
export const ATTR_AUDIT_DECISION_VERDICT = 'audit.decision.verdict';
export const ATTR_AUDIT_DECISION_ACTION = 'audit.decision.action';
export const ATTR_AUDIT_DECISION_CONTEXT = 'audit.decision.context';
export const ATTR_AUDIT_ARTIFACT_TYPE = 'audit.artifact.type';
export const ATTR_AUDIT_ARTIFACT_URI = 'audit.artifact.uri';
export const ATTR_AUDIT_ARTIFACT_SHA256 = 'audit.artifact.sha256';
export const ATTR_AUDIT_ARTIFACT_SIZE = 'audit.artifact.size';
export const ATTR_AUDIT_FILE_OPERATION = 'audit.file.operation';
export const ATTR_AUDIT_FILE_PATH = 'audit.file.path';
export const ATTR_AUDIT_FILE_SHA256_BEFORE = 'audit.file.sha256.before';
export const ATTR_AUDIT_FILE_SHA256_AFTER = 'audit.file.sha256.after';
export const ATTR_AUDIT_FILE_SIZE_BEFORE = 'audit.file.size.before';
export const ATTR_AUDIT_FILE_SIZE_AFTER = 'audit.file.size.after';
/** Content-gated. */
export const ATTR_AUDIT_FILE_DIFF = 'audit.file.diff';
export const ATTR_AUDIT_COMMAND_LINE = 'audit.command.line';
export const ATTR_AUDIT_COMMAND_EXIT_CODE = 'audit.command.exit_code';
export const ATTR_AUDIT_COMMAND_OUTPUT = 'audit.command.output';
export const ATTR_AUDIT_COMMAND_CWD = 'audit.command.cwd';
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_URL_FULL = 'url.full';
export const ATTR_AUDIT_SECRET_ALIAS = 'audit.secret.alias';
export const ATTR_AUDIT_SECRET_STORE = 'audit.secret.store';
export const ATTR_AUDIT_REASON = 'audit.reason';
/** Content-gated. */
export const ATTR_AUDIT_THOUGHT_CONTENT = 'audit.thought.content';
export const ATTR_AUDIT_THOUGHT_STEP = 'audit.thought.step';
export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
export const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';
export const ATTR_AUDIT_ERROR_CONTEXT = 'audit.error.context';
export const ATTR_AUDIT_ERROR_RECOVERY = 'audit.error.recovery';
export const ATTR_AUDIT_FINANCIAL_DESCRIPTION = 'audit.financial.description';
export const ATTR_AUDIT_FINANCIAL_AMOUNT = 'audit.financial.amount';
export const ATTR_AUDIT_FINANCIAL_CURRENCY = 'audit.financial.currency';
export const ATTR_AUDIT_FINANCIAL_STATUS = 'audit.financial.status';
export const ATTR_AUDIT_COMPONENT_NAME = 'audit.component.name';
export const ATTR_AUDIT_COMPONENT_KIND = 'audit.component.kind';
export const ATTR_AUDIT_COMPONENT_ACTION = 'audit.component.action';
export const ATTR_AUDIT_COMPONENT_VERSION = 'audit.component.version';
export const ATTR_AUDIT_COMPONENT_REQUEST = 'audit.component.request';

// --- integrity: hash chains and signed checkpoints (issue 7, docs/integrity.md) ---------------
/** String: the chain a record belongs to; one chain per run (trace) and writer process. */
export const ATTR_AUDIT_CHAIN_ID = 'audit.chain.id';
/** Int: position of the record in its chain, from 1, without gaps. */
export const ATTR_AUDIT_CHAIN_SEQ = 'audit.chain.seq';
/** String: `audit.record.hash` of the previous record in the chain (64 zeros for the first). */
export const ATTR_AUDIT_CHAIN_PREV_HASH = 'audit.chain.prev_hash';
/** String: SHA-256 (hex) of the RFC 8785 canonical projection of this record (docs/integrity.md). */
export const ATTR_AUDIT_RECORD_HASH = 'audit.record.hash';
/** Value of `audit.event.type` for a signed checkpoint record (`eventName` `audit.checkpoint`). */
export const AUDIT_EVENT_TYPE_CHECKPOINT = 'checkpoint';
/** Int: the sequence number of the last record the checkpoint covers (the record before it). */
export const ATTR_AUDIT_CHECKPOINT_SEQ = 'audit.checkpoint.seq';
/** String: `audit.record.hash` of the record at `audit.checkpoint.seq`. */
export const ATTR_AUDIT_CHECKPOINT_HEAD_HASH = 'audit.checkpoint.head_hash';
/** String: when the checkpoint was taken, RFC 3339 UTC with milliseconds. */
export const ATTR_AUDIT_CHECKPOINT_TIME = 'audit.checkpoint.time';
/** String: id of the Ed25519 key that signed the checkpoint. */
export const ATTR_AUDIT_CHECKPOINT_KEY_ID = 'audit.checkpoint.key_id';
/** String: Ed25519 signature (hex) over the canonical checkpoint statement. */
export const ATTR_AUDIT_CHECKPOINT_SIGNATURE = 'audit.checkpoint.signature';
/** String: the signer's raw 32-byte Ed25519 public key (hex), for trust-on-first-use verification. */
export const ATTR_AUDIT_CHECKPOINT_PUBLIC_KEY = 'audit.checkpoint.public_key';
/** Boolean: true for the last checkpoint of a chain (run end or shutdown). */
export const ATTR_AUDIT_CHECKPOINT_FINAL = 'audit.checkpoint.final';
/** String: why the checkpoint was taken: `count`, `interval`, `run.end`, `shutdown`, `evicted`, `requested`. */
export const ATTR_AUDIT_CHECKPOINT_REASON = 'audit.checkpoint.reason';
/** String[]: the resource attribute keys of the writer, so a verifier reading Loki can tell them apart. */
export const ATTR_AUDIT_CHECKPOINT_RESOURCE_KEYS = 'audit.checkpoint.resource_keys';
/** String[]: the original attribute keys of the chain's records since the previous checkpoint (Loki maps them back). */
export const ATTR_AUDIT_CHECKPOINT_ATTRIBUTE_KEYS = 'audit.checkpoint.attribute_keys';
/** String: SHA-256 (hex) of the canonical JSON array of `attribute_keys` (sorted); signed, on root spans instead of the list. */
export const ATTR_AUDIT_CHECKPOINT_ATTRIBUTE_KEYS_HASH = 'audit.checkpoint.attribute_keys_hash';
/** String: SHA-256 (hex) of the canonical writer resource (`resource_keys` with string-form values). */
export const ATTR_AUDIT_CHECKPOINT_RESOURCE_HASH = 'audit.checkpoint.resource_hash';
/** On `swarmtrail.verify.failures`: the kind of failure (`modified`, `missing`, `fork`, ...). */
export const ATTR_SWARMTRAIL_VERIFY_FAILURE_KIND = 'swarmtrail.verify.failure.kind';
