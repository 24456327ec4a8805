/**
 * The journal directory lock, `<dir>/journal.lock`: the pid of the one process writing the
 * directory.
 *
 * - Created atomically with its content: the pid is written to a private file, which is then
 *   hard-linked into place (`link()` fails if the lock exists). A lock is never seen empty.
 * - A lock whose process is gone is stale and is taken over. Taking over never deletes by name
 *   what was judged: the stale lock is renamed to a private name (only one process can rename a
 *   given file), and if what was renamed turns out to be a live lock (another process took over
 *   and created a fresh one in between), it is linked back into place at once. So two processes
 *   taking over at once end with exactly one owner, and a fresh lock is never removed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import { linkOrCreate } from '../internal/linkOrCreate.js';

const LOCK_MODE = 0o644;

export const LOCK_FILE_NAME = 'journal.lock';
/** Private files of lock takers: `journal.lock.<pid>-<random>.(new|stale)`. */
const PRIVATE_LOCK_FILE = /^journal\.lock\.(\d+)-[0-9a-f]+\.(?:new|stale)$/;

/** Whether a process with this pid exists (a pid reused by another program counts as alive). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The pid in a lock file; `undefined` when there is no such file, `0` when its content is not a
 * pid (an empty or damaged lock: no live process can be holding it).
 */
export function readLockOwner(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}

/** Whether the lock of `directory` is held by a live process other than this one. */
export function isLockHeldByOther(directory: string): boolean {
  const owner = readLockOwner(join(directory, LOCK_FILE_NAME));
  return owner !== undefined && owner !== process.pid && owner > 0 && isProcessAlive(owner);
}

function privateName(directory: string, kind: 'new' | 'stale'): string {
  return join(directory, `${LOCK_FILE_NAME}.${process.pid}-${randomBytes(6).toString('hex')}.${kind}`);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Moves a stale lock out of the way. If the file renamed is not stale after all (a live lock
 * created since the caller looked), it is linked back into place.
 */
function breakStaleLock(directory: string, path: string): void {
  const moved = privateName(directory, 'stale');
  try {
    renameSync(path, moved);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else moved it
    throw error;
  }
  const owner = readLockOwner(moved);
  if (owner !== undefined && owner > 0 && owner !== process.pid && isProcessAlive(owner)) {
    try {
      linkOrCreate(moved, path, LOCK_MODE);
    } catch (error) {
      diag.error(
        `swarmtrail journal: could not put back the live lock of process ${owner} in ${directory} ` +
          `(${(error as NodeJS.ErrnoException).code ?? String(error)}); two processes may now write this directory`,
      );
    }
  }
  unlinkQuietly(moved);
}

/** Removes private lock files left by processes that died while taking the lock. */
function removeLeftovers(directory: string): void {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return;
  }
  for (const name of names) {
    const match = PRIVATE_LOCK_FILE.exec(name);
    if (match !== null && Number(match[1]) !== process.pid && !isProcessAlive(Number(match[1]))) {
      unlinkQuietly(join(directory, name));
    }
  }
}

function isRecent(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 5000;
  } catch {
    return false;
  }
}

/**
 * Takes `<dir>/journal.lock` for this process. A lock left by a dead process is taken over.
 * Returns false when a live process holds it. Throws only for file-system errors.
 */
export function acquireLock(directory: string): boolean {
  const path = join(directory, LOCK_FILE_NAME);
  const fresh = privateName(directory, 'new');
  writeFileSync(fresh, String(process.pid), { flag: 'wx', mode: LOCK_MODE });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkOrCreate(fresh, path, LOCK_MODE);
        removeLeftovers(directory);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readLockOwner(path);
      if (owner === undefined) continue; // released in the meantime
      if (owner === process.pid) return true;
      if (owner > 0 && isProcessAlive(owner)) return false;
      // An empty lock a few seconds old is being written (where there are no hard links, it is
      // created empty first): its owner is alive. Only an older empty or garbled lock is stale.
      if (owner === 0 && isRecent(path)) return false;
      breakStaleLock(directory, path);
    }
    return false;
  } finally {
    unlinkQuietly(fresh);
  }
}

/** Releases the lock if this process holds it. Never throws. */
export function releaseLock(directory: string): void {
  const path = join(directory, LOCK_FILE_NAME);
  try {
    if (readLockOwner(path) === process.pid) unlinkSync(path);
  } catch {
    // gone already, or not ours
  }
}

/**
 * Creates and locks the process directory this process journals to when another live process
 * holds the lock of `directory`: `process-<pid>`, or `process-<pid>-<time>` when that one is
 * locked (its pid was reused and the main process is adopting it). Returns its path.
 */
export function lockProcessDirectory(directory: string): string {
  for (const name of [`process-${process.pid}`, `process-${process.pid}-${Date.now()}`]) {
    const path = join(directory, name);
    mkdirSync(path, { recursive: true, mode: 0o700 });
    if (acquireLock(path)) return path;
  }
  throw new Error(`cannot lock a process directory in ${directory}: both candidates are locked by live processes`);
}
