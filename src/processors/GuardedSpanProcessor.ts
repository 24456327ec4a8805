import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { reportFailure } from '../internal/failures.js';

/**
 * Runs a span processor someone else wrote so that its failures stay out of the user's code and
 * out of the processors after it: the SDK's multi-processor calls each in turn without catching,
 * so one throwing `onEnd` would reach the code that ended the span and starve the exporters.
 */
export class GuardedSpanProcessor implements SpanProcessor {
  private readonly _inner: SpanProcessor;
  private readonly _name: string;

  constructor(inner: SpanProcessor) {
    this._inner = inner;
    this._name = inner.constructor.name || 'span processor';
  }

  onStart(span: Span, parentContext: Context): void {
    guarded('span processor', `${this._name}.onStart threw`, () => this._inner.onStart(span, parentContext));
  }

  onEnding(span: Span): void {
    if (this._inner.onEnding !== undefined) guarded('span processor', `${this._name}.onEnding threw`, () => this._inner.onEnding?.(span));
  }

  onEnd(span: ReadableSpan): void {
    guarded('span processor', `${this._name}.onEnd threw`, () => this._inner.onEnd(span));
  }

  forceFlush(): Promise<void> {
    return settle(() => this._inner.forceFlush(), `${this._name}.forceFlush failed`);
  }

  shutdown(): Promise<void> {
    return settle(() => this._inner.shutdown(), `${this._name}.shutdown failed`);
  }
}

/** Runs a synchronous step of a guarded processor; a throw is reported, not passed on. */
export function guarded(component: string, message: string, step: () => void): void {
  try {
    step();
  } catch (error) {
    reportFailure(component, message, error);
  }
}

/** Runs an async step of a guarded processor; never rejects. */
export function settle(step: () => Promise<void>, message: string): Promise<void> {
  try {
    return step().catch((error: unknown) => reportFailure('processor', message, error));
  } catch (error) {
    reportFailure('processor', message, error);
    return Promise.resolve();
  }
}
