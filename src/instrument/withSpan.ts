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
import { ATTR_ERROR_TYPE } from '../semconv.js';
import { instrumentationSettings } from './config.js';
import { scopeOf, withScope, type AuditScope } from './scope.js';

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
    diag.error('swarmtrail: could not record an error on a span', failure);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/** Ends a span once, whatever path reaches it first. */
class SpanEnder {
  private ended = false;
  constructor(
    private readonly span: Span,
    private readonly onResult: ((span: Span, result: unknown) => void) | undefined,
  ) {}

  succeed(result: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (this.onResult !== undefined) {
      try {
        this.onResult(this.span, result);
      } catch (failure) {
        diag.error('swarmtrail: onResult hook failed', failure);
      }
    }
    // The callback may have ended the span itself; ending it again would only log a warning.
    if (this.span.isRecording()) this.span.end();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.span.isRecording()) return;
    recordError(this.span, error);
    this.span.end();
  }
}

/**
 * Wraps a stream so the span ends when it is exhausted, fails, or is abandoned (`return()`
 * from `break`). A Proxy keeps every other property of the user's stream object (e.g. an SDK's
 * `controller` or `toReadableStream()`), and each step runs inside the span's context.
 */
function wrapAsyncIterable<T extends AsyncIterable<unknown>>(stream: T, ender: SpanEnder, ctx: Context): T {
  return new Proxy(stream, {
    get(target, property, receiver) {
      if (property !== Symbol.asyncIterator) {
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return () => {
        const iterator = context.with(ctx, () => target[Symbol.asyncIterator]());
        const step = async (
          call: () => Promise<IteratorResult<unknown>>,
          isClosing: boolean,
        ): Promise<IteratorResult<unknown>> => {
          try {
            const result = await context.with(ctx, call);
            if (result.done === true || isClosing) ender.succeed(undefined);
            return result;
          } catch (error) {
            ender.fail(error);
            throw error;
          }
        };
        const wrapped: AsyncIterator<unknown> = {
          next: (...args: [] | [unknown]) => step(() => iterator.next(...args), false),
          return: (value?: unknown) =>
            step(
              () =>
                iterator.return !== undefined
                  ? iterator.return(value)
                  : Promise.resolve({ done: true as const, value }),
              true,
            ),
          throw: (error?: unknown) =>
            step(
              // The consumer's value is passed through as it is, Error or not.
              // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
              () => (iterator.throw !== undefined ? iterator.throw(error) : Promise.reject(error)),
              true,
            ),
        };
        return wrapped;
      };
    },
  });
}

/**
 * Runs `fn` inside a new active span and ends the span when `fn` finishes: on return, on throw,
 * when a returned promise settles, or when a returned async iterable (a stream) ends, fails or
 * is abandoned. The user's value and error pass through unchanged; sync functions stay sync.
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
    diag.error(`swarmtrail: could not start span ${name}`, failure);
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
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then(
      (value) => {
        if (isAsyncIterable(value)) return wrapAsyncIterable(value, ender, ctx);
        ender.succeed(value);
        return value;
      },
      (error: unknown) => {
        ender.fail(error);
        throw error;
      },
    ) as T;
  }
  if (isAsyncIterable(result)) return wrapAsyncIterable(result, ender, ctx);
  ender.succeed(result);
  return result;
}
