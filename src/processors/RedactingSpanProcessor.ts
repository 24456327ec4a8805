import { diag, type Attributes, type Context, type Link, type Meter, type SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace';
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
 * Redacts every span before any exporting processor sees it: name, attributes, event names and
 * attributes, links' attributes and the status message, in the SDK's `onEnding` hook (which runs
 * before the span is frozen and before any processor's `onEnd`). Register it first.
 * Resource attributes are shared by all spans: redact them once with `redactResource()`.
 *
 * Never throws: if redaction fails, the span's strings are replaced whole and the failure is
 * reported with `diag` and counted.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  private readonly _redactor: Redactor;
  private readonly _counter: RedactionCounter | undefined;

  constructor(options: RedactingSpanProcessorOptions) {
    if (options?.redactor === undefined) throw new Error('RedactingSpanProcessor needs { redactor }');
    this._redactor = options.redactor;
    this._counter = options.meter === undefined ? undefined : new RedactionCounter(options.meter);
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnding(span: Span): void {
    const report = new RedactionReport('traces');
    try {
      redactSpan(span, this._redactor, report);
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

function redactSpan(span: MutableSpan, redactor: Redactor, report: RedactionReport): void {
  span.name = redactor.redactString(span.name, undefined, report);
  replaceAttributes(span.attributes, redactor, report);
  for (let index = 0; index < span.events.length; index++) {
    const event = span.events[index];
    const name = redactor.redactString(event.name, undefined, report);
    const attributes = event.attributes === undefined ? undefined : redactor.redactAttributes(event.attributes, report);
    span.events[index] = { ...event, name, attributes };
  }
  for (let index = 0; index < span.links.length; index++) {
    const link = span.links[index];
    if (link.attributes === undefined) continue;
    span.links[index] = { ...link, attributes: redactor.redactAttributes(link.attributes, report) };
  }
  if (typeof span.status.message === 'string' && span.status.message.length > 0) {
    span.status = { ...span.status, message: redactor.redactString(span.status.message, undefined, report) };
  }
}

/** Replaces the contents of `attributes` in place with their redacted copy. */
export function replaceAttributes(attributes: Attributes, redactor: Redactor, report: RedactionReport): void {
  const before = report.total;
  const redacted = redactor.redactAttributes(attributes, report);
  if (report.total === before && Object.keys(redacted).length === Object.keys(attributes).length) return;
  for (const key of Object.keys(attributes)) {
    if (!(key in redacted)) delete attributes[key];
    else attributes[key] = redacted[key];
  }
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
