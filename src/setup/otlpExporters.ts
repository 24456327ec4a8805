import { OTLPLogExporter as OTLPJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as OTLPJsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpProtocol, Signal } from './environment.js';

export interface OtlpExporters {
  readonly traces: SpanExporter;
  readonly logs: LogRecordExporter;
  readonly metrics: PushMetricExporter;
}

/** The OTel OTLP/HTTP exporters for the three signals, for sending without the journal. */
export function createOtlpExporters(resolved: {
  readonly endpoints: Readonly<Record<Signal, string>>;
  readonly protocols: Readonly<Record<Signal, OtlpProtocol>>;
  readonly headers: Readonly<Record<Signal, Record<string, string>>>;
}): OtlpExporters {
  const config = (signal: Signal) => ({ url: resolved.endpoints[signal], headers: resolved.headers[signal] });
  const json = (signal: Signal): boolean => resolved.protocols[signal] === 'http/json';
  return {
    traces: json('traces') ? new OTLPJsonTraceExporter(config('traces')) : new OTLPProtoTraceExporter(config('traces')),
    logs: json('logs') ? new OTLPJsonLogExporter(config('logs')) : new OTLPProtoLogExporter(config('logs')),
    metrics: json('metrics') ? new OTLPJsonMetricExporter(config('metrics')) : new OTLPProtoMetricExporter(config('metrics')),
  };
}
