import { context, diag, type Context } from '@opentelemetry/api';

/** What a stream reports to the span around it. Implemented by the wrappers' span ender. */
export interface StreamOutcome {
  succeed(result: unknown): void;
  fail(error: unknown): void;
  /** The stream was garbage-collected before it ended; `lastActivity` is when it was last used. */
  abandon(lastActivity: number): void;
  /** `performance.now()` of the stream's last step, for {@link StreamOutcome.abandon}. */
  lastActivity: number;
}

type IteratorMethod = (...args: unknown[]) => unknown;
type Iterable = { [Symbol.asyncIterator]: () => unknown };

/** A span waiting for a stream to end, with the context its steps run in. */
interface Watcher {
  readonly outcome: StreamOutcome;
  readonly ctx: Context;
}

/**
 * The spans waiting on each instrumented stream. A stream is instrumented once: a stream returned
 * by nested wrappers (an LLM call inside an agent) ends all their spans, and one returned again
 * and again (a shared iterable) does not pile up layers.
 */
const watchers = new WeakMap<object, Watcher[]>();

/** `[Symbol.asyncIterator]() { return this }`, shared by every async generator object. */
const RETURNS_ITSELF: unknown = (
  Object.getPrototypeOf(Object.getPrototypeOf((async function* () {}).prototype)) as Iterable
)[Symbol.asyncIterator];

/**
 * Streams dropped without being exhausted, failed or closed end their span when they are
 * garbage-collected. The held value (the outcome) must not reference the stream.
 */
const abandoned = new FinalizationRegistry<StreamOutcome>((outcome) => outcome.abandon(outcome.lastActivity));

/** @internal Stops watching for abandonment: the span ended another way. */
export function forgetStream(outcome: StreamOutcome): void {
  abandoned.unregister(outcome);
}

export function isAsyncIterable(value: unknown): value is Iterable {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

export function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function isDone(result: unknown): boolean {
  return result !== null && typeof result === 'object' && (result as { done?: unknown }).done === true;
}

function settle(waiting: Watcher[], failed: boolean, error: unknown): void {
  for (const { outcome } of waiting.splice(0)) {
    if (failed) outcome.fail(error);
    else outcome.succeed(undefined);
  }
}

/**
 * Calls one iterator method inside the innermost waiting span's context and reports the outcome:
 * the spans end when the stream is done, fails (the error is rethrown unchanged) or is closed.
 */
function step(waiting: Watcher[], method: IteratorMethod, target: object, args: unknown[], closing: boolean): unknown {
  if (waiting.length === 0) return method.apply(target, args);
  const now = performance.now();
  for (const watcher of waiting) watcher.outcome.lastActivity = now;
  let pending: unknown;
  try {
    pending = context.with(waiting[0].ctx, method, target, ...args);
  } catch (error) {
    settle(waiting, true, error);
    throw error;
  }
  if (!isThenable(pending)) {
    // Not an async iterator after all (an object that is both): keep its result synchronous.
    if (closing || isDone(pending)) settle(waiting, false, undefined);
    return pending;
  }
  return Promise.resolve(pending).then(
    (result) => {
      if (closing || isDone(result)) settle(waiting, false, undefined);
      return result;
    },
    (error: unknown) => {
      settle(waiting, true, error);
      throw error;
    },
  );
}

function define(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}

/**
 * Gives `host` reporting `next`, `return` and `throw` members that call those of `source` (an
 * async iterator; often the same object). Without its own `return()`, a stream left by `break`
 * would never be closed: the added one just ends the spans.
 */
function instrumentIterator(host: object, source: object, waiting: Watcher[]): void {
  const methods = source as { next: IteratorMethod; return?: unknown; throw?: unknown };
  const next = methods.next;
  const close = methods.return;
  const raise = methods.throw;
  define(host, 'next', (...args: unknown[]) => step(waiting, next, source, args, false));
  define(host, 'return', (...args: unknown[]) =>
    typeof close === 'function'
      ? step(waiting, close as IteratorMethod, source, args, true)
      : Promise.resolve({ done: true, value: args[0] }).then((result) => {
          settle(waiting, false, undefined);
          return result;
        }),
  );
  if (typeof raise === 'function') {
    // The stream may catch what the consumer throws in and go on: end only when done or failed.
    define(host, 'throw', (...args: unknown[]) => step(waiting, raise as IteratorMethod, source, args, false));
  }
}

function returnsItself(this: unknown): unknown {
  return this;
}

/** Installs the reporting members on a stream, once. Throws when the object refuses them. */
function instrument(stream: Iterable, waiting: Watcher[]): void {
  const iterate = stream[Symbol.asyncIterator];
  const isIterator = typeof (stream as { next?: unknown }).next === 'function';
  if (isIterator) instrumentIterator(stream, stream, waiting);
  if (isIterator && iterate === RETURNS_ITSELF) return;
  define(stream, Symbol.asyncIterator, () => {
    const iterator: unknown =
      waiting.length === 0 ? iterate.call(stream) : context.with(waiting[0].ctx, iterate, stream);
    if (iterator === stream || iterator === null || typeof iterator !== 'object') return iterator;
    if (typeof (iterator as { next?: unknown }).next !== 'function') return iterator;
    // A fresh iterator around the one handed out: for-await does not care which object it gets.
    const reporting = {};
    instrumentIterator(reporting, iterator, waiting);
    define(reporting, Symbol.asyncIterator, returnsItself);
    return reporting;
  });
}

/**
 * Makes a stream (an async iterable) report to its span without replacing it: the very object
 * the user's function returned gets own, non-enumerable `[Symbol.asyncIterator]` (and, when it is
 * an iterator itself, `next`/`return`/`throw`) members that call the originals inside the span's
 * context. The span ends when the stream is exhausted, fails, is closed (`break`, `return()`), or
 * is garbage-collected without any of these. Returns false, having changed nothing, when the
 * object cannot be extended (frozen); the caller then ends the span at once.
 */
export function instrumentStream(stream: Iterable, outcome: StreamOutcome, ctx: Context): boolean {
  let waiting = watchers.get(stream);
  if (waiting === undefined) {
    if (!Object.isExtensible(stream)) return false;
    waiting = [];
    try {
      instrument(stream, waiting);
    } catch (failure) {
      diag.debug('swarmtrail: could not instrument a stream in place', failure);
      return false;
    }
    watchers.set(stream, waiting);
  }
  waiting.push({ outcome, ctx });
  outcome.lastActivity = performance.now();
  abandoned.register(stream, outcome, outcome);
  return true;
}
