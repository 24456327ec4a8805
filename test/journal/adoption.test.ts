/**
 * Adoption of a gone process's directory (`<journal>/process-<pid>/`) by the process holding the
 * main lock: recovery, shipping, and removal only once everything in it is acknowledged.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, test } from 'vitest';
import { Journal } from '../../src/journal/Journal.js';
import { temporaryDirectory } from './helpers.js';
import { OtlpReceiver } from './receiver.js';

function logLine(ids: readonly string[]): string {
  const logRecords = ids.map((id) => ({
    timeUnixNano: '1700000000000000000',
    eventName: 'audit.decision',
    attributes: [
      { key: 'audit.event.id', value: { stringValue: id } },
      { key: 'audit.event.type', value: { stringValue: 'decision' } },
    ],
  }));
  return `${JSON.stringify({ resourceLogs: [{ resource: {}, scopeLogs: [{ scope: { name: 'test' }, logRecords }] }] })}\n`;
}

/** A process directory left by a process killed in the middle of a write: stale lock, torn tail. */
function orphanedDirectory(journal: string): string {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  const directory = join(journal, `process-${pid}`);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'journal.lock'), String(pid));
  writeFileSync(join(directory, 'logs-0000000001.jsonl'), logLine(['orphan-1', 'orphan-2']) + logLine(['orphan-3']) + '{"resourceLogs":[{"res');
  return directory;
}

async function until(condition: () => boolean, what: string, timeoutMillis = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('adopting the directory of a gone process', () => {
  let trail: ReturnType<typeof temporaryDirectory>;
  const receiver = new OtlpReceiver();
  beforeEach(async () => {
    trail = temporaryDirectory();
    receiver.behaviour = () => false;
    await receiver.start();
  });
  afterEach(async () => {
    await receiver.stop();
    trail.remove();
  });

  it('without an endpoint: cuts the torn tail, releases the lock and keeps the directory readable', async () => {
    const orphan = orphanedDirectory(trail.path);
    const journal = new Journal({ directory: trail.path });
    try {
      await until(() => !existsSync(join(orphan, 'journal.lock')), 'the adoption');
      expect(readFileSync(join(orphan, 'logs-0000000001.jsonl'), 'utf8')).toBe(logLine(['orphan-1', 'orphan-2']) + logLine(['orphan-3']));
    } finally {
      await journal.shutdown();
    }
  });

  it('with an endpoint: ships everything in it, then removes it', async () => {
    const orphan = orphanedDirectory(trail.path);
    const journal = new Journal({
      directory: trail.path,
      export: { endpoint: `http://127.0.0.1:${receiver.port}`, initialBackoffMillis: 20, maxBackoffMillis: 50 },
    });
    try {
      await until(() => !existsSync(orphan), 'the directory to be removed');
      expect(receiver.ids('/v1/logs').sort()).toEqual(['orphan-1', 'orphan-2', 'orphan-3']);
    } finally {
      await journal.shutdown();
    }
  });

  it('keeps the directory while the collector is down, and ships it once it is back', async () => {
    const orphan = orphanedDirectory(trail.path);
    receiver.behaviour = (_number, _request, response) => {
      response.writeHead(503).end('down');
      return true;
    };
    const journal = new Journal({
      directory: trail.path,
      orphanCheckIntervalMillis: 100,
      export: { endpoint: `http://127.0.0.1:${receiver.port}`, initialBackoffMillis: 20, maxBackoffMillis: 50 },
    });
    try {
      await until(() => receiver.requests >= 3, 'retries');
      expect(readdirSync(orphan)).toContain('logs-0000000001.jsonl');
      receiver.behaviour = () => false;
      await until(() => !existsSync(orphan), 'the directory to be removed');
      expect(new Set(receiver.ids('/v1/logs'))).toEqual(new Set(['orphan-1', 'orphan-2', 'orphan-3']));
    } finally {
      await journal.shutdown();
    }
  });

  it('never removes a directory holding lines the collector rejected (dead letters)', async () => {
    const orphan = orphanedDirectory(trail.path);
    receiver.behaviour = (_number, request, response) => {
      if (request.url !== '/v1/logs') return false;
      response.writeHead(400).end('rejected');
      return true;
    };
    const journal = new Journal({
      directory: trail.path,
      orphanCheckIntervalMillis: 100,
      export: { endpoint: `http://127.0.0.1:${receiver.port}`, initialBackoffMillis: 20, maxBackoffMillis: 50 },
    });
    try {
      await until(() => existsSync(join(orphan, 'cursor.json')) && !existsSync(join(orphan, 'journal.lock')), 'an adoption round');
      await new Promise((resolve) => setTimeout(resolve, 500)); // a few more rounds
      expect(existsSync(orphan)).toBe(true);
      expect(readFileSync(join(orphan, 'logs-0000000001.jsonl'), 'utf8')).toBe(logLine(['orphan-1', 'orphan-2']) + logLine(['orphan-3']));
      expect(JSON.parse(readFileSync(join(orphan, 'cursor.json'), 'utf8')).deadLetters.length).toBeGreaterThan(0);
    } finally {
      await journal.shutdown();
    }
  });
});

test('a process directory whose dead-letter notes were capped away is still not fully shipped', async () => {
  const { isFullyShipped } = await import('../../src/journal/ProcessDirectoryAdopter.js');
  const directory = mkdtempSync(join(tmpdir(), 'swarmtrail-deadletters-'));
  try {
    writeFileSync(join(directory, 'logs-0000000001.jsonl'), '{"resourceLogs":[]}\n');
    const base = { version: 1, signals: { logs: { segment: 2, offset: 0 } }, deadLetters: [], updatedAt: new Date().toISOString() };
    writeFileSync(join(directory, 'cursor.json'), JSON.stringify(base));
    expect(isFullyShipped(directory, ['logs'])).toBe(true);
    // The notes (capped at 1000) no longer name segment 1, but the uncapped per-segment list does.
    writeFileSync(join(directory, 'cursor.json'), JSON.stringify({ ...base, deadLetterSegments: [{ signal: 'logs', segment: 1, records: 5, at: new Date().toISOString() }] }));
    expect(isFullyShipped(directory, ['logs'])).toBe(false);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
