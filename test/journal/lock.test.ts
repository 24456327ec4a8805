/**
 * The directory lock (`journal.lock`): created atomically with its content (never empty), and a
 * stale lock taken over by exactly one process even when several try at once, without ever
 * removing a live process's lock.
 */
import { spawn, spawnSync } from 'node:child_process';
import { constants, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from './helpers.js';

const loader = fileURLToPath(new URL('./fixtures/ts-loader.mjs', import.meta.url));
const child = fileURLToPath(new URL('./fixtures/lock-child.ts', import.meta.url));

interface Child {
  readonly pid: number;
  /** Resolves with the directory the child's journal writes to, once it printed it. */
  readonly owner: Promise<string>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

function startChild(directory: string, startAt = 0, holdMillis = 300): Child {
  const process_ = spawn(process.execPath, ['--import', loader, child, directory, String(startAt), String(holdMillis)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const guard = setTimeout(() => process_.kill('SIGKILL'), 25_000);
  process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const owner = new Promise<string>((resolve, reject) => {
    process_.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^owner (.*)$/m.exec(stdout);
      if (match !== null) resolve(match[1]);
    });
    process_.on('close', () => reject(new Error(`child ended without reporting its directory; stderr: ${stderr}`)));
  });
  owner.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) =>
    process_.on('close', (code) => {
      clearTimeout(guard);
      resolve(code);
    }),
  );
  return { pid: process_.pid!, owner, exited };
}

/**
 * Opens a FIFO for writing once a reader has it open (polling: a non-blocking open fails with
 * ENXIO until then, and a blocking one would hang if the child died first).
 */
async function openWhenRead(path: string, reader: Child): Promise<FileHandle> {
  let ended = false;
  void reader.exited.then(() => (ended = true));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await open(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
    }
    if (ended) throw new Error('the child ended before reading the lock');
    if (Date.now() > deadline) throw new Error('the child did not read the lock in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ['-e', '']);
  return result.pid;
}

describe('journal directory lock', () => {
  it('never removes a live lock that replaced the stale one it judged (takeover race)', async () => {
    const directory = temporaryDirectory();
    try {
      const lock = join(directory.path, 'journal.lock');
      // The lock is a FIFO: the child's read of it blocks until we write, which lets us play the
      // other racer at exactly the wrong moment: while the child holds "dead pid" in its hands,
      // the stale lock is replaced by a live process's lock.
      expect(spawnSync('mkfifo', [lock]).status).toBe(0);
      const stale = deadPid();
      const racer = startChild(directory.path);
      const fifo = await openWhenRead(lock, racer);
      renameSync(lock, join(directory.path, 'fifo'));
      writeFileSync(lock, String(process.pid)); // a live owner (this test process) took over
      await fifo.write(String(stale));
      await fifo.close();

      expect(await racer.owner).not.toBe(directory.path);
      expect(await racer.exited).toBe(0);
      expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    } finally {
      directory.remove();
    }
  });

  it('lets exactly one of several simultaneous processes take over a stale lock, and the lock is never empty', async () => {
    const directory = temporaryDirectory();
    try {
      const lock = join(directory.path, 'journal.lock');
      const seen = new Set<string>();
      for (let round = 0; round < 2; round++) {
        writeFileSync(lock, String(deadPid()));
        const startAt = Date.now() + 1000;
        const children = Array.from({ length: 4 }, () => startChild(directory.path, startAt, 400));
        // Watch the lock while they race for it.
        let watching = true;
        const watcher = (async () => {
          while (watching) {
            try {
              seen.add(readFileSync(lock, 'utf8'));
            } catch {
              // between a takeover's rename and link
            }
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        const owners = await Promise.all(children.map((candidate) => candidate.owner));
        const mains = children.filter((_, index) => owners[index] === directory.path);
        expect(mains.length, `round ${round}: ${owners.join(', ')}`).toBe(1);
        // While they all live, the lock names the one owner; the others journal to their own directory.
        expect(readFileSync(lock, 'utf8')).toBe(String(mains[0].pid));
        children.forEach((candidate, index) => {
          if (candidate !== mains[0]) expect(owners[index]).toBe(join(directory.path, `process-${candidate.pid}`));
        });
        expect(await Promise.all(children.map((candidate) => candidate.exited))).toEqual([0, 0, 0, 0]);
        watching = false;
        await watcher;
      }
      expect(seen.has('')).toBe(false);
    } finally {
      directory.remove();
    }
  });
});

describe('an empty lock (created without a hard link, or cut short)', () => {
  it('counts as held while it is a few seconds old, and as stale after that', async () => {
    const { acquireLock, readLockOwner } = await import('../../src/journal/lock.js');
    const dir = temporaryDirectory();
    try {
      const lock = join(dir.path, 'journal.lock');
      writeFileSync(lock, '');
      expect(acquireLock(dir.path)).toBe(false);
      const old = new Date(Date.now() - 60_000);
      utimesSync(lock, old, old);
      expect(acquireLock(dir.path)).toBe(true);
      expect(readLockOwner(lock)).toBe(process.pid);
    } finally {
      dir.remove();
    }
  });
});
