import { types } from 'node:util';
import {
  context,
  diag,
  INVALID_SPAN_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_SWARMTRAIL_STREAM_ABANDONED } from '../semconv.js';
import { reportFailure } from '../internal/failures.js';
import { instrumentationSettings } from './config.js';
import { scopeOf, withScope, type AuditScope } from './scope.js';
import { forgetStream, instrumentStream, isAsyncIterable, isThenable, type StreamOutcome } from './streams.js';

export const INSTRUMENTATION_SCOPE_NAME = 'swarmtrail';
export const INSTRUMENTATION_SCOPE_VERSION = '0.1.0';

let cachedTracer: Tracer | undefined;
function tracer(): Tracer {
  // The global API hands out a proxy that follows whichever provider is registered later.
  cachedTracer ??= trace.getTracer(INSTRUMENTATION_SCOPE_NAME, INSTRUMENTATION_SCOPE_VERSION);
  return cachedTracer;
}

/** @internal */
export function resetTracerCache(): void {
  cachedTracer = undefined;
}

/** Options for {@link withSpan}. */
export interface SpanWrapperOptions {
  /** Span kind. Default `INTERNAL`. */
  readonly kind?: SpanKind;
  /** Attributes set when the span starts. Default none. */
  readonly attributes?: Attributes;
  /** Links to other spans, e.g. the agent that handed work over. Default none. */
  readonly links?: Link[];
  /** Start a new trace instead of a child of the active span. Default `false`. */
  readonly root?: boolean;
  /** Parent context. Default the active context. */
  readonly parent?: Context;
  /** Called with the outcome just before the span ends, to add attributes from the result. */
  readonly onResult?: (span: Span, result: unknown) => void;
}

/** @internal Extended by the GenAI wrappers to carry the audit scope into the callback. */
export interface InternalSpanOptions extends SpanWrapperOptions {
  readonly scope?: (parent: AuditScope | undefined, span: Span) => AuditScope;
}

function errorType(error: unknown): string {
  if (error instanceof Error) {
    const name = error.constructor.name;
    return name && name !== 'Object' ? name : error.name || 'Error';
  }
  return '_OTHER';
}

/** Records a failure on the span the way the semantic conventions describe; never throws. */
export function recordError(span: Span, error: unknown): void {
  try {
    span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
    if (error instanceof Error) {
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    } else {
      span.recordException(String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    }
  } catch (failure) {
    reportFailure('instrument', 'could not record an error on a span', failure);
  }
}

/**
 * Ends a span once, whatever path reaches it first (return, throw, settled promise, stream end or
 * abandonment). Never throws: a failing span processor or hook is reported, not passed on.
 */
class SpanEnder implements StreamOutcome {
  private ended = false;
  private watched = false;
  lastActivity = 0;
  constructor(
    private readonly span: Span,
    private readonly onResult: ((span: Span, result: unknown) => void) | undefined,
  ) {}

  /** Ends the span for a stream; if the stream is dropped unfinished, {@link abandon} ends it. */
  watch(stream: object, ctx: Context): boolean {
    this.watched = instrumentStream(stream as Parameters<typeof instrumentStream>[0], this, ctx);
    return this.watched;
  }

  succeed(result: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (this.watched) forgetStream(this);
    if (this.onResult !== undefined) {
      try {
        this.onResult(this.span, result);
      } catch (failure) {
        reportFailure('instrument', 'onResult hook failed', failure);
      }
    }
    this.end(undefined);
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (this.watched) forgetStream(this);
    recordError(this.span, error);
    this.end(undefined);
  }

  abandon(lastActivity: number): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.span.setAttribute(ATTR_SWARMTRAIL_STREAM_ABANDONED, true);
    } catch (failure) {
      reportFailure('instrument', 'could not mark an abandoned stream', failure);
    }
    this.end(lastActivity);
  }

  private end(time: number | undefined): void {
    try {
      // The callback may have ended the span itself; ending it again would only log an error.
      if (this.span.isRecording()) this.span.end(time);
    } catch (failure) {
      reportFailure('instrument', 'could not end a span', failure);
    }
  }
}

