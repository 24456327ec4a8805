/**
 * Journal append throughput per durability mode, on the built output:
 * `npx tsc -p tsconfig.build.json && node dist/bench/journal.js [--records N] [--rounds N] [--no-write]`.
 *
 * Each round emits audit log records through the real logs SDK with the JournalLogRecordProcessor
 * (the path the SDK uses), yielding to the event loop every 1000 records as an async agent would,
 * and stops the clock when `journal.flush()` resolved, i.e. when every record is durable per the
 * mode. The same loop is timed with the SDK alone (no processor) and with pino writing JSON lines
 * to a file, for ratios. Results go to docs/benchmarks.md between `<!-- journal:start -->` and
 * `<!-- journal:end -->`.
 */
import { mkdtempSync, rmSync, readdirSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { appendFileSync } from 'node:fs';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { JsonLogsSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import pino from 'pino';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Journal } from '../src/journal/Journal.js';
import { JournalShipper } from '../src/journal/JournalShipper.js';
import type { JournalDurability } from '../src/journal/Journal.js';
import { JournalLogRecordProcessor } from '../src/processors/JournalLogRecordProcessor.js';
import { JournalSpanProcessor } from '../src/processors/JournalSpanProcessor.js';
import { replaceSection } from './sections.js';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    'no-write': { type: 'boolean', default: false },
  },
});
const RECORDS = Number(values.records);
const ROUNDS = Number(values.rounds);
const resource = resourceFromAttributes({ 'service.name': 'bench', 'service.version': '1.0.0' });
const scratch = mkdtempSync(join(repository, '.cache-bench-journal-'));

const yieldNow = (): Promise<void> => new Promise((done) => setImmediate(done));

function attributesFor(index: number): Record<string, string | number> {
  return {
    'audit.event.id': `0193a7c2-7b1e-7c3d-9f00-${String(index).padStart(12, '0')}`,
    'audit.event.type': 'tool.end',
    'audit.outcome': 'success',
    'audit.duration': 0.0123,
    'gen_ai.workflow.name': 'research-swarm',
    'gen_ai.agent.name': 'researcher',
    'gen_ai.tool.name': 'web_search',
  };
}

interface Measurement {
  readonly recordsPerSecond: number;
  readonly bytesPerRecord: number;
}

function directorySize(directory: string): number {
  return readdirSync(directory).reduce((sum, name) => sum + statSync(join(directory, name)).size, 0);
}

/** Raw OpenTelemetry baseline: a batch processor whose exporter appends OTLP/JSON lines to a file (no fsync). */
class OtlpJsonFileExporter implements LogRecordExporter, SpanExporter {
  constructor(
    private readonly file: string,
    private readonly signal: 'logs' | 'spans',
  ) {}
  export(items: ReadableLogRecord[] | ReadableSpan[], done: (result: ExportResult) => void): void {
    const bytes = this.signal === 'spans'
      ? JsonTraceSerializer.serializeRequest(items as ReadableSpan[])
      : JsonLogsSerializer.serializeRequest(items as ReadableLogRecord[]);
    appendFileSync(this.file, Buffer.concat([Buffer.from(bytes!), Buffer.from('\n')]));
    done({ code: ExportResultCode.SUCCESS });
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

async function rawOpenTelemetry(signal: 'logs' | 'spans', records: number, round: number): Promise<Measurement> {
  const file = join(scratch, `raw-${signal}-${round}.jsonl`);
  const exporter = new OtlpJsonFileExporter(file, signal);
  const options = { exporter, maxQueueSize: records, maxExportBatchSize: 512, scheduledDelayMillis: 200 };
  const started = process.hrtime.bigint();
  if (signal === 'logs') {
    const provider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor(options)] });
    const logger = provider.getLogger('swarmtrail', '0.1.0');
    for (let index = 0; index < records; index++) {
      logger.emit({ eventName: 'audit.tool.end', body: 'tool finished', attributes: attributesFor(index) });
      if (index % 1000 === 999) await yieldNow();
    }
    await provider.forceFlush();
  } else {
    const provider = new TracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(options)] });
    const tracer = provider.getTracer('swarmtrail', '0.1.0');
    for (let index = 0; index < records; index++) {
      tracer.startSpan('execute_tool web_search', { attributes: attributesFor(index) }).end();
      if (index % 1000 === 999) await yieldNow();
    }
    await provider.forceFlush();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { recordsPerSecond: records / seconds, bytesPerRecord: statSync(file).size / records };
}

