/**
 * The worker thread of {@link SegmentIndexer}: builds and stores the summary of a segment the
 * journal closed, with the CLI's own {@link JournalIndex} (the same code, so the same summary the
 * CLI would build), off the application's thread and at a lower scheduling priority.
 */
import { stat } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { describeError } from './errors.js';
import { JournalIndex } from './JournalIndex.js';
import { parseSegmentName, type JournalSegment } from './JournalReader.js';
import type { SegmentIndexReply, SegmentIndexRequest, SegmentIndexerMessage } from './SegmentIndexer.js';

/** Niceness of this thread (Linux: per thread): the application's threads come first. */
const WORKER_NICENESS = 19;
/**
 * While the application runs, after a segment that took t ms to summarise the worker rests
 * REST_FACTOR x t ms, so it uses at most a quarter of a core even when a core is free (on shared
 * or hyper-threaded cores a busy neighbour slows the application down whatever its priority).
 * After `finish` (shutdown) it no longer rests.
 */
const REST_FACTOR = 3;

async function summarize(request: SegmentIndexRequest): Promise<SegmentIndexReply> {
  const parsed = parseSegmentName(request.name);
  if (parsed === undefined) return { id: request.id, error: `${request.name} is not a segment file name` };
  const path = join(request.directory, request.name);
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    // Deleted meanwhile (disk cap, prune): nothing to index.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { id: request.id };
    throw error;
  }
  const segment: JournalSegment = {
    path,
    name: request.name,
    baseName: parsed.compressed ? request.name.slice(0, -3) : request.name,
    signal: parsed.signal,
    sequence: parsed.sequence,
    compressed: parsed.compressed,
    size: info.size,
    mtimeMs: info.mtimeMs,
  };
  let writeError: string | undefined;
  const index = new JournalIndex(request.directory, {
    onWriteError: (error) => {
      writeError = describeError(error);
    },
  });
  const summary = await index.summary(segment);
  if (writeError !== undefined) return { id: request.id, error: `cannot store the summary of ${request.name}: ${writeError}` };
  return { id: request.id, skippedLines: summary.skippedCount };
}

try {
  setPriority(WORKER_NICENESS);
} catch {
  // Not allowed here: run at the normal priority.
}

let finishing = false;
let endRest: (() => void) | undefined;

function rest(millis: number): Promise<void> {
  if (finishing || millis <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      endRest = undefined;
      resolve();
    }, millis);
    endRest = () => {
      clearTimeout(timer);
      endRest = undefined;
      resolve();
    };
  });
}

let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (message: SegmentIndexerMessage) => {
  if (message.kind === 'finish') {
    finishing = true;
    endRest?.();
    return;
  }
  // One segment at a time, in the order asked.
  queue = queue.then(async () => {
    const started = performance.now();
    let reply: SegmentIndexReply;
    try {
      reply = await summarize(message);
    } catch (error) {
      reply = { id: message.id, error: `cannot index ${message.name}: ${describeError(error)}` };
    }
    parentPort?.postMessage(reply);
    await rest(REST_FACTOR * (performance.now() - started));
  });
});
