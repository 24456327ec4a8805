/** The redaction policy: what is redacted, how it is replaced, and the inspection limits. */

/** Preset policies. */
export type RedactionPreset = 'default' | 'strict';

/** What happens to the value of a key matched by a {@link RedactionKeyRule}. */
export type RedactionKeyAction = 'redact' | 'keep' | 'drop';

/** A user-defined detector: every match of `pattern` is replaced, reported as `name`. */
export interface RedactionPattern {
  /** The kind written into `[REDACTED:<name>]`; letters, digits, `_`, `-` and `.` only. */
  readonly name: string;
  /** Matched against every string; the `g` flag is added if missing. */
  readonly pattern: RegExp;
}

/** A rule for values by their key (attribute key, object property name). */
export interface RedactionKeyRule {
  /** Exact key (case-insensitive) or a RegExp tested against the key. */
  readonly key: string | RegExp;
  /** `redact`: replace the whole value; `keep`: leave it untouched; `drop`: remove the key. */
  readonly action: RedactionKeyAction;
}

export interface RedactionLimits {
  /** Longest string inspected, in UTF-16 code units; a longer string is replaced whole. Default 1_048_576. */
  readonly maxStringLength?: number;
  /** Deepest nesting of objects/arrays (and JSON inside strings) inspected; deeper values are replaced whole. Default 32. */
  readonly maxDepth?: number;
  /** Most values inspected in one structured value; the rest is replaced whole. Default 10_000. */
  readonly maxNodes?: number;
}

export interface RedactionOptions {
  /**
   * `default`: credentials, secret-named keys and personal data (email, phone, payment cards,
   * IBAN, US SSN). `strict`: also drops GenAI free-text content attributes
   * (`gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions`,
   * `gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`, …), replaces string log bodies
   * whole, and detects IP addresses. Default `'default'`.
   */
  readonly preset?: RedactionPreset;
  /** Extra detectors, run after the built-in ones. Default none. */
  readonly patterns?: readonly RedactionPattern[];
  /** Strings (exact) or RegExps (whole match) that are never redacted. Default none. */
  readonly allowlist?: ReadonlyArray<string | RegExp>;
  /** Rules by key, checked before the built-in key-name rules; the first match wins. Default none. */
  readonly keyRules?: readonly RedactionKeyRule[];
  /**
   * `label`: `[REDACTED:<kind>]`. `hash`: `[REDACTED:<kind>:<16 hex>]`, the hex being
   * HMAC-SHA256(hashKey, value) truncated to 64 bits, so equal values stay correlatable.
   * Default `'label'`.
   */
  readonly replacement?: 'label' | 'hash';
  /** Key for `replacement: 'hash'` (required then, at least 16 bytes). Default none. */
  readonly hashKey?: string | Uint8Array;
  /** Redact IPv4 and IPv6 addresses. Default false (true in the `strict` preset). */
  readonly detectIpAddresses?: boolean;
  /** Detect email addresses, phone numbers, payment cards, IBANs and SSNs. Default true. */
  readonly detectPersonalData?: boolean;
  /** Inspection limits beyond which a value is replaced whole (fail closed). Defaults in {@link RedactionLimits}. */
  readonly limits?: RedactionLimits;
  /**
   * How many short values (up to 128 characters) already found clean are remembered, so that a
   * value seen again (tool, model and operation names, event types, outcomes) costs one look-up
   * instead of a scan. A value is remembered from its second clean sighting on; a new value may
   * replace an older one (bounded memory). Only a value's verdict as text is remembered, never
   * one tied to its key: a secret-named key still redacts a remembered value. 0 turns it off.
   * Default 4096 (rounded up to a power of two).
   */
  readonly cleanValueCache?: number;
  /** Add `swarmtrail.redacted.kinds` (the kinds redacted, never the values) to redacted spans and records. Default false. */
  readonly recordKinds?: boolean;
  /** Called for every redaction, e.g. to count it. Default none. */
  readonly onRedaction?: (kind: string, signal: string) => void;
}

export const DEFAULT_MAX_STRING_LENGTH = 1_048_576;
export const DEFAULT_MAX_DEPTH = 32;
export const DEFAULT_MAX_NODES = 10_000;
export const DEFAULT_CLEAN_VALUE_CACHE = 4096;
/** Longest value the clean-value cache remembers, in UTF-16 code units. */
export const CLEAN_VALUE_MAX_LENGTH = 128;

/** Kinds reported when a value is replaced whole because it could not be inspected. */
export const FAIL_CLOSED_KINDS = {
  tooLarge: 'too_large',
  tooDeep: 'too_deep',
  tooManyValues: 'too_many_values',
  error: 'redaction_error',
  content: 'content',
  keyRule: 'key_rule',
  /** Bytes that are not UTF-8 text. */
  binary: 'binary',
} as const;