async function journalLogs(durability: JournalDurability, records: number, round: number): Promise<Measurement> {
  const directory = join(scratch, `${durability}-${round}`);
  const journal = new Journal({ directory, durability, compressClosedSegments: false, maxBytes: 64 * 1024 ** 3 });
  const provider = new LoggerProvider({ resource, processors: [new JournalLogRecordProcessor({ journal })] });
  const logger = provider.getLogger('swarmtrail', '0.1.0');
  const started = process.hrtime.bigint();
  for (let index = 0; index < records; index++) {
    logger.emit({ eventName: 'audit.tool.end', body: 'tool finished', attributes: attributesFor(index) });
    if (index % 1000 === 999) await yieldNow();
  }
  await journal.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const bytes = directorySize(directory);
  await journal.shutdown();
  await provider.shutdown();
  rmSync(directory, { recursive: true, force: true });
  return { recordsPerSecond: records / seconds, bytesPerRecord: bytes / records };
}

async function journalSpans(records: number, round: number): Promise<Measurement> {
  const directory = join(scratch, `spans-${round}`);
  const journal = new Journal({ directory, compressClosedSegments: false, maxBytes: 64 * 1024 ** 3 });
  const provider = new TracerProvider({ resource, spanProcessors: [new JournalSpanProcessor({ journal })] });
  const tracer = provider.getTracer('swarmtrail', '0.1.0');
  const started = process.hrtime.bigint();
  for (let index = 0; index < records; index++) {
    tracer.startSpan('execute_tool web_search', { attributes: attributesFor(index) }).end();
    if (index % 1000 === 999) await yieldNow();
  }
  await journal.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const bytes = directorySize(directory);
  await journal.shutdown();
  await provider.shutdown();
  rmSync(directory, { recursive: true, force: true });
  return { recordsPerSecond: records / seconds, bytesPerRecord: bytes / records };
}

async function pinoFile(records: number, round: number): Promise<Measurement> {
  const file = join(scratch, `pino-${round}.log`);
  const destination = pino.destination({ dest: file, sync: false, minLength: 4096 });
  const logger = pino({ base: { 'service.name': 'bench' } }, destination);
  const started = process.hrtime.bigint();
  for (let index = 0; index < records; index++) {
    logger.info(attributesFor(index), 'tool finished');
    if (index % 1000 === 999) await yieldNow();
  }
  await new Promise<void>((done) => destination.flush(() => done()));
  destination.flushSync();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const bytes = statSync(file).size;
  destination.end();
  return { recordsPerSecond: records / seconds, bytesPerRecord: bytes / records };
}

interface ShipMeasurement {
  readonly recordsPerSecond: number;
  readonly bytesPerRecord: number;
  readonly requests: number;
}

/**
 * Shipping (catch-up) throughput: a journal of `records` audit records shipped from the start by
 * `JournalShipper.shipOnce()` to a local OTLP/HTTP sink on 127.0.0.1 that answers 200 at once.
 */
async function shipping(records: number): Promise<Record<'http/protobuf' | 'http/json', ShipMeasurement>> {
  const directory = join(scratch, 'shipping');
  const journal = new Journal({ directory, maxBytes: 64 * 1024 ** 3 });
  const provider = new LoggerProvider({ resource, processors: [new JournalLogRecordProcessor({ journal })] });
  const logger = provider.getLogger('swarmtrail', '0.1.0');
  for (let index = 0; index < records; index++) {
    logger.emit({ eventName: 'audit.tool.end', body: 'tool finished', attributes: attributesFor(index) });
    if (index % 1000 === 999) await yieldNow();
  }
  await journal.shutdown();
  await provider.shutdown();
  let received = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (received += chunk.length));
    request.on('end', () => response.writeHead(200).end());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const results = {} as Record<'http/protobuf' | 'http/json', ShipMeasurement>;
  try {
    for (const protocol of ['http/protobuf', 'http/json'] as const) {
      rmSync(join(directory, 'cursor.json'), { force: true });
      received = 0;
      const shipper = new JournalShipper({ directory, endpoint, protocol });
      const started = process.hrtime.bigint();
      const result = await shipper.shipOnce(600_000);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      await shipper.shutdown();
      if (!result.complete || result.recordsShipped !== records) throw new Error(`shipping incomplete: ${JSON.stringify(result)}`);
      results[protocol] = { recordsPerSecond: records / seconds, bytesPerRecord: received / records, requests: result.requests };
    }
  } finally {
    server.close();
    rmSync(directory, { recursive: true, force: true });
  }
  return results;
}

