/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read loosely typed CLI JSON */
/**
 * Several processes writing one journal directory (the normal case for a swarm): the first holds
 * the directory's lock, the others journal to `process-<pid>/` inside it. Every record of every
 * process must be visible to the CLI and `verify`, and shipped: by its own process while it
 * lives, by the process holding the main lock (or the next one to start) once it is gone.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/fixtures.js';
import { temporaryDirectory } from './helpers.js';
import { OtlpReceiver } from './receiver.js';

const loader = fileURLToPath(new URL('./fixtures/ts-loader.mjs', import.meta.url));
const child = fileURLToPath(new URL('./fixtures/swarm-child.ts', import.meta.url));

interface SwarmChild {
  readonly pid: number;
  /** The directory the child's journal writes to. */
  readonly journal: Promise<string>;
  /** Resolves once the child's run is journaled. */
  readonly ran: Promise<void>;
  readonly exited: Promise<number | null>;
  /** Lets a child started with holdMillis -1 shut down. */
  release(): void;
}

function startChild(config: { directory: string; workflow: string; holdMillis: number; endpoint?: string; orphanCheckIntervalMillis?: number }): SwarmChild {
  const process_ = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', loader, child, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const guard = setTimeout(() => process_.kill('SIGKILL'), 60_000);
  process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waitFor = <T>(pattern: RegExp, map: (match: RegExpExecArray) => T): Promise<T> => {
    const promise = new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(stdout);
        if (match !== null) resolve(map(match));
      };
      process_.stdout.on('data', check);
      process_.on('close', () => {
        check();
        reject(new Error(`${config.workflow}: child ended before printing ${String(pattern)}; stderr: ${stderr}`));
      });
    });
    promise.catch(() => undefined);
    return promise;
  };
  process_.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    process_.on('close', (code) => {
      clearTimeout(guard);
      resolve(code);
    }),
  );
  return {
    pid: process_.pid!,
    journal: waitFor(/^journal (.*)$/m, (match) => match[1]),
    ran: waitFor(/^ran$/m, () => undefined),
    exited,
    release: () => process_.stdin.end(),
  };
}

function idsOf(trail: string, workflow: string): string[] {
  return readFileSync(join(trail, `${workflow}.ids`), 'utf8').split(',');
}

async function until(condition: () => boolean, what: string, timeoutMillis = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function runsOf(journal: string): Promise<string[]> {
  const result = await cli(['runs', '--json', '--limit', '0', '--dir', journal], { now: Date.now() });
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as any[]).map((run) => run.workflow).sort();
}

