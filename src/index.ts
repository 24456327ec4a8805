// The public API of swarmtrail. Everything a user imports comes from here.

// Setup
export { start, DEFAULT_DIRECTORY, DEFAULT_PROMETHEUS_PORT } from './setup/start.js';
export type { SwarmtrailHandle, TrailDestination } from './setup/start.js';
export type { StartOptions } from './setup/StartOptions.js';
export type { SwarmtrailPreset } from './setup/presets.js';
export type { OtlpProtocol } from './setup/environment.js';

// Instrumentation
export { withSpan, recordError } from './instrument/withSpan.js';
export type { SpanWrapperOptions } from './instrument/withSpan.js';
export { withRun } from './instrument/withRun.js';
export type { RunHandle, RunOptions } from './instrument/withRun.js';
export { withAgent } from './instrument/withAgent.js';
export type { AgentOptions, AgentSpec } from './instrument/withAgent.js';
export { withTool } from './instrument/withTool.js';
export type { ToolOptions, ToolSpec } from './instrument/withTool.js';
export { withLLM } from './instrument/withLLM.js';
export type { LLMCall, LLMHandle, LLMResponse, LLMUsage } from './instrument/withLLM.js';
export { agent, llm, run, span, tool } from './instrument/decorators.js';
export type { LLMDecoratorOptions } from './instrument/decorators.js';
export { audit, stripUrlCredentials, COMMAND_OUTPUT_SNIPPET_LENGTH } from './instrument/auditEvents.js';
export type {
  ApiCallEvent,
  ArtifactEvent,
  CommandEvent,
  ComponentAction,
  ComponentEvent,
  DecisionEvent,
  ErrorEventFields,
  FileChangeEvent,
  FileOperation,
  FinancialEvent,
  SecretAccessEvent,
  SecretAccessOutcome,
  ThoughtEvent,
} from './instrument/auditEvents.js';
export type { AuditEventFields } from './instrument/audit.js';

// Processors and exporters, for users who wire their own OTel SDK
export { AuditSpanProcessor } from './processors/AuditSpanProcessor.js';
export type { AuditSpanProcessorOptions } from './processors/AuditSpanProcessor.js';
export { GenAiMetricsSpanProcessor } from './processors/GenAiMetricsSpanProcessor.js';
export type { GenAiMetricsSpanProcessorOptions } from './processors/GenAiMetricsSpanProcessor.js';
export { AuditMetricsLogRecordProcessor } from './processors/AuditMetricsLogRecordProcessor.js';
export type { AuditMetricsLogRecordProcessorOptions } from './processors/AuditMetricsLogRecordProcessor.js';
export { RedactingSpanProcessor } from './processors/RedactingSpanProcessor.js';
export type { RedactingSpanProcessorOptions } from './processors/RedactingSpanProcessor.js';
export { RedactingLogRecordProcessor } from './processors/RedactingLogRecordProcessor.js';
export type { RedactingLogRecordProcessorOptions } from './processors/RedactingLogRecordProcessor.js';
export { RedactingMetricExporter } from './exporters/RedactingMetricExporter.js';
export type { RedactingMetricExporterOptions } from './exporters/RedactingMetricExporter.js';
export { RedactingPrometheusExporter } from './exporters/RedactingPrometheusExporter.js';
export type { RedactingPrometheusExporterOptions } from './exporters/RedactingPrometheusExporter.js';
export { JournalSpanProcessor } from './processors/JournalSpanProcessor.js';
export type { JournalSpanProcessorOptions } from './processors/JournalSpanProcessor.js';
export { JournalLogRecordProcessor } from './processors/JournalLogRecordProcessor.js';
export type { JournalLogRecordProcessorOptions } from './processors/JournalLogRecordProcessor.js';
export { JournalMetricExporter } from './exporters/JournalMetricExporter.js';
export type { JournalMetricExporterOptions } from './exporters/JournalMetricExporter.js';

// Integrity
export { HashChainLogRecordProcessor, checkpointSpanAttributes } from './processors/HashChainLogRecordProcessor.js';
export type { HashChainLogRecordProcessorOptions } from './processors/HashChainLogRecordProcessor.js';
export type { IntegrityOptions } from './integrity/IntegrityOptions.js';
export type { SignedCheckpoint, CheckpointStatement, CheckpointReason } from './integrity/checkpoint.js';
export { TrailVerifier } from './integrity/TrailVerifier.js';
export type { VerificationReport, ChainReport, Finding, FailureKind, TrailVerifierOptions } from './integrity/TrailVerifier.js';
export { verifyOtlpLocation } from './integrity/otlpSource.js';
export { verifyLoki } from './integrity/lokiSource.js';
export { recordVerificationFailures } from './integrity/metrics.js';

// Redaction
export { Redactor } from './redaction/Redactor.js';
export { redact } from './redaction/redact.js';
export { RedactionReport } from './redaction/Redactor.js';
export type { RedactionSignal } from './redaction/Redactor.js';
export { redactResource } from './redaction/resource.js';
export { redactingMetricViews, redactResourceMetrics, RedactingAttributesProcessor } from './redaction/metrics.js';
export type {
  RedactionKeyAction,
  RedactionKeyRule,
  RedactionLimits,
  RedactionOptions,
  RedactionPattern,
  RedactionPreset,
} from './redaction/RedactionOptions.js';

// Journal
export { Journal, DEFAULT_JOURNAL_DIRECTORY } from './journal/Journal.js';
export type { JournalDiskCapPolicy, JournalDurability, JournalOptions } from './journal/Journal.js';
export { JournalShipper } from './journal/JournalShipper.js';
export type { JournalShipperOptions, ShipResult } from './journal/JournalShipper.js';
export type { DeadLetterNote, DeadLetterSegment } from './journal/cursor.js';
export type { JournalRecoveryReport } from './journal/recovery.js';
export { JournalReader, listSegments, JournalNotFoundError } from './journal/JournalReader.js';
export type {
  JournalLogRecord,
  JournalReaderOptions,
  JournalRecord,
  JournalSegment,
  JournalSpan,
  SkippedLine,
} from './journal/JournalReader.js';

// Attribute and metric names most often needed in queries (all of them: src/semconv.ts)
export {
  ATTR_AUDIT_EVENT_ID,
  ATTR_AUDIT_EVENT_TYPE,
  ATTR_AUDIT_OUTCOME,
  ATTR_AUDIT_RUN_ID,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_SWARMTRAIL_AUDIT_EVENTS,
} from './semconv.js';
