/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read loosely typed OTLP/JSON */
/**
 * Outage test through the SDK entry point: three short-lived processes run a small swarm with
 * `start({ endpoint })` (journal wired by start(), shipper on) against a local OTLP/HTTP receiver
 * that is down for the first, flaky (503s, dropped connections) for the second and up for the
 * third. Every span and log record any of them journaled must have arrived.
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
const child = fileURLToPath(new URL('./fixtures/sdk-child.ts', import.meta.url));

function runSwarm(directory: string, endpoint: string, label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(
      process.execPath,
      ['--experimental-transform-types', '--no-warnings', '--import', loader, child, directory, endpoint, label],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    process_.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const guard = setTimeout(() => process_.kill('SIGKILL'), 40_000);
    process_.on('exit', (code) => {
      clearTimeout(guard);
      const match = /done ([0-9a-f]{32})/.exec(stdout);
      if (code === 0 && match) resolve(match[1]!);
      else reject(new Error(`swarm child (${label}) exited with ${code}; stdout: ${stdout}; stderr: ${stderr}`));
    });
  });
}

function recordId(record: any): string {
  const entry = record.attributes.find((attribute: any) => attribute.key === 'audit.event.id' || attribute.key === 'swarmtrail.record.id');
  return entry.value.stringValue;
}

describe('outage through start(): down, flaky, up', () => {
  it('every span and log record journaled by the SDK reaches the collector', async () => {
    const directory = temporaryDirectory('swarmtrail-sdk-outage-');
    const receiver = new OtlpReceiver();
    try {
      await receiver.start();
      const port = receiver.port;
      await receiver.stop();
      const endpoint = `http://127.0.0.1:${port}`;
      const trail = join(directory.path, 'trail');
      const journalDirectory = join(trail, 'journal');

      const runs = [await runSwarm(trail, endpoint, 'down')];
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
      runs.push(await runSwarm(trail, endpoint, 'flaky'));
      const flakyRequests = receiver.requests;

      receiver.behaviour = () => false;
      runs.push(await runSwarm(trail, endpoint, 'up'));

      const journaledSpans = spansOf(readJournalLines(journalDirectory, 'traces'));
      const journaledLogs = logRecordsOf(readJournalLines(journalDirectory, 'logs'));
      // Each run: 1 workflow + 3 agents + 15 tools = 19 spans, and their audit records.
      expect(journaledSpans).toHaveLength(3 * 19);
      expect(new Set(journaledSpans.map((span) => span.traceId))).toEqual(new Set(runs));
      expect(journaledLogs.length).toBeGreaterThanOrEqual(3 * (15 + 19));

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