/** A promise that settles as `promise` does, once the span has recorded the outcome. */
function settleAlong(promise: Promise<unknown>, ender: SpanEnder, ctx: Context): Promise<unknown> {
  return promise.then(
    (value) => {
      if (!(isAsyncIterable(value) && ender.watch(value, ctx))) ender.succeed(value);
      return value;
    },
    (error: unknown) => {
      ender.fail(error);
      throw error;
    },
  );
}

/** Attaches the span's end to a promise on the side; the user keeps the very same promise object. */
function settleOnSide(promise: Promise<unknown>, ender: SpanEnder, ctx: Context): void {
  try {
    // The side chain never rejects, so it cannot cause an unhandled rejection of its own.
    void promise.then(
      (value) => {
        if (isAsyncIterable(value) && ender.watch(value, ctx)) return;
        ender.succeed(value);
      },
      (error: unknown) => ender.fail(error),
    );
  } catch (failure) {
    // A Promise subclass whose then() throws: time what we can.
    reportFailure('instrument', 'could not observe a returned promise', failure);
    ender.succeed(promise);
  }
}

/**
 * Runs `fn` inside a new active span and ends the span when `fn` finishes: on return, on throw,
 * when a returned promise settles, or when a returned async iterable (a stream) ends, fails, is
 * closed or is garbage-collected unfinished. A plain Promise comes back as a promise that settles
 * the same way (an unhandled rejection stays unhandled); a Promise subclass (an SDK's APIPromise)
 * or another realm's promise as the very same object, observed on the side; a stream as the same
 * object with reporting iterator members of its own; its error is rethrown unchanged; sync
 * functions stay sync. A thenable that is not a Promise is never awaited: the span ends when `fn`
 * returns.
 */
export function withSpan<T>(name: string, fn: (span: Span) => T, options?: SpanWrapperOptions): T {
  return runInSpan(name, fn, options);
}

/** @internal */
export function runInSpan<T>(name: string, fn: (span: Span) => T, options?: InternalSpanOptions): T {
  if (instrumentationSettings().disabled) return fn(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  let span: Span;
  let ctx: Context;
  try {
    const parent = options?.parent ?? context.active();
    span = tracer().startSpan(
      name,
      {
        kind: options?.kind ?? SpanKind.INTERNAL,
        attributes: options?.attributes,
        links: options?.links,
        root: options?.root,
      },
      parent,
    );
    ctx = trace.setSpan(parent, span);
    if (options?.scope !== undefined) ctx = withScope(ctx, options.scope(scopeOf(parent), span));
  } catch (failure) {
    reportFailure('instrument', `could not start span ${name}`, failure);
    return fn(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  }
  const ender = new SpanEnder(span, options?.onResult);
  let result: T;
  try {
    result = context.with(ctx, fn, undefined, span);
  } catch (error) {
    ender.fail(error);
    throw error;
  }
  if (result instanceof Promise && result.constructor === Promise) {
    // A plain Promise: its settled copy comes back, so a rejection nobody handles is still
    // reported as unhandled (Node's default crash, --unhandled-rejections), as without us.
    return settleAlong(result, ender, ctx) as T;
  }
  if (result instanceof Promise) {
    // A subclass (an SDK's APIPromise) keeps its identity and methods: observed on the side.
    settleOnSide(result, ender, ctx);
    return result;
  }
  if (isAsyncIterable(result) && ender.watch(result, ctx)) return result;
  if (isThenable(result)) {
    if (types.isPromise(result)) {
      // A Promise of another realm (a vm context, a test runner's sandbox).
      settleOnSide(result, ender, ctx);
      return result;
    }
    // A thenable that is not a Promise (e.g. a lazy query builder) may only start its work when
    // awaited: calling then() here would run it early. It is returned untouched, and the span
    // covers only the call that created it.
    diag.debug(`swarmtrail: span ${name} ends at return: its result is a thenable, not a Promise`);
  }
  ender.succeed(result);
  return result;
}
