/**
 * Redacts instrumentation scopes (the name, version and attributes a tracer or logger was created
 * with), once per scope object: every span and record of one tracer or logger shares its scope,
 * and exporters group by it (the OTLP log transformer by object identity), so a redacted scope is
 * one shared copy.
 */
import type { Attributes } from '@opentelemetry/api';
import { FAIL_CLOSED_KINDS } from './RedactionOptions.js';
import { RedactionReport, type Redactor } from './Redactor.js';

/** The parts of an SDK instrumentation scope that redaction reads. */
export interface RedactableScope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
  readonly attributes?: Attributes;
}

interface Redacted<T> {
  readonly scope: T;
  /** The kinds redacted, one entry per redaction, counted again for each span or record. */
  readonly kinds: readonly string[];
}

export class InstrumentationScopeRedactor {
  private readonly _redactor: Redactor;
  private readonly _seen = new WeakMap<RedactableScope, Redacted<RedactableScope> | null>();
  /** The last scope looked up and its entry: most spans come from a few tracers in a row. */
  private _lastScope: RedactableScope | undefined;
  private _lastEntry: Redacted<RedactableScope> | null = null;

  constructor(redactor: Redactor) {
    this._redactor = redactor;
  }

  /**
   * The scope to export: `scope` itself when nothing in it is to be redacted, else a redacted
   * copy (the same copy every time), its redactions recorded in `report`.
   */
  redact<T extends RedactableScope>(scope: T, report: RedactionReport): T {
    let entry: Redacted<RedactableScope> | null | undefined;
    if (scope === this._lastScope) {
      entry = this._lastEntry;
    } else {
      entry = this._seen.get(scope);
      if (entry === undefined) {
        entry = this._inspect(scope, report.signal);
        this._seen.set(scope, entry);
      }
      this._lastScope = scope;
      this._lastEntry = entry;
    }
    if (entry === null) return scope;
    for (const kind of entry.kinds) this._redactor.replacement(kind, '', report);
    return entry.scope as T;
  }

  private _inspect(scope: RedactableScope, signal: RedactionReport['signal']): Redacted<RedactableScope> | null {
    let found = new RedactionReport(signal, true);
    let name: string;
    let version: string | undefined;
    let attributes: Attributes | undefined;
    try {
      name = this._redactor.redactString(scope.name, undefined, found);
      version = scope.version === undefined ? undefined : this._redactor.redactString(scope.version, undefined, found);
      attributes = scope.attributes === undefined ? undefined : this._redactor.redactAttributesIfNeeded(scope.attributes, found);
    } catch {
      // Fail closed: a scope that cannot be inspected is exported without its name and the rest.
      found = new RedactionReport(signal, true);
      name = this._redactor.replacement(FAIL_CLOSED_KINDS.error, '', found);
      version = undefined;
      attributes = undefined;
    }
    if (found.total === 0) return null;
    const kinds: string[] = [];
    for (const [kind, count] of found.counts) for (let index = 0; index < count; index++) kinds.push(kind);
    return { scope: { ...scope, name, version, attributes }, kinds };
  }
}
