/**
 * Keeps the CLI's summary index (`<dir>/.index/`, see JournalIndex.ts) up to date from the
 * journal writer: each segment the writer closes (and compresses) is summarised by a worker
 * thread running the CLI's own `JournalIndex`, so the first `swarmtrail` query after a run reads
 * summaries only. Segments are handed to the worker once the journal has been quiet for a moment
 * (or when several are waiting, or at shutdown), the application's thread only posts file names,
 * and the worker runs at the lowest scheduling priority and, until shutdown, rests three times as
 * long as each segment took (at most a quarter of a core): appending is not slowed down. Failures
 * are reported through `diag` and cost only a rebuild by the CLI.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Asks the worker to index one segment file of `directory`. */
export interface SegmentIndexRequest {
  readonly kind: 'index';
  readonly id: number;
  readonly directory: string;
  /** The segment's current file name, e.g. `logs-0000000003.jsonl.gz`. */
  readonly name: string;
}

/** What the worker is sent: segments to index, and `finish` (shutdown: work through the rest at full speed). */
export type SegmentIndexerMessage = SegmentIndexRequest | { readonly kind: 'finish' };

export interface SegmentIndexReply {
  readonly id: number;
  /** Why the summary could not be built or stored. */
  readonly error?: string;
  /** Lines of the segment that could not be read (reported by the CLI too). */
  readonly skippedLines?: number;
}

/** Segments are handed to the worker once no write happened for this long... */
const QUIET_MILLIS = 500;
/** ...or when this many are waiting (16 MiB segments: 128 MiB), so a journal that is never quiet is indexed too. */
const MAX_WAITING = 8;

/** Lets Node run the TypeScript sources in the worker: `./x.js` imports resolve to `./x.ts`. */
const TYPESCRIPT_RESOLVE_HOOK = `
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
      const typescript = new URL(specifier.replace(/\\.js$/, '.ts'), context.parentURL);
      if (!existsSync(fileURLToPath(new URL(specifier, context.parentURL))) && existsSync(fileURLToPath(typescript))) {
        return nextResolve(typescript.href, context);
      }
    }
    return nextResolve(specifier, context);
  },
});
`;

