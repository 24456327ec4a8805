import type { DiagLogger, DiagLogLevel } from '@opentelemetry/api';
import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { IntegrityOptions } from '../integrity/IntegrityOptions.js';
import type { JournalOptions } from '../journal/Journal.js';
import type { RedactionOptions } from '../redaction/RedactionOptions.js';
import type { OtlpProtocol } from './environment.js';
import type { SwarmtrailPreset } from './presets.js';

/**
 * Options of {@link start}. Precedence for every setting: this object, then the environment
 * variable, then the preset, then the default.
 */
export interface StartOptions {
  /**
   * A named configuration: `production` (the defaults), `development` (content capture on, no
   * fsync, no hash chain), `compliance` (fsync per record, IP addresses redacted too, checkpoints every 100
   * records or 10 s, warnings without an external signing key or anchor), `minimal` (no span-end
   * audit records, no hash chain). It only changes defaults. Default `SWARMTRAIL_PRESET`, then `production`.
   */
  readonly preset?: SwarmtrailPreset;
  /** `service.name`. Default `service.name` in `resourceAttributes`, then `OTEL_SERVICE_NAME`, then `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, then `unknown_service:node`. */
  readonly serviceName?: string;
  /** Extra resource attributes, merged over `OTEL_RESOURCE_ATTRIBUTES`. Default none. */
  readonly resourceAttributes?: Readonly<Record<string, string | number | boolean>>;
  /**
   * OTLP/HTTP base endpoint, e.g. `http://127.0.0.1:4318`; `/v1/traces`, `/v1/logs` and
   * `/v1/metrics` are appended. Default `OTEL_EXPORTER_OTLP_ENDPOINT` (per-signal
   * `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT` variables are used as full URLs); with none, the trail
   * goes to the local directory only.
   */
  readonly endpoint?: string;
  /** OTLP encoding. Default `OTEL_EXPORTER_OTLP_PROTOCOL`, then `http/protobuf`. */
  readonly protocol?: OtlpProtocol;
  /** Headers sent with every OTLP request, merged over `OTEL_EXPORTER_OTLP_HEADERS`. Default none. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Local trail directory. Default `SWARMTRAIL_DIR`, then `./.swarmtrail`. */
  readonly directory?: string;
  /** Record prompts, completions, tool arguments and results. Default `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`, then `false` (`true` in the `development` preset). */
  readonly captureContent?: boolean;
  /** Extra span exporters, each behind a batch processor after redaction. Default none. */
  readonly spanExporters?: readonly SpanExporter[];
  /** Extra log record exporters, each behind a batch processor after redaction. Default none. */
  readonly logRecordExporters?: readonly LogRecordExporter[];
  /** Extra span processors, run after redaction. Default none. */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Extra log record processors, run after redaction. Default none. */
  readonly logRecordProcessors?: readonly LogRecordProcessor[];
  /** Extra metric readers. Default none. */
  readonly metricReaders?: readonly IMetricReader[];
  /** Redaction policy, or `false` to turn redaction off (explicitly). Default the `default` redaction preset (with IP addresses in the `compliance` preset). */
  readonly redaction?: RedactionOptions | false;
  /** Serve `/metrics` for Prometheus to scrape. Default off; `{}` means 127.0.0.1:9464. */
  readonly prometheus?: { readonly port?: number; readonly host?: string };
  /**
   * The local write-ahead journal: the trail's destination without an endpoint, its spool with
   * one. `false` sends to the endpoint directly through the OTel OTLP exporters (nothing on disk;
   * what is in memory when the process dies or the collector is down too long is lost).
   * Default on, in `<directory>/journal` (or `SWARMTRAIL_JOURNAL_DIR`); durability `batch`
   * (`none` in the `development` preset, `record` in `compliance`).
   */
  readonly journal?: JournalOptions | false;
  /**
   * Hash chains and signed checkpoints on audit records (docs/integrity.md); `false` turns them
   * off. Default on, signing with `SWARMTRAIL_SIGNING_KEY` or a key generated in `<directory>/keys`
   * (off in the `development` and `minimal` presets; checkpoints every 100 records or 10 s in `compliance`).
   */
  readonly integrity?: IntegrityOptions | false;
  /** Emit one compact audit record for every run, agent, tool and LLM span that ends. Default `true` (`false` in the `minimal` preset). */
  readonly auditSpanRecords?: boolean;
  /**
   * With `auditSpanRecords`, also a `run.start` / `agent.start` record when a run or agent begins,
   * so runs that never end (a crash) are in the audit log. Default `true`.
   */
  readonly auditStartRecords?: boolean;
  /** Audit records `system.start` and `system.stop` (version, preset, components, uptime). Default `true`. */
  readonly systemEvents?: boolean;
  /** The process's CPU time and resident memory as metrics (`process.cpu.time`, `process.memory.usage`). Default `true`. */
  readonly processMetrics?: boolean;
  /** Make everything a no-op; the user's functions still run. Default `OTEL_SDK_DISABLED`, then `false`. */
  readonly disabled?: boolean;
  /** Interval between metric exports, in milliseconds. Default 10000. */
  readonly metricExportIntervalMillis?: number;
  /** Flush and shut down on SIGINT, SIGTERM and `beforeExit`. Default `true`. */
  readonly handleExitSignals?: boolean;
  /** Level of OTel's diagnostic logger. Default `OTEL_LOG_LEVEL`, then WARN. */
  readonly logLevel?: DiagLogLevel;
  /** Where OTel's diagnostic messages (telemetry failures, warnings) go. Default the console. */
  readonly diagLogger?: DiagLogger;
  /** Environment to read instead of `process.env` (tests). Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}
