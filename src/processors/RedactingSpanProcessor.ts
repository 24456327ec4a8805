import { diag, type Attributes, type Context, type Link, type Meter, type SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace';
import { InstrumentationScopeRedactor, type RedactableScope } from '../redaction/InstrumentationScopeRedactor.js';
import { RedactionCounter } from '../redaction/RedactionCounter.js';
import { RedactionReport, type Redactor } from '../redaction/Redactor.js';
import { FAIL_CLOSED_KINDS } from '../redaction/RedactionOptions.js';
import { ATTR_SWARMTRAIL_REDACTED_KINDS } from '../semconv.js';

export interface RedactingSpanProcessorOptions {
  /** The compiled redaction policy. Required. */
  readonly redactor: Redactor;
  /** Counts redactions into `swarmtrail.redactions` (signal `traces`). Default none. */
  readonly meter?: Meter;
}

/** The parts of the SDK span that `onEnding` may still change (the span is not yet frozen). */
interface MutableSpan {
  name: string;
  status: SpanStatus;
  readonly attributes: Attributes;
  readonly events: TimedEvent[];
  readonly links: Link[];
}

/**
 * Redacts every span before any exporting processor sees it: name, attributes (keys and values),
 * event names and attributes, links' attributes, the status message and the instrumentation scope, in the SDK's `onEnding` hook (which runs
 * before the span is frozen and before any processor's `onEnd`). Register it first.
 * Resource attributes are shared by all spans: redact them once with `redactResource()`.
 *
 * Never throws: if redaction fails, the span's strings are replaced whole and the failure is
 * reported with `diag` and counted.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  private readonly _redactor: Redactor;
  private readonly _counter: RedactionCounter | undefined;
  private readonly _scopes: InstrumentationScopeRedactor;

  constructor(options: RedactingSpanProcessorOptions) {
    if (options?.redactor === undefined) throw new Error('RedactingSpanProcessor needs { redactor }');
    this._redactor = options.redactor;
    this._scopes = new InstrumentationScopeRedactor(options.redactor);
    this._counter = options.meter === undefined ? undefined : new RedactionCounter(options.meter);
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnding(span: Span): void {
    const report = new RedactionReport('traces');
    try {
      redactSpan(span, this._redactor, report);
      const scope = this._scopes.redact(span.instrumentationScope, report);
      if (scope !== span.instrumentationScope) (span as unknown as { instrumentationScope: RedactableScope }).instrumentationScope = scope;
    } catch (error) {
      diag.error('swarmtrail redaction: span could not be redacted; its values were replaced whole', error);
      failClosed(span, this._redactor, report);
    }
    if (report.total > 0) {
      if (this._redactor.recordKinds) {
        span.attributes[ATTR_SWARMTRAIL_REDACTED_KINDS] = report.kinds();
      }
      this._counter?.record(report);
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Rewrites what redaction changes; objects with nothing to redact are left as they are. */
function redactSpan(span: MutableSpan, redactor: Redactor, report: RedactionReport): void {
  const name = redactor.redactString(span.name, undefined, report);
  if (name !== span.name) span.name = name;
  replaceAttributes(span.attributes, redactor, report);
  for (let index = 0; index < span.events.length; index++) {
    const event = span.events[index];
    const eventName = redactor.redactString(event.name, undefined, report);
    const attributes = event.attributes === undefined ? undefined : redactor.redactAttributesIfNeeded(event.attributes, report);
    if (eventName !== event.name || attributes !== event.attributes) span.events[index] = { ...event, name: eventName, attributes };
  }
  for (let index = 0; index < span.links.length; index++) {
    const link = span.links[index];
    if (link.attributes === undefined) continue;
    const attributes = redactor.redactAttributesIfNeeded(link.attributes, report);
    if (attributes !== link.attributes) span.links[index] = { ...link, attributes };
  }
  if (typeof span.status.message === 'string' && span.status.message.length > 0) {
    const message = redactor.redactString(span.status.message, undefined, report);
    if (message !== span.status.message) span.status = { ...span.status, message };
  }
}

/** Replaces, in place, the values of `attributes` that redaction changes, and deletes dropped keys. */
export function replaceAttributes(attributes: Attributes, redactor: Redactor, report: RedactionReport): void {
  const redacted = redactor.redactAttributesIfNeeded(attributes, report);
  if (redacted === attributes) return;
  for (const key of Object.keys(attributes)) {
    if (!(key in redacted)) delete attributes[key];
    else if (attributes[key] !== redacted[key]) attributes[key] = redacted[key];
  }
  // Keys holding secrets are renamed (`user.[REDACTED:email]`).
  for (const key of Object.keys(redacted)) if (!(key in attributes)) attributes[key] = redacted[key];
}

/** Fail closed: every string left on the span is replaced whole. */
function failClosed(span: MutableSpan, redactor: Redactor, report: RedactionReport): void {
  const label = (): string => redactor.replacement(FAIL_CLOSED_KINDS.error, '', report);
  try {
    span.name = label();
    for (const key of Object.keys(span.attributes)) {
      const value = span.attributes[key];
      if (typeof value === 'string' || Array.isArray(value)) span.attributes[key] = label();
    }
    span.events.length = 0;
    for (let index = 0; index < span.links.length; index++) span.links[index] = { context: span.links[index].context };
    if (span.status.message !== undefined) span.status = { code: span.status.code, message: label() };
  } catch (error) {
    diag.error('swarmtrail redaction: span could not be replaced whole', error);
  }
}