const format = (value: number): string => Math.round(value).toLocaleString('en-US');

async function main(): Promise<void> {
  try {
    const recordModeRecords = Math.max(1000, Math.floor(RECORDS / 100));
    // Rounds are interleaved (every variant once per round) so load from other processes on a shared
    // machine spreads over all variants instead of skewing one.
    const variants: [string, number, (round: number) => Promise<Measurement>][] = [
      ['logs, durability `batch` (default: fsync per batch)', RECORDS, (round) => journalLogs('batch', RECORDS, round)],
      ['logs, durability `none` (no fsync)', RECORDS, (round) => journalLogs('none', RECORDS, round)],
      ['logs, durability `record` (fsync per record)', recordModeRecords, (round) => journalLogs('record', recordModeRecords, round)],
      ['spans, durability `batch`', RECORDS, (round) => journalSpans(RECORDS, round)],
      ['logs, raw OpenTelemetry: BatchLogRecordProcessor + OTLP/JSON appended to a file, no fsync (baseline)', RECORDS, (round) => rawOpenTelemetry('logs', RECORDS, round)],
      ['spans, raw OpenTelemetry: BatchSpanProcessor + OTLP/JSON appended to a file, no fsync (baseline)', RECORDS, (round) => rawOpenTelemetry('spans', RECORDS, round)],
      ['pino to a file, async (baseline)', RECORDS, (round) => pinoFile(RECORDS, round)],
    ];
    const results: Measurement[][] = variants.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, [, , run]] of variants.entries()) results[index].push(await run(round));
    }
    const medians = results.map((list) => [...list].sort((a, b) => a.recordsPerSecond - b.recordsPerSecond)[Math.floor(list.length / 2)]);
    const pinoResult = medians[medians.length - 1];
    const batch = medians[0];
    const rows: [string, number, Measurement, string][] = variants.map(([name, count], index) => [
      name,
      count,
      medians[index],
      index === 0 ? (batch.recordsPerSecond >= 100_000 ? '>= 100k/s: met' : '>= 100k/s: NOT met') : '',
    ]);
    const shipped = await shipping(RECORDS);
    const table = [
      `Append throughput: records emitted through the SDK until \`journal.flush()\` resolved (durable per the mode), yielding every 1000 records; median of ${ROUNDS} rounds on 2 shared cores (${cpus()[0]?.model ?? 'unknown CPU'}), ext4 on a virtual disk, Node ${process.version}. Audit records carry 7 attributes.`,
      '',
      '| Path | Records | Records/s | Bytes/record on disk | vs pino | Target |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      ...rows.map(
        ([name, count, result, target]) =>
          `| ${name} | ${format(count)} | ${format(result.recordsPerSecond)} | ${result.bytesPerRecord ? format(result.bytesPerRecord) : '-'} | ${(result.recordsPerSecond / pinoResult.recordsPerSecond).toFixed(2)}x | ${target} |`,
      ),
      '',
      `Shipping (catch-up after an outage): a journal of ${format(RECORDS)} audit records (gzip-compressed closed segments) shipped from the start by \`JournalShipper.shipOnce()\` to a local OTLP/HTTP sink on 127.0.0.1 answering 200, requests of up to 4 MiB of JSON.`,
      '',
      '| Protocol | Records/s | Requests | Bytes/record on the wire |',
      '| --- | ---: | ---: | ---: |',
      ...Object.entries(shipped).map(
        ([protocol, result]) => `| ${protocol} | ${format(result.recordsPerSecond)} | ${result.requests} | ${format(result.bytesPerRecord)} |`,
      ),
      '',
      'Reproduce: `npx tsc -p tsconfig.build.json && node dist/bench/journal.js` (options: `--records N`, `--rounds N`, `--no-write`).',
    ].join('\n');
    console.log(table);
    if (values['no-write'] !== true) replaceSection(join(repository, 'docs', 'benchmarks.md'), 'journal', table, '## Journal append throughput');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
