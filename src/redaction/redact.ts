/** The pure `redact()` function: the same code path as the processors, for any value. */
import { Redactor } from './Redactor.js';
import type { RedactionOptions } from './RedactionOptions.js';

const compiled = new WeakMap<RedactionOptions, Redactor>();
let defaultRedactor: Redactor | undefined;
let configuredRedactor: Redactor | undefined;

/**
 * @internal `start()` installs the redactor of its policy, so that `redact(value)` without options
 * applies what the pipeline applies; `undefined` (at shutdown) goes back to the default policy.
 */
export function setConfiguredRedactor(redactor: Redactor | undefined): void {
  configuredRedactor = redactor;
}

/**
 * Returns a redacted copy of `value` (a string, or any structured value: objects, arrays, JSON
 * held in strings) under the given policy, by default the one `start()` was given (else the
 * `default` preset); the input is never modified. The policy is compiled once per options object,
 * so pass the same object on repeated calls.
 */
export function redact<T>(value: T, options?: RedactionOptions): T {
  return redactorFor(options).redactValue(value) as T;
}

function redactorFor(options: RedactionOptions | undefined): Redactor {
  if (options === undefined) return configuredRedactor ?? (defaultRedactor ??= new Redactor());
  let redactor = compiled.get(options);
  if (redactor === undefined) {
    redactor = new Redactor(options);
    compiled.set(options, redactor);
  }
  return redactor;
}
