import { randomUUID } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import { diag } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { Journal } from '../journal/Journal.js';
import { ATTR_AUDIT_EVENT_ID, ATTR_SWARMTRAIL_RECORD_ID } from '../semconv.js';

/** Options of {@link JournalLogRecordProcessor}. */
export interface JournalLogRecordProcessorOptions {
  /** The journal log records are appended to. Required. */
  readonly journal: Journal;
}

/**
 * Appends a snapshot of every emitted log record to the local journal (place it right after
 * redaction). A record without `audit.event.id` or `swarmtrail.record.id` first gets a
 * `swarmtrail.record.id` (a random UUID), so duplicates of at-least-once delivery can be removed;
 * later processors and exporters see that attribute too. `shutdown()` only flushes (see
 * {@link JournalSpanProcessor}).
 */
export class JournalLogRecordProcessor implements LogRecordProcessor {
  private readonly journal: Journal;

  constructor(options: JournalLogRecordProcessorOptions) {
    if (options?.journal === undefined) throw new Error('JournalLogRecordProcessor: option journal is required');
    this.journal = options.journal;
  }

  onEmit(logRecord: ReadWriteLogRecord, _context?: Context): void {
    try {
      const attributes = logRecord.attributes;
      if (attributes[ATTR_AUDIT_EVENT_ID] === undefined && attributes[ATTR_SWARMTRAIL_RECORD_ID] === undefined) {
        logRecord.setAttribute(ATTR_SWARMTRAIL_RECORD_ID, randomUUID());
      }
      this.journal.appendLogRecord(logRecord);
    } catch (error) {
      diag.error(`swarmtrail JournalLogRecordProcessor: ${String(error)}`);
    }
  }

  forceFlush(): Promise<void> {
    return this.journal.flush();
  }

  shutdown(): Promise<void> {
    return this.journal.flush();
  }
}
