import { join } from 'node:path';
import {
  context,
  diag,
  DiagConsoleLogger,
  DiagLogLevel,
  logs,
  metrics,
  propagation,
  trace,
  type Meter,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { BatchSpanProcessor, TracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { JournalMetricExporter } from '../exporters/JournalMetricExporter.js';
import { RedactingMetricExporter } from '../exporters/RedactingMetricExporter.js';
import { RedactingPrometheusExporter } from '../exporters/RedactingPrometheusExporter.js';
import { configureInstrumentation } from '../instrument/config.js';
import { resetInstrumentationCaches } from '../instrument/caches.js';
import { INSTRUMENTATION_SCOPE_NAME, INSTRUMENTATION_SCOPE_VERSION } from '../instrument/withSpan.js';
import { ATTR_TELEMETRY_DISTRO_NAME, ATTR_TELEMETRY_DISTRO_VERSION } from '../semconv.js';
import { resetFailureCounter } from '../internal/failures.js';
import { Journal } from '../journal/Journal.js';
import { AuditMetricsLogRecordProcessor } from '../processors/AuditMetricsLogRecordProcessor.js';
import { AuditSpanProcessor } from '../processors/AuditSpanProcessor.js';
import { GenAiMetricsSpanProcessor } from '../processors/GenAiMetricsSpanProcessor.js';
import { GuardedLogRecordProcessor } from '../processors/GuardedLogRecordProcessor.js';
import { GuardedSpanProcessor } from '../processors/GuardedSpanProcessor.js';
import { checkpointSpanAttributes, HashChainLogRecordProcessor } from '../processors/HashChainLogRecordProcessor.js';
import { JournalLogRecordProcessor } from '../processors/JournalLogRecordProcessor.js';
import { JournalSpanProcessor } from '../processors/JournalSpanProcessor.js';
import { RedactingLogRecordProcessor } from '../processors/RedactingLogRecordProcessor.js';
import { RedactingSpanProcessor } from '../processors/RedactingSpanProcessor.js';
import { redactingMetricViews } from '../redaction/metrics.js';
import { setConfiguredRedactor } from '../redaction/redact.js';
import { redactResource } from '../redaction/resource.js';
import { RedactionCounter } from '../redaction/RedactionCounter.js';
import { Redactor } from '../redaction/Redactor.js';
import { readEnvironment, type OtlpProtocol, type Signal, type SwarmtrailEnvironment } from './environment.js';
import { createOtlpExporters } from './otlpExporters.js';
import { LateBoundMeter, LateBoundMetricExporter } from './lateBinding.js';
import type { StartOptions } from './StartOptions.js';
import { PRESETS } from './presets.js';
import { registerProcessMetrics } from './processMetrics.js';
import { emitSystemStart } from './systemEvents.js';

/** Where the trail goes. */
export type TrailDestination =
  | { readonly kind: 'journal'; readonly directory: string }
  | { readonly kind: 'otlp'; readonly endpoints: Readonly<Record<Signal, string>>; readonly protocol: OtlpProtocol; readonly spool?: string }
  | { readonly kind: 'none' };

/** What {@link start} returns. */
export interface SwarmtrailHandle {
  /** False when the SDK is disabled (`OTEL_SDK_DISABLED=true` or `disabled: true`). */
  readonly enabled: boolean;
  readonly destination: TrailDestination;
  /** Exports everything recorded so far. Never rejects. */
  forceFlush(): Promise<void>;
  /** Flushes and stops; safe to call more than once. Never rejects. */
  shutdown(): Promise<void>;
}

export const DEFAULT_DIRECTORY = './.swarmtrail';
export const DEFAULT_PROMETHEUS_PORT = 9464;
const DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS = 10_000;
const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

interface ResolvedExport {
  readonly endpoints: Record<Signal, string>;
  readonly protocols: Record<Signal, OtlpProtocol>;
  readonly headers: Record<Signal, Record<string, string>>;
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}

/** Explicit option, then per-signal variable, then the base variable; undefined without any endpoint. */
function resolveExport(options: StartOptions, env: SwarmtrailEnvironment): ResolvedExport | undefined {
  const anyEndpoint =
    options.endpoint !== undefined || env.endpoint !== undefined || Object.keys(env.signalEndpoints).length > 0;
  if (!anyEndpoint) return undefined;
  const endpoints = {} as Record<Signal, string>;
  const protocols = {} as Record<Signal, OtlpProtocol>;
  const headers = {} as Record<Signal, Record<string, string>>;
  for (const signal of SIGNALS) {
    const fromSignal = env.signalEndpoints[signal];
    const base = options.endpoint ?? env.endpoint;
    endpoints[signal] =
      options.endpoint !== undefined
        ? joinUrl(options.endpoint, `v1/${signal}`)
        : (fromSignal ?? joinUrl(base ?? 'http://localhost:4318', `v1/${signal}`));
    protocols[signal] = options.protocol ?? env.signalProtocols[signal] ?? env.protocol ?? 'http/protobuf';
    headers[signal] = { ...env.headers, ...env.signalHeaders[signal], ...options.headers };
  }
  return { endpoints, protocols, headers };
}

function buildResource(options: StartOptions, env: SwarmtrailEnvironment): Resource {
  const explicit = options.resourceAttributes?.['service.name'];
  const serviceName =
    options.serviceName ?? (explicit === undefined ? undefined : String(explicit)) ?? env.serviceName ?? env.resourceAttributes['service.name'] ?? 'unknown_service:node';
  return defaultResource().merge(
    resourceFromAttributes({
      [ATTR_TELEMETRY_DISTRO_NAME]: 'swarmtrail',
      [ATTR_TELEMETRY_DISTRO_VERSION]: INSTRUMENTATION_SCOPE_VERSION,
      ...env.resourceAttributes,
      ...options.resourceAttributes,
      'service.name': serviceName,
    }),
  );
}

function validate(options: StartOptions): void {
  if (options.endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(options.endpoint);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new Error(`swarmtrail start(): endpoint must be an http(s) URL such as http://127.0.0.1:4318, got ${JSON.stringify(options.endpoint)}`);
    }
  }
  if (options.preset !== undefined && !Object.hasOwn(PRESETS, options.preset)) {
    throw new Error(`swarmtrail start(): preset must be one of ${Object.keys(PRESETS).join(', ')}, got ${JSON.stringify(options.preset)}`);
  }
  if (options.protocol !== undefined && options.protocol !== 'http/protobuf' && options.protocol !== 'http/json') {
    throw new Error(`swarmtrail start(): protocol must be 'http/protobuf' or 'http/json', got ${JSON.stringify(options.protocol)}`);
  }
  const interval = options.metricExportIntervalMillis;
  if (interval !== undefined && !(Number.isFinite(interval) && interval > 0)) {
    throw new Error('swarmtrail start(): metricExportIntervalMillis must be a positive number of milliseconds');
  }
}

const DISABLED_HANDLE: SwarmtrailHandle = {
  enabled: false,
  destination: { kind: 'none' },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

let active: SwarmtrailHandle | undefined;

/**
 * Starts swarmtrail: wires the OTel tracer, logger and meter providers with redaction first, the
 * local journal (the destination without an endpoint, the spool with one), the audit and metric
 * processors and any exporters you add, and registers them globally.
 */
export function start(options: StartOptions = {}): SwarmtrailHandle {
  validate(options);
  // The logger first, so that warnings about the environment's values reach it.
  const diagLogger = options.diagLogger ?? new DiagConsoleLogger();
  diag.setLogger(diagLogger, { logLevel: options.logLevel ?? DiagLogLevel.WARN, suppressOverrideMessage: true });
  const env = readEnvironment(options.env ?? process.env);
  if (options.logLevel === undefined && env.logLevel !== undefined) {
    diag.setLogger(diagLogger, { logLevel: env.logLevel, suppressOverrideMessage: true });
  }

  if (options.disabled ?? env.sdkDisabled ?? false) {
    configureInstrumentation({ disabled: true });
    return DISABLED_HANDLE;
  }
  if (active !== undefined) {
    diag.warn('swarmtrail: start() was called again; shutting down the previous instance first');
    void active.shutdown();
  }
  const presetName = options.preset ?? env.preset ?? 'production';
  const preset = PRESETS[presetName];
  configureInstrumentation({ disabled: false, captureContent: options.captureContent ?? env.captureContent ?? preset.captureContent });

  const redactor =
    options.redaction === false
      ? undefined
      : new Redactor({
          ...options.redaction,
          ...(preset.detectIpAddresses && options.redaction?.detectIpAddresses === undefined ? { detectIpAddresses: true } : {}),
        });
  setConfiguredRedactor(redactor);
  const rawResource = buildResource(options, env);
  const resource = redactor === undefined ? rawResource : redactResource(rawResource, redactor);
  const resolved = resolveExport(options, env);
  const directory = options.directory ?? env.directory ?? DEFAULT_DIRECTORY;
  const useJournal = options.journal !== false;

  const direct = !useJournal && resolved !== undefined ? createOtlpExporters(resolved) : undefined;
  // The journal records its self-metrics into the meter provider, whose reader exports into the
  // journal: the journal's exporter is bound once both exist.
  const journalMetrics = useJournal ? new LateBoundMetricExporter() : undefined;
  const pushExporters: PushMetricExporter[] = [
    ...(journalMetrics === undefined ? [] : [journalMetrics]),
    ...(direct === undefined ? [] : [direct.metrics]),
  ];
  const interval = options.metricExportIntervalMillis ?? DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS;
  const redactionMeter = new LateBoundMeter();
  const redactionCounter = new RedactionCounter(redactionMeter.asMeter());
  const readers: IMetricReader[] = [...(options.metricReaders ?? [])];
  for (const exporter of pushExporters) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: redactor === undefined ? exporter : new RedactingMetricExporter({ exporter, redactor, meter: redactionMeter.asMeter() }),
        exportIntervalMillis: interval,
      }),
    );
  }
  if (options.prometheus !== undefined) {
    const config = { host: options.prometheus.host ?? '127.0.0.1', port: options.prometheus.port ?? DEFAULT_PROMETHEUS_PORT };
    readers.push(
      redactor === undefined
        ? new PrometheusExporter(config)
        : new RedactingPrometheusExporter({ ...config, redactor, meter: redactionMeter.asMeter() }),
    );
  }
  const meterProvider = new MeterProvider({
    resource,
    views:
      redactor === undefined
        ? []
        : redactingMetricViews(redactor, [], (report) => redactionCounter.record(report)),
    readers,
  });
  const meter: Meter = meterProvider.getMeter(INSTRUMENTATION_SCOPE_NAME, INSTRUMENTATION_SCOPE_VERSION);
  redactionMeter.bind(meter);
  if (options.processMetrics ?? true) registerProcessMetrics(meter);

  const journal = useJournal
    ? new Journal({
        ...(options.journal ?? {}),
        directory: options.journal?.directory ?? env.journalDirectory ?? join(directory, 'journal'),
        durability: options.journal?.durability ?? env.journalDurability ?? preset.durability,
        maxBytes: options.journal?.maxBytes ?? env.journalMaxBytes,
        diskCapPolicy: options.journal?.diskCapPolicy ?? env.journalDiskCapPolicy ?? preset.diskCapPolicy,
        meter,
        export:
          resolved === undefined
            ? undefined
            : {
                ...options.journal?.export,
                endpoint: resolved.endpoints.traces.replace(/\/v1\/traces$/, ''),
                tracesEndpoint: resolved.endpoints.traces,
                logsEndpoint: resolved.endpoints.logs,
                metricsEndpoint: resolved.endpoints.metrics,
                protocol: resolved.protocols.traces,
                // Each signal's own protocol and headers: a credential for one backend must not reach another.
                signalProtocols: resolved.protocols,
                signalHeaders: resolved.headers,
              },
      })
    : undefined;
  if (journal !== undefined) journalMetrics?.bind(new JournalMetricExporter({ journal }));

  const integrity =
    options.integrity === false || (options.integrity === undefined && !preset.integrity) ? undefined : (options.integrity ?? {});
  const hashChain =
    integrity === undefined || integrity.enabled === false
      ? undefined
      : new HashChainLogRecordProcessor({
          ...integrity,
          checkpointEveryRecords: integrity.checkpointEveryRecords ?? preset.checkpointEveryRecords,
          checkpointIntervalSeconds: integrity.checkpointIntervalSeconds ?? preset.checkpointIntervalSeconds,
          signingKey: integrity.signingKey ?? env.signingKey,
          signingKeyId: integrity.signingKeyId ?? env.signingKeyId,
          anchor: integrity.anchor ?? env.anchor,
          keyDirectory: integrity.keyDirectory ?? join(directory, 'keys'),
        });

  // Order matters: redaction first, then the hash chain (hashes what is exported), then the journal.
  const logProcessors: LogRecordProcessor[] = [];
  if (redactor !== undefined) logProcessors.push(new RedactingLogRecordProcessor({ redactor, meter }));
  if (hashChain !== undefined) logProcessors.push(hashChain);
  logProcessors.push(new AuditMetricsLogRecordProcessor({ meter }));
  if (journal !== undefined) logProcessors.push(new JournalLogRecordProcessor({ journal }));
  logProcessors.push(...(options.logRecordProcessors ?? []).map((processor) => new GuardedLogRecordProcessor(processor)));
  if (direct !== undefined) logProcessors.push(new BatchLogRecordProcessor({ exporter: direct.logs }));
  for (const exporter of options.logRecordExporters ?? []) logProcessors.push(new BatchLogRecordProcessor({ exporter }));
  const loggerProvider = new LoggerProvider({ resource, processors: logProcessors });
  hashChain?.setLoggerProvider(loggerProvider);
  // swarmtrail's own records (span records, system events) come from this instance's logger.
  const ownLogger = loggerProvider.getLogger(INSTRUMENTATION_SCOPE_NAME, INSTRUMENTATION_SCOPE_VERSION);

  const spanProcessors: SpanProcessor[] = [];
  if (redactor !== undefined) spanProcessors.push(new RedactingSpanProcessor({ redactor, meter }));
  const auditSpanRecords = options.auditSpanRecords ?? preset.auditSpanRecords;
  if (auditSpanRecords) {
    spanProcessors.push(
      new AuditSpanProcessor({
        logger: ownLogger,
        startRecords: options.auditStartRecords ?? true,
        sealRun:
          hashChain === undefined
            ? undefined
            : (traceId) => {
                const checkpoint = hashChain.sealRun(traceId);
                return checkpoint === undefined ? undefined : checkpointSpanAttributes(checkpoint);
              },
      }),
    );
  }
  spanProcessors.push(new GenAiMetricsSpanProcessor({ meter }));
  if (journal !== undefined) spanProcessors.push(new JournalSpanProcessor({ journal }));
  spanProcessors.push(...(options.spanProcessors ?? []).map((processor) => new GuardedSpanProcessor(processor)));
  if (direct !== undefined) spanProcessors.push(new BatchSpanProcessor({ exporter: direct.traces }));
  for (const exporter of options.spanExporters ?? []) spanProcessors.push(new BatchSpanProcessor({ exporter }));
  const tracerProvider = new TracerProvider({ resource, spanProcessors });

  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.disable();
  context.setGlobalContextManager(contextManager);
  propagation.disable();
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.disable();
  trace.setGlobalTracerProvider(tracerProvider);
  logs.disable();
  logs.setGlobalLoggerProvider(loggerProvider);
  metrics.disable();
  metrics.setGlobalMeterProvider(meterProvider);
  resetInstrumentationCaches();
  resetFailureCounter();

  const destination: TrailDestination =
    resolved !== undefined
      ? { kind: 'otlp', endpoints: resolved.endpoints, protocol: resolved.protocols.traces, spool: journal?.directory }
      : journal !== undefined
        ? { kind: 'journal', directory: journal.directory }
        : { kind: 'none' };
  if (destination.kind === 'none' && (options.spanExporters ?? []).length === 0 && (options.logRecordExporters ?? []).length === 0) {
    diag.warn('swarmtrail: journal disabled and no OTLP endpoint: only the exporters you added receive the trail');
  }
  if (preset.requireExternalTrust && hashChain !== undefined) {
    if (integrity?.signingKey === undefined && env.signingKey === undefined) {
      diag.warn(`swarmtrail: preset ${presetName}: no signing key given (SWARMTRAIL_SIGNING_KEY); checkpoints are signed with a key kept next to the trail, which proves little to an auditor`);
    }
    if (integrity?.anchor === undefined && env.anchor === undefined) {
      diag.warn(`swarmtrail: preset ${presetName}: no anchor (SWARMTRAIL_ANCHOR); deleting the tail of a trail together with its checkpoints is not detectable without one`);
    }
  }

  const components = [
    ...(redactor === undefined ? [] : ['redaction']),
    ...(hashChain === undefined ? [] : ['integrity']),
    ...(journal === undefined ? [] : [`journal(${journal.durability})`]),
    ...(resolved === undefined ? [] : [`otlp(${resolved.protocols.traces})`]),
    ...(auditSpanRecords ? ['audit_span_records'] : []),
    ...(options.prometheus === undefined ? [] : ['prometheus']),
    ...((options.spanExporters ?? []).length + (options.logRecordExporters ?? []).length > 0 ? ['custom_exporters'] : []),
  ];
  const emitSystemStop =
    (options.systemEvents ?? true)
      ? emitSystemStart({ logger: ownLogger, preset: presetName, components })
      : undefined;

  let stopping: Promise<void> | undefined;
  const forceFlush = async (): Promise<void> => {
    if (stopping !== undefined) return stopping;
    // Spans first: their ends emit audit records; then logs; then metrics; the journal last.
    for (const step of [
      () => tracerProvider.forceFlush(),
      () => loggerProvider.forceFlush(),
      () => meterProvider.forceFlush(),
      () => journal?.forceFlush() ?? Promise.resolve(),
    ]) {
      try {
        await step();
      } catch (error) {
        diag.error('swarmtrail: flush failed', error);
      }
    }
  };

  const removeExitHooks =
    (options.handleExitSignals ?? true) ? installExitHooks(() => handle.shutdown(), () => journal?.flushSync()) : () => {};
  const handle: SwarmtrailHandle = {
    enabled: true,
    destination,
    forceFlush,
    shutdown: () => {
      stopping ??= (async () => {
        removeExitHooks();
        for (const step of [
          () => tracerProvider.shutdown(),
          () => Promise.resolve(emitSystemStop?.()),
          // Final checkpoints must be emitted before the logger provider refuses records.
          () => Promise.resolve(hashChain?.sealAll()),
          () => loggerProvider.shutdown(),
          () => meterProvider.shutdown(),
          () => journal?.shutdown() ?? Promise.resolve(),
        ]) {
          try {
            await step();
          } catch (error) {
            diag.error('swarmtrail: shutdown step failed', error);
          }
        }
        if (active === handle) {
          active = undefined;
          trace.disable();
          logs.disable();
          metrics.disable();
          propagation.disable();
          context.disable();
          resetInstrumentationCaches();
          resetFailureCounter();
          setConfiguredRedactor(undefined);
        }
      })();
      return stopping;
    },
  };
  active = handle;
  return handle;
}

