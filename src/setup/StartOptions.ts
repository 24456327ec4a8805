import type { DiagLogLevel } from '@opentelemetry/api';
import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { IntegrityOptions } from '../integrity/IntegrityOptions.js';
import type { JournalOptions } from '../journal/Journal.js';
import type { RedactionOptions } from '../redaction/RedactionOptions.js';
import type { OtlpProtocol } from './environment.js';

/**
 * Options of {@link start}. Precedence for every setting: this object, then the standard OTel
 * environment variable, then the default.
 */
export interface StartOptions {
  /** `service.name`. Default `OTEL_SERVICE_NAME`, then `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, then `unknown_service:node`. */
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
  /** Record prompts, completions, tool arguments and results. Default `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`, then `false`. */
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
  /** Redaction policy, or `false` to turn redaction off (explicitly). Default the `default` preset. */
  readonly redaction?: RedactionOptions | false;
  /** Serve `/metrics` for Prometheus to scrape. Default off; `{}` means 127.0.0.1:9464. */
  readonly prometheus?: { readonly port?: number; readonly host?: string };
  /**
   * The local write-ahead journal: the trail's destination without an endpoint, its spool with
   * one. `false` sends to the endpoint directly through the OTel OTLP exporters (nothing on disk;
   * what is in memory when the process dies or the collector is down too long is lost).
   * Default on, in `<directory>/journal` (or `SWARMTRAIL_JOURNAL_DIR`).
   */
  readonly journal?: JournalOptions | false;
  /**
   * Hash chains and signed checkpoints on audit records (docs/integrity.md); `false` turns them
   * off. Default on, signing with `SWARMTRAIL_SIGNING_KEY` or a key generated in `<directory>/keys`.
   */
  readonly integrity?: IntegrityOptions | false;
  /** Emit one compact audit record for every run, agent, tool and LLM span that ends. Default `true`. */
  readonly auditSpanRecords?: boolean;
  /** Make everything a no-op; the user's functions still run. Default `OTEL_SDK_DISABLED`, then `false`. */
  readonly disabled?: boolean;
  /** Interval between metric exports, in milliseconds. Default 10000. */
  readonly metricExportIntervalMillis?: number;
  /** Flush and shut down on SIGINT, SIGTERM and `beforeExit`. Default `true`. */
  readonly handleExitSignals?: boolean;
  /** Level of OTel's diagnostic logger (to the console) unless one is installed. Default `OTEL_LOG_LEVEL`, then WARN. */
  readonly logLevel?: DiagLogLevel;
  /** Environment to read instead of `process.env` (tests). Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}
