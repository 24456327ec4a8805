/**
 * Builds real trails for the integrity tests: the OpenTelemetry SDK (TracerProvider for the run's
 * spans, LoggerProvider with the hash-chain processor and an in-memory exporter), serialised to
 * OTLP/JSON lines with @opentelemetry/otlp-transformer's JSON serializer, as the journal stores them.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_CONTEXT, SeverityNumber, trace, type Context } from '@opentelemetry/api';
import { JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { resolveSigningKey, type SigningKey } from '../../src/integrity/keys.js';
import { HashChainLogRecordProcessor, type HashChainLogRecordProcessorOptions } from '../../src/processors/HashChainLogRecordProcessor.js';

/** A fixed test key (generated once per process; tests never depend on its bytes). */
let testKey: SigningKey | undefined;
export function testSigningKey(): SigningKey {
  testKey ??= resolveSigningKey({ signingKey: generateKeyPairSync('ed25519').privateKey, keyDirectory: '/nonexistent' });
  return testKey;
}

export interface Trail {
  readonly records: ReadableLogRecord[];
  readonly traceIds: string[];
  readonly processor: HashChainLogRecordProcessor;
}

export interface TrailOptions extends Partial<HashChainLogRecordProcessorOptions> {
  /** Runs to simulate. Default 2. */
  readonly runs?: number;
  /** Audit records per run before run.end. Default 6. */
  readonly recordsPerRun?: number;
  /** Also emit a non-audit log record per run. Default true. */
  readonly plainLogs?: boolean;
}

/** Emits a small swarm run's worth of audit records per run through the real SDK. */
export async function makeTrail(options: TrailOptions = {}): Promise<Trail> {
  const exporter = new InMemoryLogRecordExporter();
  const processor = new HashChainLogRecordProcessor({
    key: testSigningKey(),
    checkpointEveryRecords: 4,
    checkpointIntervalSeconds: 0,
    ...options,
  });
  const resource = resourceFromAttributes({ 'service.name': 'integrity-test', 'service.version': '1.2.3', 'process.pid': 4242 });
  const provider = new LoggerProvider({ resource, processors: [processor, new SimpleLogRecordProcessor({ exporter })] });
  processor.setLoggerProvider(provider);
  const logger = provider.getLogger('swarmtrail', '0.1.0');
  const tracerProvider = new TracerProvider({ resource });
  const tracer = tracerProvider.getTracer('swarmtrail');
  const traceIds: string[] = [];
  const emitAudit = (context: Context, type: string, extra: Record<string, string | number | boolean | string[]> = {}): void => {
    logger.emit({
      eventName: `audit.${type}`,
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: `${type} happened`,
      attributes: { 'audit.event.type': type, 'audit.event.id': `id-${type}-${Math.random().toString(16).slice(2)}`, 'audit.outcome': 'success', ...extra },
      context,
    });
  };
  for (let run = 0; run < (options.runs ?? 2); run += 1) {
    const root = tracer.startSpan('invoke_workflow triage', {}, ROOT_CONTEXT);
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    traceIds.push(root.spanContext().traceId);
    for (let i = 0; i < (options.recordsPerRun ?? 6); i += 1) {
      const tool = tracer.startSpan('execute_tool search', {}, rootContext);
      const toolContext = trace.setSpan(rootContext, tool);
      emitAudit(toolContext, i % 2 === 0 ? 'tool.end' : 'decision', {
        'gen_ai.tool.name': 'search',
        'gen_ai.agent.name': `agent-${i % 3}`,
        // Durations jq prints in exponent form and ECMAScript in decimal (0.000093072) or with
        // another exponent (1.5e-7), so the by-hand recipe is checked against both.
        'audit.duration': [0.25, 0.000093072, 1.5e-7, 3.75][i % 4],
        'audit.attempt': i,
        'swarmtrail.redacted.kinds': ['email'],
        'audit.approved': i % 3 === 0,
      });
      if ((options.plainLogs ?? true) && i === 1) {
        logger.emit({ severityNumber: SeverityNumber.DEBUG, body: 'plain application log, not chained', context: toolContext });
      }
      tool.end();
      await Promise.resolve(); // agents are asynchronous: due checkpoints get their microtask
    }
    emitAudit(rootContext, 'run.end', { 'gen_ai.workflow.name': 'triage', 'audit.duration': 12.5 });
    await Promise.resolve(); // the final checkpoint follows in a microtask
    root.end();
  }
  await provider.forceFlush();
  const records = [...exporter.getFinishedLogRecords()];
  await provider.shutdown();
  await tracerProvider.shutdown();
  return { records, traceIds, processor };
}

/** OTLP/JSON export request lines, `batchSize` records per line. */
export function toOtlpLines(records: readonly ReadableLogRecord[], batchSize = 3): string[] {
  const lines: string[] = [];
  for (let i = 0; i < records.length; i += batchSize) {
    const bytes = JsonLogsSerializer.serializeRequest(records.slice(i, i + batchSize));
    if (bytes === undefined) throw new Error('serializer returned nothing');
    lines.push(Buffer.from(bytes).toString('utf8'));
  }
  return lines;
}

/** Writes lines as a journal segment `logs-0000000001.jsonl` in `dir`; returns the file path. */
export function writeJournal(dir: string, lines: readonly string[], name = 'logs-0000000001.jsonl'): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, lines.map((line) => `${line}\n`).join(''));
  return path;
}

let otherKey: SigningKey | undefined;
/** A second key, for "signed by someone else". */
export function otherSigningKey(): SigningKey {
  otherKey ??= resolveSigningKey({ signingKey: generateKeyPairSync('ed25519').privateKey, keyDirectory: '/nonexistent' });
  return otherKey;
}
