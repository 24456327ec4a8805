/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read loosely typed OTLP/JSON */
/**
 * Outage test with the demo (examples/demo-swarm.ts, run from source): three demo processes with
 * OTEL_EXPORTER_OTLP_ENDPOINT pointing at a local OTLP/HTTP receiver that is down for the first,
 * flaky (503s, dropped connections) for the second and up for the third. The journal wired by
 * start() spools; every span and log record any of them journaled must have arrived.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listSegments } from '../../src/journal/segments.js';
import { logRecordsOf, readJournalLines, spansOf, temporaryDirectory } from './helpers.js';
import { OtlpReceiver } from './receiver.js';

const loader = fileURLToPath(new URL('./fixtures/ts-loader.mjs', import.meta.url));
const demo = fileURLToPath(new URL('../../examples/demo-swarm.ts', import.meta.url));

interface DemoRun {
  readonly runId: string;
  readonly spans: number;
}

function runDemo(directory: string, endpoint: string, label: string): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', loader, demo], {
      cwd: directory,
      env: {
        PATH: process.env['PATH'],
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        SWARMTRAIL_JOURNAL_DIR: join(directory, 'journal'),
        SWARMTRAIL_DEMO_OUTPUT: join(directory, `output-${label}`),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    process_.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const guard = setTimeout(() => process_.kill('SIGKILL'), 40_000);
    // 'close', not 'exit': only then has all of the child's stdout been read.
    process_.on('close', (code) => {
      clearTimeout(guard);
      const run = /run ([0-9a-f]{32})/.exec(stdout);
      const spans = /recorded: (\d+) spans/.exec(stdout);
      if (code === 0 && run && spans) resolve({ runId: run[1], spans: Number(spans[1]) });
      else reject(new Error(`demo (${label}) exited with ${code}; stdout: ${stdout}; stderr: ${stderr}`));
    });
  });
}

function recordId(record: any): string {
  const entry = record.attributes.find((attribute: any) => attribute.key === 'audit.event.id' || attribute.key === 'swarmtrail.record.id');
  return entry.value.stringValue;
}

describe('outage with the demo: collector down, flaky, up', () => {
  it('every span and log record the demo journaled reaches the collector', async () => {
    const directory = temporaryDirectory('swarmtrail-sdk-outage-');
    const receiver = new OtlpReceiver();
    try {
      await receiver.start();
      const port = receiver.port;
      await receiver.stop();
      const endpoint = `http://127.0.0.1:${port}`;
      const journalDirectory = join(directory.path, 'journal');

      const runs = [await runDemo(directory.path, endpoint, 'down')];
      expect(receiver.received).toHaveLength(0);

      receiver.behaviour = (number, request, response) => {
        if (number % 3 === 0) {
          response.writeHead(503).end('overloaded');
          return true;
        }
        if (number % 3 === 1) {
          request.socket.destroy();
          return true;
        }
        return false;
      };
      await receiver.start(port);
      runs.push(await runDemo(directory.path, endpoint, 'flaky'));
      const flakyRequests = receiver.requests;

      receiver.behaviour = () => false;
      runs.push(await runDemo(directory.path, endpoint, 'up'));

      const journaledSpans = spansOf(readJournalLines(journalDirectory, 'traces'));
      const journaledLogs = logRecordsOf(readJournalLines(journalDirectory, 'logs'));
      // What the demos say they recorded is what the journal holds.
      expect(journaledSpans).toHaveLength(runs.reduce((sum, run) => sum + run.spans, 0));
      expect(new Set(journaledSpans.map((span) => span.traceId))).toEqual(new Set(runs.map((run) => run.runId)));
      expect(journaledLogs.length).toBeGreaterThan(runs.length * 10);

      const receivedSpans = new Set(receiver.ids('/v1/traces'));
      const receivedLogs = new Set(receiver.ids('/v1/logs'));
      expect(journaledSpans.map((span) => `${span.traceId}:${span.spanId}`).filter((id) => !receivedSpans.has(id))).toEqual([]);
      expect(journaledLogs.map(recordId).filter((id) => !receivedLogs.has(id))).toEqual([]);
      expect(receiver.received.some((request) => request.path === '/v1/metrics')).toBe(true);
      expect(flakyRequests).toBeGreaterThanOrEqual(3); // the flaky phase was exercised

      // The cursor ends at the end of every signal's last segment: nothing left to ship.
      const cursor = JSON.parse(readFileSync(join(journalDirectory, 'cursor.json'), 'utf8'));
      for (const signal of ['traces', 'logs', 'metrics'] as const) {
        const last = (await listSegments(journalDirectory)).filter((segment) => segment.signal === signal).at(-1)!;
        expect(last.compressed).toBe(false);
        expect(cursor.signals[signal]).toEqual({ segment: last.seq, offset: statSync(last.path).size });
      }
      expect(cursor.deadLetters).toEqual([]);
    } finally {
      await receiver.stop();
      directory.remove();
    }
  }, 120_000);
});
