import { diag, type Context, type Meter } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { InstrumentationScopeRedactor, type RedactableScope } from '../redaction/InstrumentationScopeRedactor.js';
import { RedactionCounter } from '../redaction/RedactionCounter.js';
import { RedactionReport, type Redactor } from '../redaction/Redactor.js';
import { FAIL_CLOSED_KINDS } from '../redaction/RedactionOptions.js';
import { ATTR_SWARMTRAIL_REDACTED_KINDS } from '../semconv.js';
import { replaceAttributes } from './RedactingSpanProcessor.js';

export interface RedactingLogRecordProcessorOptions {
  /** The compiled redaction policy. Required. */
  readonly redactor: Redactor;
  /** Counts redactions into `swarmtrail.redactions` (signal `logs`). Default none. */
  readonly meter?: Meter;
}

/**
 * Redacts every log record (body, severity text, attributes, event name, instrumentation scope) in `onEmit`, before the
 * processors registered after it (the exporting ones) see it. Register it first. With the strict
 * preset, bodies are replaced whole. Resource attributes: redact them once with `redactResource()`.
 *
 * Never throws: if redaction fails, the body and string attributes are replaced whole and the
 * failure is reported with `diag` and counted.
 */
export class RedactingLogRecordProcessor implements LogRecordProcessor {
  private readonly _redactor: Redactor;
  private readonly _counter: RedactionCounter | undefined;
  private readonly _scopes: InstrumentationScopeRedactor;

  constructor(options: RedactingLogRecordProcessorOptions) {
    if (options?.redactor === undefined) throw new Error('RedactingLogRecordProcessor needs { redactor }');
    this._redactor = options.redactor;
    this._scopes = new InstrumentationScopeRedactor(options.redactor);
    this._counter = options.meter === undefined ? undefined : new RedactionCounter(options.meter);
  }

  onEmit(logRecord: ReadWriteLogRecord, _context?: Context): void {
    const redactor = this._redactor;
    const report = new RedactionReport('logs');
    try {
      const body = logRecord.body;
      if (body !== undefined && body !== null) {
        if (redactor.strict) {
          // Free text, whatever its shape: GenAI events carry content in map bodies.
          logRecord.setBody(redactor.replacement(FAIL_CLOSED_KINDS.content, typeof body === 'string' ? body : '', report));
        } else if (typeof body === 'string') {
          const redacted = redactor.redactString(body, undefined, report);
          if (redacted !== body) logRecord.setBody(redacted);
        } else {
          const before = report.total;
          const redacted = redactor.redactAnyValue(body, undefined, report);
          if (report.total !== before) logRecord.setBody(redacted ?? null);
        }
      }
      const severityText = logRecord.severityText;
      if (typeof severityText === 'string' && severityText.length > 0) {
        const redacted = redactor.redactString(severityText, undefined, report);
        if (redacted !== severityText) logRecord.setSeverityText(redacted);
      }
      if (logRecord.eventName !== undefined) {
        const eventName = redactor.redactString(logRecord.eventName, undefined, report);
        if (eventName !== logRecord.eventName) logRecord.setEventName(eventName);
      }
      replaceAttributes(logRecord.attributes, redactor, report);
      const scope = this._scopes.redact(logRecord.instrumentationScope, report);
      if (scope !== logRecord.instrumentationScope) (logRecord as unknown as { instrumentationScope: RedactableScope }).instrumentationScope = scope;
    } catch (error) {
      diag.error('swarmtrail redaction: log record could not be redacted; its values were replaced whole', error);
      failClosed(logRecord, redactor, report);
    }
    if (report.total > 0) {
      if (redactor.recordKinds) logRecord.setAttribute(ATTR_SWARMTRAIL_REDACTED_KINDS, report.kinds());
      this._counter?.record(report);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function failClosed(logRecord: ReadWriteLogRecord, redactor: Redactor, report: RedactionReport): void {
  try {
    const label = (): string => redactor.replacement(FAIL_CLOSED_KINDS.error, '', report);
    if (logRecord.body !== undefined && logRecord.body !== null) logRecord.setBody(label());
    const attributes = logRecord.attributes;
    for (const key of Object.keys(attributes)) {
      const value = attributes[key];
      if (value !== null && value !== undefined && typeof value !== 'number' && typeof value !== 'boolean') attributes[key] = label();
    }
  } catch (error) {
    diag.error('swarmtrail redaction: log record could not be replaced whole', error);
  }
}