/** The worker's entry: the compiled module, or its TypeScript source when running from the sources (the tests). */
function workerEntry(): { url: URL; execArgv: string[] | undefined } {
  const compiled = new URL('./summaryWorker.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return { url: compiled, execArgv: undefined };
  return {
    url: new URL('./summaryWorker.ts', import.meta.url),
    execArgv: [
      '--experimental-transform-types',
      '--no-warnings',
      '--import',
      `data:text/javascript,${encodeURIComponent(TYPESCRIPT_RESOLVE_HOOK)}`,
    ],
  };
}

/** Summarises segments in a worker thread, one at a time, in the order asked. */
export class SegmentIndexer {
  private readonly directory: string;
  private readonly report: (message: string) => void;
  private worker: Worker | undefined;
  /** Failed, or closed: no more requests. */
  private broken = false;
  private nextId = 1;
  private readonly pending = new Set<number>();
  /** Requests for segments other processes left (a backlog): shutdown does not wait for them. */
  private readonly background = new Set<number>();
  private drained: Array<() => void> = [];
  /** Segments not yet handed to the worker. */
  private waiting: { name: string; background: boolean }[] = [];
  private lastActivity = 0;
  private quietTimer: NodeJS.Timeout | undefined;

  /**
   * @param directory the journal directory
   * @param report called with a message for every failure (the caller rate-limits it)
   */
  constructor(directory: string, report: (message: string) => void) {
    this.directory = directory;
    this.report = report;
  }

  /**
   * Asks for the summary of segment file `name` (in the journal directory), built once the journal
   * is quiet. Never throws.
   */
  request(name: string, background = false): void {
    if (this.broken) return;
    this.waiting.push({ name, background });
    if (this.waiting.length >= MAX_WAITING) this.dispatch();
    else this.armQuietTimer();
  }

  /** The journal wrote something: summaries wait until it is quiet. Cheap: called on every write. */
  noteActivity(now: number): void {
    this.lastActivity = now;
  }

  private armQuietTimer(): void {
    if (this.quietTimer !== undefined) return;
    const wait = Math.max(0, this.lastActivity + QUIET_MILLIS - Date.now());
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      if (Date.now() - this.lastActivity >= QUIET_MILLIS) this.dispatch();
      else this.armQuietTimer();
    }, wait);
    this.quietTimer.unref();
  }

  /** Hands the waiting segments to the worker. */
  private dispatch(): void {
    const names = this.waiting;
    this.waiting = [];
    for (const { name, background } of names) this.post(name, background);
  }

  private post(name: string, background: boolean): void {
    const worker = this.start();
    if (worker === undefined) return;
    const id = this.nextId++;
    this.pending.add(id);
    if (background) this.background.add(id);
    const request: SegmentIndexRequest = { kind: 'index', id, directory: this.directory, name };
    try {
      worker.postMessage(request);
    } catch (error) {
      this.settle(id);
      this.report(`cannot ask the summary worker to index ${name}: ${String(error)}`);
    }
  }

  /** Segments asked for and not yet summarised. */
  get backlog(): number {
    return this.pending.size + this.waiting.length;
  }

  /**
   * Waits (up to `timeoutMillis`) for the segments asked for, then stops the worker; what is left
   * is summarised by the CLI when it needs it. Never rejects; safe to call twice.
   */
  async close(timeoutMillis: number): Promise<void> {
    if (this.broken) return;
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    // Only this process's own segments are worth waiting for; a backlog left by others is
    // dropped (the CLI summarises those when it needs them), so a short-lived process exits fast.
    this.waiting = this.waiting.filter((item) => !item.background);
    this.dispatch();
    const worker = this.worker;
    // Later requests are ignored.
    this.broken = true;
    if (worker === undefined) return;
    if (this.ownPending() > 0) {
      // Keep the process alive while the last summaries are written, and no more resting.
      worker.ref();
      const finish: SegmentIndexerMessage = { kind: 'finish' };
      worker.postMessage(finish);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.drained.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMillis);
        }),
      ]);
      clearTimeout(timer);
      if (this.ownPending() > 0) {
        this.report(`${this.ownPending()} segment(s) left unindexed at shutdown after ${timeoutMillis} ms; the CLI indexes them when it needs them`);
      }
    }
    this.worker = undefined;
    await worker.terminate().catch(() => undefined);
    this.pending.clear();
    this.background.clear();
    this.wakeDrained();
  }

  private start(): Worker | undefined {
    if (this.worker !== undefined || this.broken) return this.worker;
    try {
      const entry = workerEntry();
      const worker = new Worker(entry.url, { ...(entry.execArgv !== undefined ? { execArgv: entry.execArgv } : {}) });
      // An idle worker must not keep the application alive.
      worker.unref();
      worker.on('message', (reply: SegmentIndexReply) => {
        if (reply.error !== undefined) this.report(reply.error);
        this.settle(reply.id);
      });
      worker.on('error', (error) => this.fail(`the summary worker failed: ${String(error)}`));
      worker.on('exit', (code) => {
        if (this.worker === worker) this.fail(`the summary worker exited (code ${code})`);
      });
      this.worker = worker;
      return worker;
    } catch (error) {
      this.fail(`cannot start the summary worker: ${String(error)}`);
      return undefined;
    }
  }

  private fail(message: string): void {
    const worker = this.worker;
    this.worker = undefined;
    this.broken = true;
    this.waiting = [];
    clearTimeout(this.quietTimer);
    this.report(message);
    void worker?.terminate().catch(() => undefined);
    this.pending.clear();
    this.background.clear();
    this.wakeDrained();
  }

  private ownPending(): number {
    return this.pending.size - this.background.size;
  }

  private settle(id: number): void {
    this.pending.delete(id);
    this.background.delete(id);
    if (this.ownPending() === 0) this.wakeDrained();
  }

  private wakeDrained(): void {
    const waiting = this.drained;
    this.drained = [];
    for (const resolve of waiting) resolve();
  }
}
