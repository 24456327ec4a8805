import type { Context } from '@opentelemetry/api';
import { diag } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Journal } from '../journal/Journal.js';

/** Options of {@link JournalSpanProcessor}. */
export interface JournalSpanProcessorOptions {
  /** The journal ended spans are appended to. Required. */
  readonly journal: Journal;
}

/**
 * Appends every ended span to the local journal (place it right after redaction). The span is
 * identified by its trace id + span id. `shutdown()` only flushes: the journal is shared by the
 * span, log and metric components, and its owner shuts it down after the providers.
 */
export class JournalSpanProcessor implements SpanProcessor {
  private readonly journal: Journal;

  constructor(options: JournalSpanProcessorOptions) {
    if (options?.journal === undefined) throw new Error('JournalSpanProcessor: option journal is required');
    this.journal = options.journal;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    try {
      this.journal.appendSpan(span);
    } catch (error) {
      diag.error(`swarmtrail JournalSpanProcessor: ${String(error)}`);
    }
  }

  forceFlush(): Promise<void> {
    return this.journal.flush();
  }

  shutdown(): Promise<void> {
    return this.journal.flush();
  }
}
