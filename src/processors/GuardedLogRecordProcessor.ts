import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { guarded, settle } from './GuardedSpanProcessor.js';

/**
 * Runs a log record processor someone else wrote so that its failures stay out of the user's code
 * (an audit helper, a logger call) and out of the processors after it.
 */
export class GuardedLogRecordProcessor implements LogRecordProcessor {
  private readonly _inner: LogRecordProcessor;
  private readonly _name: string;

  constructor(inner: LogRecordProcessor) {
    this._inner = inner;
    this._name = inner.constructor.name || 'log record processor';
  }

  onEmit(record: ReadWriteLogRecord, context?: Context): void {
    guarded('log record processor', `${this._name}.onEmit threw`, () => this._inner.onEmit(record, context));
  }

  forceFlush(): Promise<void> {
    return settle(() => this._inner.forceFlush(), `${this._name}.forceFlush failed`);
  }

  shutdown(): Promise<void> {
    return settle(() => this._inner.shutdown(), `${this._name}.shutdown failed`);
  }
}