describe('several processes sharing one journal directory', () => {
  it('shows every process in the CLI and verify; without an endpoint a gone process stays readable', async () => {
    const trail = temporaryDirectory();
    try {
      const journal = join(trail.path, 'journal');
      const alpha = startChild({ directory: trail.path, workflow: 'alpha', holdMillis: -1 });
      expect(await alpha.journal).toBe(journal);
      await alpha.ran;
      // tail follows the journal while another process starts beside alpha.
      const stopTail = new AbortController();
      const tail = cli(['tail', '--json', '--lines', '0', '--interval', '25', '--type', 'decision', '--dir', journal], {
        now: Date.now(),
        signal: stopTail.signal,
      });
      const beta = startChild({ directory: trail.path, workflow: 'beta', holdMillis: 0 });
      const betaDirectory = join(journal, `process-${beta.pid}`);
      expect(await beta.journal).toBe(betaDirectory);
      expect(await beta.exited).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      stopTail.abort();
      const tailed = await tail;
      for (const id of idsOf(trail.path, 'beta')) expect(tailed.stdout).toContain(id);

      // While alpha still holds the lock: the CLI reads both processes.
      expect(await runsOf(journal)).toEqual(['alpha', 'beta']);
      const events = await cli(['events', '--json', '--type', 'decision', '--limit', '0', '--dir', journal], { now: Date.now() });
      const eventIds = (JSON.parse(events.stdout) as any[]).map((event) => event.id);
      expect(eventIds.sort()).toEqual([...idsOf(trail.path, 'alpha'), ...idsOf(trail.path, 'beta')].sort());
      expect(events.stdout).toContain(`process-${beta.pid}/logs-`); // the location names the file
      const runs = JSON.parse((await cli(['runs', '--json', '--dir', journal], { now: Date.now() })).stdout) as any[];
      const betaRun = runs.find((run) => run.workflow === 'beta').runId as string;
      const show = await cli(['show', betaRun.slice(0, 12), '--dir', journal], { now: Date.now() });
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toContain('beta decision 4');
      const exported = await cli(['export', '--format', 'json', '--dir', journal], { now: Date.now() });
      for (const id of idsOf(trail.path, 'beta')) expect(exported.stdout).toContain(id);
      const stats = await cli(['stats', '--json', '--dir', journal], { now: Date.now() });
      expect(JSON.parse(stats.stdout).runs.total).toBe(2);

      alpha.release();
      expect(await alpha.exited).toBe(0);
      // verify reads both processes' hash chains (alpha's own chain is sealed once it has ended).
      const verify = await cli(['verify', '--json', '--dir', journal], { now: Date.now() });
      const report = JSON.parse(verify.stdout);
      expect(report.ok, verify.stdout + verify.stderr).toBe(true);
      const alphaRun = runs.find((run) => run.workflow === 'alpha').runId as string;
      const chained = (report.chains as any[]).filter((chain) => chain.ok && chain.sealed).map((chain) => chain.traceId);
      expect(chained).toEqual(expect.arrayContaining([alphaRun, betaRun]));
      // The next process takes the main lock and adopts beta's directory: with no endpoint it stays
      // where it is, readable, and unlocked.
      const gamma = startChild({ directory: trail.path, workflow: 'gamma', holdMillis: 0 });
      expect(await gamma.journal).toBe(journal);
      expect(await gamma.exited).toBe(0);
      expect(readdirSync(betaDirectory).filter((name) => name.startsWith('logs-')).length).toBeGreaterThan(0);
      expect(existsSync(join(betaDirectory, 'journal.lock'))).toBe(false);
      expect(await runsOf(journal)).toEqual(['alpha', 'beta', 'gamma']);

      // prune sees the process directory's segments too.
      const prune = await cli(['prune', '--older-than', '1h', '--dry-run', '--json', '--dir', journal], { now: Date.now() + 2 * 3_600_000 });
      const decisions = JSON.parse(prune.stdout).segments as any[];
      const betaDecisions = decisions.filter((decision) => decision.segment.startsWith(`process-${beta.pid}/`));
      expect(betaDecisions.map((decision) => decision.signal)).toContain('logs');
      // beta is gone: even its newest segments are no longer in use; the main directory's are kept.
      expect(betaDecisions.every((decision) => decision.action === 'delete')).toBe(true);
      const mainLogs = decisions.filter((decision) => !decision.segment.includes('/') && decision.signal === 'logs');
      expect(mainLogs.at(-1)).toMatchObject({ action: 'keep', reason: 'newest segment of its signal (may be in use)' });
    } finally {
      trail.remove();
    }
  }, 60_000);

  it('the live main process ships and removes the directory of a gone process the collector missed', async () => {
    const trail = temporaryDirectory();
    const receiver = new OtlpReceiver();
    try {
      await receiver.start();
      const endpoint = `http://127.0.0.1:${receiver.port}`;
      const journal = join(trail.path, 'journal');
      const alpha = startChild({ directory: trail.path, workflow: 'alpha', holdMillis: -1, endpoint, orphanCheckIntervalMillis: 200 });
      expect(await alpha.journal).toBe(journal);
      await alpha.ran;
      await receiver.stop(); // the collector goes down
      const beta = startChild({ directory: trail.path, workflow: 'beta', holdMillis: 0, endpoint });
      const betaDirectory = join(journal, `process-${beta.pid}`);
      expect(await beta.journal).toBe(betaDirectory);
      expect(await beta.exited).toBe(0); // could not ship: its spool is left behind
      expect(existsSync(betaDirectory)).toBe(true);

      await receiver.start(receiver.port); // and comes back
      await until(() => !existsSync(betaDirectory), `${betaDirectory} to be shipped and removed`);
      const received = new Set(receiver.ids('/v1/logs'));
      for (const id of [...idsOf(trail.path, 'alpha'), ...idsOf(trail.path, 'beta')]) expect(received.has(id), id).toBe(true);
      alpha.release();
      expect(await alpha.exited).toBe(0);
    } finally {
      await receiver.stop();
      trail.remove();
    }
  }, 60_000);

  it('the next process to start ships and removes the directory of a gone process', async () => {
    const trail = temporaryDirectory();
    const receiver = new OtlpReceiver();
    try {
      await receiver.start();
      const port = receiver.port;
      await receiver.stop(); // the collector is down while alpha and beta run
      const endpoint = `http://127.0.0.1:${port}`;
      const journal = join(trail.path, 'journal');
      const alpha = startChild({ directory: trail.path, workflow: 'alpha', holdMillis: -1, endpoint });
      expect(await alpha.journal).toBe(journal);
      await alpha.ran;
      const beta = startChild({ directory: trail.path, workflow: 'beta', holdMillis: 0, endpoint });
      const betaDirectory = join(journal, `process-${beta.pid}`);
      expect(await beta.journal).toBe(betaDirectory);
      expect(await beta.exited).toBe(0);
      alpha.release();
      expect(await alpha.exited).toBe(0);

      await receiver.start(port);
      const gamma = startChild({ directory: trail.path, workflow: 'gamma', holdMillis: 3000, endpoint });
      expect(await gamma.journal).toBe(journal);
      await until(() => !existsSync(betaDirectory), `${betaDirectory} to be shipped and removed`);
      expect(await gamma.exited).toBe(0);
      const received = new Set(receiver.ids('/v1/logs'));
      for (const workflow of ['alpha', 'beta', 'gamma']) {
        for (const id of idsOf(trail.path, workflow)) expect(received.has(id), `${workflow} ${id}`).toBe(true);
      }
    } finally {
      await receiver.stop();
      trail.remove();
    }
  }, 60_000);
});
