/**
 * Redaction benchmark, on the built output:
 *   npx tsc -p tsconfig.build.json && node dist/bench/redaction.js [--seconds N] [--no-write]
 *
 * - throughput on mixed text (the labelled corpus generator's lines: logs, JSON tool arguments,
 *   shell, URLs, headers, stack traces, prompts, env dumps, YAML; ~5% carry a secret), on one
 *   core, per value (line by line) and in 64 KiB chunks; best of several rounds, CPU time;
 * - the cost redaction adds to a span (RedactingSpanProcessor) and to an audit event
 *   (RedactingLogRecordProcessor), against the raw OpenTelemetry SDK in the same process.
 * Results go to docs/benchmarks.md between `<!-- redaction:start -->` and `<!-- redaction:end -->`.
 */
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SeverityNumber } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { SimpleSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { RedactingLogRecordProcessor } from '../src/processors/RedactingLogRecordProcessor.js';
import { RedactingSpanProcessor } from '../src/processors/RedactingSpanProcessor.js';
import { Redactor } from '../src/redaction/Redactor.js';
import { mixedText } from '../test/redaction/corpus.js';
import { replaceSection } from './sections.js';

const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET_MB_PER_SECOND = 100;

class DiscardingSpanExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

class DiscardingLogRecordExporter implements LogRecordExporter {
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  export(_records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** CPU milliseconds of the best of `rounds` runs of `run`. */
function bestCpuMillis(rounds: number, run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    const before = process.cpuUsage();
    run();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

function throughput(redactor: Redactor, values: readonly string[], rounds: number): number {
  const bytes = values.reduce((sum, value) => sum + Buffer.byteLength(value), 0);
  for (const value of values) redactor.redactString(value);
  const millis = bestCpuMillis(rounds, () => {
    for (const value of values) redactor.redactString(value);
  });
  return bytes / 1_048_576 / (millis / 1000);
}

/** Microseconds per span for a typical GenAI tool span, with and without redaction. */
function spanCost(redactor: Redactor | undefined, count: number, rounds: number): number {
  const exporter = new DiscardingSpanExporter();
  const spanProcessors = [
    ...(redactor === undefined ? [] : [new RedactingSpanProcessor({ redactor })]),
    new SimpleSpanProcessor({ exporter }),
  ];
  const tracer = new TracerProvider({ spanProcessors }).getTracer('bench');
  const run = (): void => {
    for (let index = 0; index < count; index++) {
      const span = tracer.startSpan('execute_tool web_search', {
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'web_search',
          'gen_ai.tool.call.id': `call_${index}`,
          'gen_ai.agent.name': 'researcher',
          'gen_ai.workflow.name': 'market-report',
          'gen_ai.tool.call.arguments': '{"query":"agent observability vendors 2026","max_results":5}',
          'gen_ai.tool.call.result': '{"results":[{"title":"Tracing agents with OpenTelemetry","url":"https://example.com/a"}]}',
          'server.address': 'api.example.com',
          'audit.outcome': 'success',
        },
      });
      span.addEvent('tool.retry', { attempt: 1, reason: 'timeout after 3000 ms' });
      span.end();
    }
  };
  run();
  return (bestCpuMillis(rounds, run) * 1000) / count;
}

/** Microseconds per audit record (7 attributes and a short body), with and without redaction. */
function auditCost(redactor: Redactor | undefined, count: number, rounds: number): number {
  const exporter = new DiscardingLogRecordExporter();
  const processors = [
    ...(redactor === undefined ? [] : [new RedactingLogRecordProcessor({ redactor })]),
    new SimpleLogRecordProcessor({ exporter }),
  ];
  const logger = new LoggerProvider({ processors }).getLogger('bench');
  const run = (): void => {
    for (let index = 0; index < count; index++) {
      logger.emit({
        eventName: 'audit.tool.end',
        severityNumber: SeverityNumber.INFO,
        body: 'tool web_search finished',
        attributes: {
          'audit.event.type': 'tool.end',
          'audit.event.id': `0190a1b2-c3d4-7e5f-8a9b-${String(index).padStart(12, '0')}`,
          'audit.outcome': 'success',
          'audit.duration': 0.412,
          'gen_ai.tool.name': 'web_search',
          'gen_ai.agent.name': 'researcher',
          'gen_ai.workflow.name': 'market-report',
        },
      });
    }
  };
  run();
  return (bestCpuMillis(rounds, run) * 1000) / count;
}

function main(): void {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, 'no-write': { type: 'boolean' } } });
  const rounds = Number(values.rounds ?? 7);
  const loadBefore = loadavg()[0];
  const redactor = new Redactor();
  const text = mixedText(4 * 1_048_576);
  const lines = text.split('\n');
  const chunks: string[] = [];
  for (let start = 0; start < text.length; start += 65_536) chunks.push(text.slice(start, start + 65_536));
  const perValue = throughput(redactor, lines, rounds);
  const perChunk = throughput(redactor, chunks, rounds);
  const count = 20_000;
  const spanRaw = spanCost(undefined, count, rounds);
  const spanRedacted = spanCost(redactor, count, rounds);
  const auditRaw = auditCost(undefined, count, rounds);
  const auditRedacted = auditCost(redactor, count, rounds);
  const loadAfter = loadavg()[0];
  const averageLine = text.length / lines.length;
  const verdict = (value: number): string => (value >= TARGET_MB_PER_SECOND ? 'met' : 'NOT met');

  const table = [
    `Redaction with the default preset, one Node thread (CPU time, best of ${rounds} rounds), on ${cpus().length} shared cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after (other work shared the machine).`,
    `Mixed text: 4 MiB from the labelled corpus generator (test/redaction/corpus.ts: log lines, JSON tool arguments, nested JSON, shell commands, URLs, HTTP headers, stack traces, prompts, env dumps, YAML; about 5% of lines carry a secret), ${lines.length} lines averaging ${averageLine.toFixed(0)} bytes.`,
    '',
    '| Measure | Result | Target |',
    '| --- | ---: | --- |',
    `| Throughput, value by value (each line redacted as one attribute value) | ${perValue.toFixed(1)} MB/s | >= ${TARGET_MB_PER_SECOND} MB/s: ${verdict(perValue)} |`,
    `| Throughput, 64 KiB chunks | ${perChunk.toFixed(1)} MB/s | >= ${TARGET_MB_PER_SECOND} MB/s: ${verdict(perChunk)} |`,
    `| Span (9 attributes incl. 2 JSON strings, 1 event): raw SDK | ${spanRaw.toFixed(2)} µs | |`,
    `| Span: with RedactingSpanProcessor | ${spanRedacted.toFixed(2)} µs (+${(spanRedacted - spanRaw).toFixed(2)} µs, ${(spanRedacted / spanRaw).toFixed(2)}x) | |`,
    `| Audit event (7 attributes, short body): raw SDK | ${auditRaw.toFixed(2)} µs | |`,
    `| Audit event: with RedactingLogRecordProcessor | ${auditRedacted.toFixed(2)} µs (+${(auditRedacted - auditRaw).toFixed(2)} µs, ${(auditRedacted / auditRaw).toFixed(2)}x) | |`,
    '',
    'MB = 2^20 bytes. Span and audit figures: CPU time per item, SimpleSpanProcessor / SimpleLogRecordProcessor into a discarding exporter, same process.',
    '',
    'Reproduce: `npx tsc -p tsconfig.build.json && node dist/bench/redaction.js` (options: `--rounds N`, `--no-write`).',
  ].join('\n');
  console.log(table);
  if (values['no-write'] !== true) replaceSection(join(repository, 'docs', 'benchmarks.md'), 'redaction', table, '## Redaction');
}

main();