const EXIT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Flushes on `beforeExit` and on SIGINT/SIGTERM. A signal listener stops Node's default exit, so
 * after flushing (bounded) the signal is raised again once our listener is gone, unless the
 * program has listeners of its own, which then decide.
 *
 * `process.exit()`, an uncaught exception and an unhandled rejection skip `beforeExit` and leave
 * no time for anything asynchronous: on 'exit' (which Node emits in all three cases) `flushSync`
 * writes what the journal holds, synchronously. That hook stays until the shutdown has finished.
 */
function installExitHooks(shutdown: () => Promise<void>, flushSync: () => void): () => void {
  const onBeforeExit = (): void => {
    void shutdown();
  };
  const onExit = (): void => {
    try {
      flushSync();
    } catch {
      // never throw from an exit handler; the journal reports its own failures
    }
  };
  const removeExitHook = (): void => {
    process.off('exit', onExit);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
    void Promise.race([shutdown(), timeout]).finally(() => {
      remove();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  const remove = (): void => {
    process.off('beforeExit', onBeforeExit);
    for (const signal of EXIT_SIGNALS) process.off(signal, onSignal);
    // Called as the shutdown begins: until it has written everything, an exit must still flush.
    queueMicrotask(() => void shutdown().then(removeExitHook, removeExitHook));
  };
  process.once('exit', onExit);
  process.once('beforeExit', onBeforeExit);
  for (const signal of EXIT_SIGNALS) process.once(signal, onSignal);
  return remove;
}
