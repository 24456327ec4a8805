/** The pure `redact()` function: the same code path as the processors, for any value. */
import { Redactor } from './Redactor.js';
import type { RedactionOptions } from './RedactionOptions.js';

const compiled = new WeakMap<RedactionOptions, Redactor>();
let defaultRedactor: Redactor | undefined;

/**
 * Returns a redacted copy of `value` (a string, or any structured value: objects, arrays, JSON
 * held in strings) under the given policy; the input is never modified. The policy is compiled
 * once per options object, so pass the same object on repeated calls.
 */
export function redact<T>(value: T, options?: RedactionOptions): T {
  return redactorFor(options).redactValue(value) as T;
}

function redactorFor(options: RedactionOptions | undefined): Redactor {
  if (options === undefined) return (defaultRedactor ??= new Redactor());
  let redactor = compiled.get(options);
  if (redactor === undefined) {
    redactor = new Redactor(options);
    compiled.set(options, redactor);
  }
  return redactor;
}
