import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryLogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { start, type StartOptions, type SwarmtrailHandle } from '../../src/index.js';

/** A started swarmtrail with in-memory exporters, a throwaway trail directory and no exit hooks. */
export interface Harness {
  readonly handle: SwarmtrailHandle;
  readonly spans: InMemorySpanExporter;
  readonly logs: InMemoryLogRecordExporter;
  readonly metrics: InMemoryMetricExporter;
  readonly directory: string;
  /** Flushes everything and returns what was exported. */
  collect(): Promise<{ spans: ReadableSpan[]; records: ReadableLogRecord[] }>;
  stop(): Promise<void>;
}

export function startHarness(options: StartOptions = {}): Harness {
  const directory = mkdtempSync(join(tmpdir(), 'swarmtrail-test-'));
  const spans = new InMemorySpanExporter();
  const logs = new InMemoryLogRecordExporter();
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const handle = start({
    serviceName: 'test-service',
    directory,
    handleExitSignals: false,
    env: {},
    // Chaining is tested in test/integrity and test/setup; here it would add checkpoint records.
    integrity: false,
    // system.start/stop and run/agent start records and process metrics are tested in
    // test/setup/system.test.ts and test/e2e.
    systemEvents: false,
    auditStartRecords: false,
    processMetrics: false,
    ...options,
    spanExporters: [spans, ...(options.spanExporters ?? [])],
    logRecordExporters: [logs, ...(options.logRecordExporters ?? [])],
    metricReaders: [
      new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 }),
      ...(options.metricReaders ?? []),
    ],
  });
  return {
    handle,
    spans,
    logs,
    metrics,
    directory,
    async collect() {
      await handle.forceFlush();
      return { spans: spans.getFinishedSpans(), records: logs.getFinishedLogRecords() };
    },
    async stop() {
      await handle.shutdown();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The attributes of a span or record as a plain object, for snapshots. */
export function attrs(item: { attributes: Record<string, unknown> }): Record<string, unknown> {
  return { ...item.attributes };
}

/** A stable, snapshot-friendly view of a span: volatile ids and times removed. */
export function spanShape(span: ReadableSpan) {
  return {
    name: span.name,
    kind: span.kind,
    status: span.status,
    attributes: attrs(span),
    events: span.events.map((event) => ({ name: event.name, attributes: Object.keys(event.attributes ?? {}) })),
    links: span.links.length,
  };
}

const VOLATILE = new Set(['audit.event.id', 'audit.duration', 'audit.run.id', 'audit.span.parent_id']);

/** A stable view of a log record: event id, duration and run id replaced by their types. */
export function recordShape(record: ReadableLogRecord) {
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record.attributes)) {
    attributes[key] = VOLATILE.has(key) ? typeof value : value;
  }
  return {
    eventName: record.eventName,
    severityText: record.severityText,
    severityNumber: record.severityNumber,
    body: typeof record.body === 'string' ? record.body.replace(/\d+(\.\d+)? (ms|s)\b/, '<duration>') : record.body,
    attributes,
    hasSpanContext: record.spanContext !== undefined,
  };
}
