/**
 * The Redactor: the redaction policy compiled once into one detector pass, applied to
 * strings, structured values (objects, arrays, JSON held in strings) and attribute maps.
 * It never echoes any part of what it matched, and fails closed: a value it cannot inspect
 * (too long, too deep, too many values, or a detector error) is replaced whole and counted.
 */
import { createHmac } from 'node:crypto';
import type { AnyValue, Attributes } from '@opentelemetry/api';
import {
  BUILT_IN_DETECTORS,
  CONTENT_KEY_PATTERN,
  CONTENT_KEYS,
  EMAIL_KIND,
  IP_ADDRESS_DETECTORS,
  KEYED_KINDS,
  NON_SECRET_KEYS,
  SECRET_KEY_NAME_RULES,
  WEAK_KEY_NAME_PATTERN,
} from './detectors.js';
import { DetectorScan, type DetectorMatch } from './DetectorScan.js';
import {
  CLEAN_VALUE_MAX_LENGTH,
  DEFAULT_CLEAN_VALUE_CACHE,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_NODES,
  DEFAULT_MAX_STRING_LENGTH,
  FAIL_CLOSED_KINDS,
  type RedactionKeyRule,
  type RedactionOptions,
  type RedactionPattern,
} from './RedactionOptions.js';
import { CleanValueCache } from './CleanValueCache.js';
import { locateJson, decodeJsonString, type JsonNode } from './jsonText.js';
import { KEY_SEPARATOR_SOURCE, KEYED_RULES, scanKeyedAt, type KeyedMatch } from './keyed.js';
import { isHighEntropySecret } from './validators.js';

/** Where redacted values came from: `traces`, `logs`, `metrics`, `resource` or `value`. */
export type RedactionSignal = 'traces' | 'logs' | 'metrics' | 'resource' | 'value';

/**
 * Collects what one redaction call (or several, for one span or record) redacted.
 * Pass the same report to several calls to gather the kinds for a whole record.
 */
export class RedactionReport {
  private _counts: Map<string, number> | undefined;
  private _total = 0;
  /**
   * @param signal where the values came from (the `swarmtrail.signal` of the counts)
   * @param probe a trial run whose redactions are not reported to `onRedaction`
   */
  constructor(
    readonly signal: RedactionSignal = 'value',
    readonly probe = false,
  ) {}

  /** Redactions by kind. */
  get counts(): ReadonlyMap<string, number> {
    return this._counts ?? EMPTY_COUNTS;
  }

  /** Total number of redactions recorded. */
  get total(): number {
    return this._total;
  }

  /** The kinds redacted, sorted. */
  kinds(): string[] {
    return [...this.counts.keys()].sort();
  }

  /** Records one redaction of `kind`. */
  add(kind: string): void {
    this._counts ??= new Map();
    this._counts.set(kind, (this._counts.get(kind) ?? 0) + 1);
    this._total++;
  }
}

const EMPTY_COUNTS: ReadonlyMap<string, number> = new Map();

type KeyDecision =
  | { readonly action: 'inspect' }
  | { readonly action: 'keep' }
  | { readonly action: 'drop' }
  | { readonly action: 'redact'; readonly kind: string }
  | { readonly action: 'weak' };

const INSPECT: KeyDecision = { action: 'inspect' };
const KEEP: KeyDecision = { action: 'keep' };
const DROP: KeyDecision = { action: 'drop' };
const WEAK: KeyDecision = { action: 'weak' };
const KEY_CACHE_LIMIT = 4096;
const KIND_NAME = /^[A-Za-z0-9_.-]+$/;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;
const UUID_VALUE = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
/** Percent-encoding layers decoded at most (`%252540` is three). */
const MAX_PERCENT_LAYERS = 3;

/** A JSON escape that decodes to something else than the character after the backslash. */
const DECODING_ESCAPE = /\\[bfnrtu/]/;
/** Runs of percent escapes, and one escape of an ASCII character. */
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
const ASCII_ESCAPE = /%([0-7][0-9A-Fa-f])/g;

/**
 * Percent-decoded text. A stray `%` (`100% done`) or a broken UTF-8 sequence makes
 * `decodeURIComponent` reject the whole text; then each run of escapes is decoded alone, and a run
 * that is no UTF-8 has its ASCII escapes decoded (`%40` stays findable next to a Latin-1 `%E9`).
 */
function decodePercentEscapes(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(PERCENT_RUN, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run.replace(ASCII_ESCAPE, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
      }
    });
  }
}

/** A JSON number that is an integer: read as a BigInt, so its digits stay exact. */
const INTEGER = /^-?\d+$/;

/** A redacted value as JSON source text. */
function jsonSource(value: unknown): string {
  // Strings (most redacted values) take the fast path: a replacer function costs a call per value.
  if (typeof value === 'string') return JSON.stringify(value);
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? String(item) : item)) ?? 'null';
}

/** Decodes UTF-8 strictly: bytes that are not UTF-8 text throw. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Marks a value removed by a `drop` key rule. */
const DROPPED: unique symbol = Symbol('dropped');

interface WalkState {
  nodes: number;
  readonly report: RedactionReport;
  /** Set when a `keep` key rule left a value untouched (the text pass must not override it). */
  keptByRule?: boolean;
  /**
   * While walking JSON text that the text pass found nothing in: the position of the next
   * backslash at or after the last string looked at (-1 when the walk rescans everything). The
   * walk visits strings left to right, so the search only moves forward.
   */
  nextEscape?: number;
}

export class Redactor {
  /** Whether processors add `swarmtrail.redacted.kinds` to what they redact. */
  readonly recordKinds: boolean;
  /** Whether the strict preset is active (free-text log bodies replaced whole). */
  readonly strict: boolean;
  private readonly _detectors: DetectorScan;
  private readonly _userPatterns: ReadonlyArray<{ readonly name: string; readonly pattern: RegExp }>;
  private readonly _allowStrings: ReadonlySet<string>;
  private readonly _allowPatterns: readonly RegExp[];
  private readonly _keyRules: readonly RedactionKeyRule[];
  private readonly _keyCache = new Map<string, KeyDecision>();
  /** Keys (attribute keys, property names) found clean as text: few, and seen again and again. */
  private readonly _cleanKeys = new Set<string>();
  private readonly _hashKey: Uint8Array | string | undefined;
  private readonly _detectPersonalData: boolean;
  private readonly _maxStringLength: number;
  private readonly _maxDepth: number;
  private readonly _maxNodes: number;
  private readonly _onRedaction: ((kind: string, signal: string) => void) | undefined;
  /** Collects the redactions of calls made without a report (only `onRedaction` sees them). */
  private readonly _scratch = new RedactionReport();
  /** Set by the last keyed scan: whether it saw a key some key rule could match. */
  private _sawRuleKey = false;
  /** Set by the last text pass: whether its input held a percent escape outside what it replaced. */
  private _sawPercentEscape = false;
  /** Whether a text pass is running (see `_text`). */
  private _inTextPass = false;
  /** What the running text pass's scan saw besides detector matches (see `_textPass`). */
  private readonly _markers: Markers = emptyMarkers();
  /**
   * Short strings found clean as text (no redaction, no structural pass): the result of `_string`
   * for them depends on nothing but the string and this policy, so a repeat returns at once.
   * Undefined when turned off.
   */
  private readonly _clean: CleanValueCache | undefined;

  constructor(options: RedactionOptions = {}) {
    const preset = options.preset ?? 'default';
    if (preset !== 'default' && preset !== 'strict') {
      throw new Error(`redaction.preset must be 'default' or 'strict', got ${String(preset)}`);
    }
    this.strict = preset === 'strict';
    this.recordKinds = options.recordKinds ?? false;
    const replacement = options.replacement ?? 'label';
    if (replacement !== 'label' && replacement !== 'hash') {
      throw new Error(`redaction.replacement must be 'label' or 'hash', got ${String(replacement)}`);
    }
    if (replacement === 'hash') {
      const key = options.hashKey;
      const length = typeof key === 'string' ? Buffer.byteLength(key) : (key?.byteLength ?? 0);
      if (length < 16) {
        throw new Error("redaction.hashKey must be set (at least 16 bytes) when redaction.replacement is 'hash'");
      }
      this._hashKey = key;
    }
    this._detectPersonalData = options.detectPersonalData ?? true;
    const detectIpAddresses = options.detectIpAddresses ?? this.strict;
    const limits = options.limits ?? {};
    this._maxStringLength = positiveInteger(limits.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH, 'limits.maxStringLength');
    this._maxDepth = positiveInteger(limits.maxDepth ?? DEFAULT_MAX_DEPTH, 'limits.maxDepth');
    this._maxNodes = positiveInteger(limits.maxNodes ?? DEFAULT_MAX_NODES, 'limits.maxNodes');
    this._onRedaction = options.onRedaction;
    const cleanValueCache = options.cleanValueCache ?? DEFAULT_CLEAN_VALUE_CACHE;
    if (!Number.isInteger(cleanValueCache) || cleanValueCache < 0) {
      throw new Error(`redaction.cleanValueCache must be a non-negative integer, got ${String(cleanValueCache)}`);
    }
    this._clean = cleanValueCache === 0 ? undefined : new CleanValueCache(cleanValueCache);

    const detectors = BUILT_IN_DETECTORS.filter(
      (detector) => this._detectPersonalData || detector.category !== 'personal',
    ).concat(detectIpAddresses ? IP_ADDRESS_DETECTORS : []);
    this._detectors = new DetectorScan(detectors, SCAN_MARKERS);
    this._userPatterns = (options.patterns ?? []).map((entry) => compileUserPattern(entry));
    const allowStrings = new Set<string>();
    const allowPatterns: RegExp[] = [];
    for (const entry of options.allowlist ?? []) {
      if (typeof entry === 'string') allowStrings.add(entry);
      else if (entry instanceof RegExp) allowPatterns.push(new RegExp(`^(?:${entry.source})$`, entry.flags.replace(/[gy]/g, '')));
      else throw new Error('redaction.allowlist entries must be strings or RegExps');
    }
    this._allowStrings = allowStrings;
    this._allowPatterns = allowPatterns;
    const keyRules = [...(options.keyRules ?? [])];
    for (const rule of keyRules) {
      if (rule.action !== 'redact' && rule.action !== 'keep' && rule.action !== 'drop') {
        throw new Error(`redaction.keyRules action must be 'redact', 'keep' or 'drop', got ${String(rule.action)}`);
      }
    }
    if (this.strict) {
      for (const key of CONTENT_KEYS) keyRules.push({ key, action: 'drop' });
      keyRules.push({ key: CONTENT_KEY_PATTERN, action: 'drop' });
    }
    this._keyRules = keyRules;
  }

  /**
   * Redacts a string. With `key`, key rules apply first (a secret-named key redacts the whole
   * value). JSON held in the string stays valid JSON. A `drop` rule yields `''`.
   */
  redactString(value: string, key?: string, report?: RedactionReport): string {
    if (key === undefined) {
      // Fast path for free text: no key rules, no closures.
      const target = report ?? this._scratch;
      try {
        return this._string(value, { nodes: 1, report: target }, 0);
      } catch {
        return this.replacement(FAIL_CLOSED_KINDS.error, '', target);
      }
    }
    const result = this._guarded(value, key, report ?? this._scratch, 0);
    if (result === DROPPED) return '';
    return typeof result === 'string' ? result : JSON.stringify(result);
  }

  /**
   * Redacts any value (string, number, boolean, array, plain object, nested JSON strings) and
   * returns a redacted copy; the input is never modified. Returns `undefined` when a `drop`
   * key rule removes it.
   */
  redactValue(value: unknown, key?: string, report: RedactionReport = new RedactionReport()): unknown {
    const result = this._guarded(value, key, report, 0);
    return result === DROPPED ? undefined : result;
  }

  /** Redacts an OpenTelemetry AnyValue (log bodies and log attributes). */
  redactAnyValue(value: AnyValue, key?: string, report: RedactionReport = new RedactionReport()): AnyValue {
    return this.redactValue(value, key, report);
  }

  /** Redacts an attribute map; returns a copy without dropped keys. */
  redactAttributes(attributes: Attributes, report: RedactionReport = new RedactionReport()): Attributes {
    const result = this.redactAttributesIfNeeded(attributes, report);
    return result === attributes ? { ...attributes } : result;
  }

  /**
   * Redacts an attribute map like {@link redactAttributes}, but returns `attributes` itself when
   * nothing in it changes (the common case, without allocating): compare the result with the
   * argument to know. Never modifies `attributes`.
   */
  redactAttributesIfNeeded(attributes: Attributes, report: RedactionReport = new RedactionReport()): Attributes {
    let result: Attributes | undefined;
    const state: WalkState = { nodes: 0, report };
    const keys = Object.keys(attributes);
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      const value = attributes[key];
      let redacted: unknown;
      try {
        redacted = this._value(value, key, state, 0);
      } catch {
        redacted = this.replacement(FAIL_CLOSED_KINDS.error, '', report);
      }
      let name = key;
      try {
        name = this._keyName(key, state, 0);
      } catch {
        // A key that cannot be inspected is kept: replacing keys whole would merge attributes.
      }
      if (result === undefined) {
        if (name === key && (redacted === value || sameItems(value, redacted))) continue;
        result = {};
        for (let earlier = 0; earlier < index; earlier++) result[keys[earlier]] = attributes[keys[earlier]];
      }
      if (redacted !== DROPPED) result[name] = redacted;
    }
    return result ?? attributes;
  }

  /** The replacement for a value of `kind`, recorded in `report`. */
  replacement(kind: string, secret: string, report: RedactionReport): string {
    report.add(kind);
    if (this._onRedaction !== undefined && !report.probe) {
      try {
        this._onRedaction(kind, report.signal);
      } catch {
        // A broken callback must not stop redaction.
      }
    }
    if (this._hashKey === undefined) return `[REDACTED:${kind}]`;
    const digest = createHmac('sha256', this._hashKey).update(secret).digest('hex').slice(0, 16);
    return `[REDACTED:${kind}:${digest}]`;
  }

  private _guarded(value: unknown, key: string | undefined, report: RedactionReport, depth: number): unknown {
    const state: WalkState = { nodes: 0, report };
    return this._safely(() => this._value(value, key, state, depth), report);
  }

  private _safely(run: () => unknown, report: RedactionReport): unknown {
    try {
      return run();
    } catch {
      return this.replacement(FAIL_CLOSED_KINDS.error, '', report);
    }
  }

  private _value(value: unknown, key: string | undefined, state: WalkState, depth: number): unknown {
    if (++state.nodes > this._maxNodes) return this.replacement(FAIL_CLOSED_KINDS.tooManyValues, '', state.report);
    const decision = key === undefined ? INSPECT : this._decide(key);
    switch (decision.action) {
      case 'keep':
        state.keptByRule = true;
        return value;
      case 'drop':
        return DROPPED;
      case 'redact':
        if (value === null || value === undefined || typeof value === 'boolean') return value;
        if (typeof value === 'string' && this._isAllowed(value)) return value;
        if (Array.isArray(value)) {
          return (value as unknown[]).map((item) => (item === null || item === undefined ? item : this.replacement(decision.kind, stringify(item), state.report)));
        }
        return this.replacement(decision.kind, stringify(value), state.report);
      case 'weak':
        if (typeof value === 'string' && isHighEntropySecret(value) && !this._isAllowed(value)) {
          return this.replacement('high_entropy_secret', value, state.report);
        }
        break;
      case 'inspect':
        break;
    }
    if (typeof value === 'string') return this._string(value, state, depth);
    if (typeof value === 'number' || typeof value === 'bigint') return this._number(value, state, depth);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= this._maxDepth) return this.replacement(FAIL_CLOSED_KINDS.tooDeep, '', state.report);
    if (Array.isArray(value)) {
      const result: unknown[] = new Array<unknown>(value.length);
      for (let index = 0; index < value.length; index++) {
        const item = this._value(value[index], undefined, state, depth + 1);
        result[index] = item === DROPPED ? null : item;
      }
      return result;
    }
    if (value instanceof Uint8Array) return this._bytes(value, state, depth);
    if (value instanceof Date) return value;
    const result: Record<string, unknown> = {};
    for (const property of Object.keys(value)) {
      const item = this._value((value as Record<string, unknown>)[property], property, state, depth + 1);
      if (item !== DROPPED) result[this._keyName(property, state, depth + 1)] = item;
    }
    return result;
  }

  /** A key with what it holds redacted as text (`user.[REDACTED:email]`); clean keys are remembered. */
  private _keyName(key: string, state: WalkState, depth: number): string {
    if (this._cleanKeys.has(key)) return key;
    const before = state.report.total;
    const name = this._string(key, state, depth);
    if (name === key && state.report.total === before) {
      if (this._cleanKeys.size >= KEY_CACHE_LIMIT) this._cleanKeys.clear();
      this._cleanKeys.add(key);
    }
    return name;
  }

  /**
   * Integers of 9 to 19 digits (card and phone numbers held as numbers) go through the text pass;
   * a redacted one becomes its label. Other numbers cannot hold anything to redact.
   */
  private _number(value: number | bigint, state: WalkState, depth: number): unknown {
    let digits: string;
    if (typeof value === 'number') {
      const size = Math.abs(value);
      if (size < 1e8 || size >= 1e19 || !Number.isInteger(size)) return value;
      digits = String(size);
    } else {
      digits = String(value < 0n ? -value : value);
      if (digits.length < 9 || digits.length > 19) return value;
    }
    const redacted = this._string(digits, state, depth);
    return redacted === digits ? value : redacted;
  }

  /**
   * Bytes (log bodies): UTF-8 text is redacted as text and returned as bytes; anything else
   * cannot be inspected and is replaced whole (`binary`).
   */
  private _bytes(value: Uint8Array, state: WalkState, depth: number): unknown {
    if (value.byteLength === 0) return value;
    if (value.byteLength > this._maxStringLength) return this.replacement(FAIL_CLOSED_KINDS.tooLarge, '', state.report);
    let text: string;
    try {
      text = UTF8.decode(value);
    } catch {
      return this.replacement(FAIL_CLOSED_KINDS.binary, Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1'), state.report);
    }
    const redacted = this._string(text, state, depth);
    return redacted === text ? value : new TextEncoder().encode(redacted);
  }

  private _string(value: string, state: WalkState, depth: number): string {
    const clean = value.length <= CLEAN_VALUE_MAX_LENGTH ? this._clean : undefined;
    if (clean?.has(value) === true) return value;
    if (value.length > this._maxStringLength) return this.replacement(FAIL_CLOSED_KINDS.tooLarge, value, state.report);
    // A whole value that is a UUID (event, run and request ids) is kept on purpose: no built-in
    // detector matches one (a test holds them to it), so only user patterns need to see it.
    if (value.length === 36 && this._userPatterns.length === 0 && UUID_VALUE.test(value)) return value;
    if (!looksLikeJson(value)) {
      const before = state.report.total;
      const redacted = this._textMaybeEncoded(value, state.report);
      if (clean !== undefined && redacted === value && state.report.total === before) clean.add(value);
      return redacted;
    }
    // JSON held in a string: when the text pass finds nothing and no key looks sensitive, it is
    // returned as is; otherwise it is redacted structurally, so it stays valid JSON.
    const probe = new RedactionReport(state.report.signal, true);
    this._textMaybeEncoded(value, probe);
    // Escapes that decode to other characters hide what they encode from the text pass
    // (`jane\u0040example.com`, `https:\/\/hooks.slack.com\/…`, `Bearer\tey…`): the walk decodes them.
    if (probe.total === 0 && !this._sawRuleKey && this._keyRules.length === 0 && !(value.includes('\\') && DECODING_ESCAPE.test(value))) {
      // Only this outcome is remembered: a structural pass depends on the depth and node budget.
      clean?.add(value);
      return value;
    }
    let root: JsonNode;
    try {
      JSON.parse(value);
      root = locateJson(value);
    } catch {
      return this._text(value, state.report);
    }
    if (depth >= this._maxDepth) return this.replacement(FAIL_CLOSED_KINDS.tooDeep, value, state.report);
    const keptBefore = state.keptByRule;
    const nextEscapeBefore = state.nextEscape;
    state.keptByRule = false;
    if (probe.total === 0) {
      const escape = value.indexOf('\\');
      state.nextEscape = escape === -1 ? value.length : escape;
    } else {
      state.nextEscape = -1;
    }
    const redacted = this._jsonNode(value, root, undefined, state, depth + 1);
    const kept = state.keptByRule;
    state.keptByRule = keptBefore || kept;
    state.nextEscape = nextEscapeBefore;
    if (typeof redacted !== 'string') {
      // What the text pass found and the structural pass could not place (a match across JSON
      // punctuation) is still redacted, as text, unless a `keep` key rule left a value alone.
      return probe.total > 0 && !kept ? this._textMaybeEncoded(value, state.report) : value;
    }
    return value.slice(0, root.start) + redacted + value.slice(root.end);
  }

  /**
   * Redacts one value of a JSON text in place: returns its new source text, `undefined` when it is
   * unchanged, or DROPPED. Unchanged values (and keys) keep their source text exactly.
   */
  private _jsonNode(text: string, node: JsonNode, key: string | undefined, state: WalkState, depth: number): string | undefined | typeof DROPPED {
    const nextEscape = state.nextEscape ?? -1;
    if (node.type === 'string' && nextEscape !== -1 && (key === undefined || this._decide(key) === INSPECT)) {
      // A string without escapes in JSON text the text pass found clean: scanned alone it is the
      // same text, already found clean (only key rules, applied here, can change it). Such a string
      // holds no string or key either, so it is not walked as JSON (nor counted against the depth
      // limit) even when it looks like JSON.
      if (nextEscape < node.start) {
        const escape = text.indexOf('\\', node.start);
        state.nextEscape = escape === -1 ? text.length : escape;
      }
      if (state.nextEscape! >= node.end) {
        if (++state.nodes > this._maxNodes) return jsonSource(this.replacement(FAIL_CLOSED_KINDS.tooManyValues, '', state.report));
        return undefined;
      }
    }
    const source = text.slice(node.start, node.end);
    if (node.type !== 'object' && node.type !== 'array') {
      const value = node.type === 'string' ? decodeJsonString(source) : node.type === 'literal' ? (JSON.parse(source) as unknown) : INTEGER.test(source) ? BigInt(source) : Number(source);
      const result = this._value(value, key, state, depth);
      if (result === DROPPED) return DROPPED;
      return result === value ? undefined : jsonSource(result);
    }
    const decision = key === undefined ? INSPECT : this._decide(key);
    if (decision.action === 'keep') {
      state.keptByRule = true;
      return undefined;
    }
    if (decision.action === 'drop') return DROPPED;
    if (decision.action === 'redact') return jsonSource(this._value(JSON.parse(source), key, state, depth));
    if (++state.nodes > this._maxNodes) return JSON.stringify(this.replacement(FAIL_CLOSED_KINDS.tooManyValues, '', state.report));
    if (depth >= this._maxDepth) return JSON.stringify(this.replacement(FAIL_CLOSED_KINDS.tooDeep, '', state.report));
    if (node.type === 'array') {
      let output: string | undefined;
      let copied = node.start;
      for (const item of node.items) {
        const result = this._jsonNode(text, item, undefined, state, depth + 1);
        if (result === undefined) continue;
        output = (output ?? '') + text.slice(copied, item.start) + (result === DROPPED ? 'null' : result);
        copied = item.end;
      }
      return output === undefined ? undefined : output + text.slice(copied, node.end);
    }
    const keys: Array<string | undefined> = [];
    const values: Array<string | undefined | typeof DROPPED> = [];
    let changed = false;
    let dropped = false;
    for (const member of node.members) {
      const result = this._jsonNode(text, member.value, member.key, state, depth + 1);
      const name = result === DROPPED ? member.key : this._keyName(member.key, state, depth + 1);
      keys.push(name === member.key ? undefined : JSON.stringify(name));
      values.push(result);
      if (result === DROPPED) dropped = true;
      if (result !== undefined || name !== member.key) changed = true;
    }
    if (!changed) return undefined;
    const piece = (index: number): string => {
      const member = node.members[index];
      const value = values[index];
      return (keys[index] ?? text.slice(member.keyStart, member.keyEnd)) + text.slice(member.keyEnd, member.value.start) + (typeof value === 'string' ? value : text.slice(member.value.start, member.value.end));
    };
    if (dropped) {
      // Removing members: the kept ones, comma-separated (the whitespace between members goes).
      const kept: string[] = [];
      for (let index = 0; index < node.members.length; index++) if (values[index] !== DROPPED) kept.push(piece(index));
      return `{${kept.join(',')}}`;
    }
    let output = '';
    let copied = node.start;
    for (let index = 0; index < node.members.length; index++) {
      if (keys[index] === undefined && values[index] === undefined) continue;
      const member = node.members[index];
      output += text.slice(copied, member.keyStart) + piece(index);
      copied = member.value.end;
    }
    return output + text.slice(copied, node.end);
  }

  /**
   * Percent-encoded text (URLs, query strings, form bodies, as HTTP instrumentations record them)
   * hides what it carries, e.g. `jane%40example.com`: when decoding changes the text and the
   * decoded text holds something to redact, the decoded text is redacted and returned instead.
   */
  private _textMaybeEncoded(value: string, report: RedactionReport): string {
    // First what is visible as it stands, then what decoding the rest reveals.
    const redacted = this._text(value, report);
    // Decoding changes nothing (or throws) unless a `%` is followed by two hex digits (the text
    // pass tells whether its input held one).
    if (!this._sawPercentEscape || !PERCENT_ESCAPE.test(redacted)) return redacted;
    // Encoded again and again (`%2540` for `@`, a URL inside a query parameter): layer by layer.
    let result = redacted;
    let layer = redacted;
    for (let level = 0; level < MAX_PERCENT_LAYERS && PERCENT_ESCAPE.test(layer); level++) {
      const decoded = decodePercentEscapes(layer);
      if (decoded === layer) break;
      const probe = new RedactionReport(report.signal, true);
      this._text(decoded, probe);
      if (probe.total > 0) {
        layer = this._text(decoded, report);
        result = layer;
      } else {
        layer = decoded;
      }
    }
    return result;
  }

  /** The text pass: the detectors, then secrets by key, email addresses and user patterns. */
  private _text(value: string, report: RedactionReport): string {
    // An `onRedaction` callback may redact another text while a pass runs: that one gets markers
    // of its own.
    if (this._inTextPass) return this._textPass(value, report, emptyMarkers());
    this._inTextPass = true;
    try {
      const markers = this._markers;
      if (markers.separators.length !== 0) markers.separators.length = 0; // (setting a length costs a call)
      markers.at = false;
      markers.percentEscape = false;
      return this._textPass(value, report, markers);
    } finally {
      this._inTextPass = false;
    }
  }

  /**
   * `_text` with `markers` (empty) for what the scan's markers show (SCAN_MARKERS): separators a
   * key rule may follow (texts without one skip the key pass), as positions in the text after
   * this pass's replacements; whether an `@` or a percent escape is left (replacements hold
   * neither).
   */
  private _textPass(value: string, report: RedactionReport, markers: Markers): string {
    let text = value;
    const detectors = this._detectors;
    const scan = detectors.scan;
    // Where the scan has looked: markers from there to the end are found by hand (MARKER_TAIL).
    let looked = 0;
    let tailShift = 0;
    scan.lastIndex = 0;
    let found = scan.exec(text);
    if (found !== null) {
      let output = '';
      let copied = 0;
      while (found !== null) {
        const index = found.index;
        let located: DetectorMatch | undefined;
        if (found[1] !== undefined || found[2] !== undefined || found[3] !== undefined) {
          if (found[1] !== undefined) {
            markers.separators.push(index + output.length - copied);
          } else if (found[2] !== undefined) {
            markers.at = true;
          } else {
            markers.percentEscape = true;
          }
          located = detectors.at(text, index);
          if (located === undefined) {
            // A detector the first-character table does not list here would be skipped silently.
            if (detectors.matchesAt(text, index)) throw new Error('redaction: the scan and the detectors disagree');
            scan.lastIndex = index + 1;
            found = scan.exec(text);
            continue;
          }
        } else if (detectors.isKept(found)) {
          // A kept match: the scan jumps over it, so its markers are looked for by hand.
          const end = Math.max(index + found[0].length, index + 1);
          markersIn(text, index, end, output.length - copied, markers);
          looked = scan.lastIndex = end;
          found = scan.exec(text);
          continue;
        } else {
          located = detectors.at(text, index);
          // The scan and the detectors disagreeing is a bug: the caller fails closed.
          if (located === undefined) throw new Error('redaction: the scan and the detectors disagree');
        }
        const end = Math.max(index + located.match[0].length, index + 1);
        // A marker at `index` itself is recorded already.
        const from = found[1] !== undefined ? index + 1 : index;
        if (located.detector.category === 'keep') {
          markersIn(text, from, end, output.length - copied, markers);
          looked = scan.lastIndex = end;
        } else {
          const next = this._replaceMatch(located, text, report);
          if (next === undefined) {
            scan.lastIndex = index + 1;
          } else {
            // The parts of the match the scan jumps over and that stay in the text (a `-p` flag's
            // command line, an allowed match) may hold markers.
            if (next === null) {
              markersIn(text, from, end, output.length - copied, markers);
            } else {
              // Separators inside the replaced text are gone (none with the built-in detectors: only
              // `extendBefore` moves a replacement's start before the match).
              const { separators } = markers;
              const replacedFrom = next.start + output.length - copied;
              while (separators.length > 0 && separators[separators.length - 1] >= replacedFrom) separators.pop();
              markersIn(text, from, next.start, output.length - copied, markers);
              output += text.slice(copied, next.start) + next.replacement;
              copied = next.end;
              markersIn(text, Math.max(from, next.end), end, output.length - copied, markers);
            }
            looked = scan.lastIndex = end;
          }
        }
        found = scan.exec(text);
      }
      looked = Math.max(looked, copied);
      tailShift = output.length - copied;
      if (copied > 0) text = output + text.slice(copied);
    }
    // Markers end three characters after a separator or an escape: those in the last three
    // characters of the input (and not replaced or looked at already) are found here.
    for (let position = Math.max(looked, value.length - MARKER_TAIL); position < value.length; position++) {
      const code = value.charCodeAt(position);
      if (code === 58 /* : */ || code === 61 /* = */ || code === 37 /* % */ || code === 64 /* @ */) {
        markersIn(value, position, value.length, tailShift, markers);
        break;
      }
    }
    if (markers.separators.length === 0) this._sawRuleKey = false;
    else text = this._keyed(text, markers.separators, report);
    if (this._detectPersonalData && markers.at) text = this._emails(text, report);
    for (const { name, pattern } of this._userPatterns) {
      pattern.lastIndex = 0;
      if (!pattern.test(text)) continue;
      pattern.lastIndex = 0;
      text = text.replace(pattern, (secret) => (this._isAllowed(secret) ? secret : this.replacement(name, secret, report)));
    }
    this._sawPercentEscape = markers.percentEscape;
    return text;
  }

  /**
   * What to do with one match: `undefined` when rejected (retry from the next position),
   * `null` when kept, else the range to replace and its replacement.
   */
  private _replaceMatch(
    { detector, match }: DetectorMatch,
    text: string,
    report: RedactionReport,
  ): { start: number; end: number; replacement: string } | null | undefined {
    let start = match.index;
    let end = start + match[0].length;
    if (detector.secretGroups > 0) {
      let chosen = -1;
      for (let index = 1; index <= detector.secretGroups; index++) {
        if (match[index] !== undefined) {
          chosen = index;
          break;
        }
      }
      if (chosen === -1) return undefined;
      const indices = match.indices?.[chosen];
      if (indices === undefined) return undefined;
      start = indices[0];
      end = indices[1];
    }
    if (detector.extendBefore !== undefined) {
      const before = detector.extendBefore.exec(text.slice(Math.max(0, start - 32), start));
      if (before !== null) start -= before[0].length;
    }
    let secret = text.slice(start, end);
    if (secret.length === 0 || secret.startsWith('[REDACTED')) return undefined;
    if (detector.validate !== undefined && !detector.validate(secret)) {
      if (detector.shrinkOnSpace !== true) return undefined;
      let shorter = secret;
      let valid = false;
      for (let attempt = 0; attempt < 3 && !valid; attempt++) {
        const space = shorter.lastIndexOf(' ');
        if (space <= 0) break;
        shorter = shorter.slice(0, space);
        valid = detector.validate(shorter);
      }
      if (!valid) return undefined;
      end = start + shorter.length;
      secret = shorter;
    }
    if (this._isAllowed(secret)) return null;
    const kind = KEYED_KINDS.has(detector.kind) ? this._specificKind(secret, detector.kind) : detector.kind;
    return { start, end, replacement: this.replacement(kind, secret, report) };
  }

  /** For a value found by its key: the kind of a token detector matching inside it, if any. */
  private _specificKind(secret: string, fallback: string): string {
    const located = this._detectors.first(secret);
    if (located === undefined) return fallback;
    const { detector } = located;
    return detector.category === 'credential' && detector.secretGroups === 0 ? detector.kind : fallback;
  }

  /** Secrets found by their key (`password=…`, `Authorization: …`), after the token pass. */
  private _keyed(text: string, separators: readonly number[], report: RedactionReport): string {
    let output = '';
    let copied = 0;
    const found = (match: KeyedMatch): void => {
      const secret = text.slice(match.start, match.end);
      if (this._isAllowed(secret)) return;
      const kind = match.kind === 'secret_assignment' || match.kind === 'high_entropy_secret' ? this._specificKind(secret, match.kind) : match.kind;
      output += text.slice(copied, match.start) + this.replacement(kind, secret, report);
      copied = match.end;
    };
    this._sawRuleKey = scanKeyedAt(text, separators, KEYED_RULES, found);
    return copied === 0 ? text : output + text.slice(copied);
  }

  /** Email addresses, found from each `@` outwards (cheaper than a pattern at every position). */
  private _emails(text: string, report: RedactionReport): string {
    let output = '';
    let copied = 0;
    let at = text.indexOf('@');
    while (at !== -1) {
      let start = at;
      while (start > 0 && isLocalPartCharacter(text.charCodeAt(start - 1))) start--;
      let end = at + 1;
      while (end < text.length && isDomainCharacter(text.charCodeAt(end))) end++;
      while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
      while (start < at && text.charCodeAt(start) === 46) start++;
      const local = text.slice(start, at);
      const domain = text.slice(at + 1, end);
      if (start >= copied && local.length > 0 && local !== 'git' && isEmailDomain(domain)) {
        const secret = text.slice(start, end);
        if (!this._isAllowed(secret)) {
          output += text.slice(copied, start) + this.replacement(EMAIL_KIND, secret, report);
          copied = end;
        }
      }
      at = text.indexOf('@', Math.max(at + 1, end));
    }
    return copied === 0 ? text : output + text.slice(copied);
  }

  private _isAllowed(secret: string): boolean {
    if (this._allowStrings.has(secret)) return true;
    for (const pattern of this._allowPatterns) if (pattern.test(secret)) return true;
    return false;
  }

  private _decide(key: string): KeyDecision {
    const cached = this._keyCache.get(key);
    if (cached !== undefined) return cached;
    const decision = this._decideUncached(key);
    if (this._keyCache.size >= KEY_CACHE_LIMIT) this._keyCache.clear();
    this._keyCache.set(key, decision);
    return decision;
  }

  private _decideUncached(key: string): KeyDecision {
    for (const rule of this._keyRules) {
      const matches = typeof rule.key === 'string' ? rule.key.toLowerCase() === key.toLowerCase() : testOnce(rule.key, key);
      if (!matches) continue;
      if (rule.action === 'keep') return KEEP;
      if (rule.action === 'drop') return DROP;
      return { action: 'redact', kind: FAIL_CLOSED_KINDS.keyRule };
    }
    for (const [kind, pattern] of SECRET_KEY_NAME_RULES) {
      if (pattern.test(key)) return { action: 'redact', kind };
    }
    if (NON_SECRET_KEYS.has(key)) return INSPECT;
    if (WEAK_KEY_NAME_PATTERN.test(key)) return WEAK;
    return INSPECT;
  }
}

/**
 * How many characters a separator marker takes after the separator, and an escape marker after
 * the `%` (the escape's two hex digits and one more): so every marker takes four.
 */
const MARKER_TAIL = 3;

/**
 * What the detector scan also finds, as its groups 1 to 3: key separators (for the key pass),
 * `@` before something like a domain (for the email pass), percent escapes (for decoding). Each
 * takes at least four characters, as every detector does: the engine then checks several
 * characters at once at each position, and a one-character alternative made the whole scan a
 * third slower. So a separator needs MARKER_TAIL characters after it, and an escape one after its
 * hex digits; `_text` looks at the last MARKER_TAIL characters of a text itself. An email's
 * domain has a dot and two letters (`isEmailDomain`), so `@` always has them after it.
 */
export const SCAN_MARKERS: readonly string[] = [
  `${KEY_SEPARATOR_SOURCE}[\\s\\S]{${MARKER_TAIL}}`,
  '@[A-Za-z0-9.-]*\\.[A-Za-z]{2}',
  `${PERCENT_ESCAPE.source}[\\s\\S]{${MARKER_TAIL - 2}}`,
];
const KEY_SEPARATOR = new RegExp(KEY_SEPARATOR_SOURCE, 'y');
const PERCENT_ESCAPE_AT = new RegExp(PERCENT_ESCAPE.source, 'y');

/** Up to this length, `markersIn` reads a part character by character. */
const SHORT_PART = 16;

/** What a text pass's scan saw besides detector matches. */
interface Markers {
  /** Key separators, ascending, as positions in the text after the pass's replacements. */
  readonly separators: number[];
  /** An `@` (an email address may be there). */
  at: boolean;
  /** A percent escape (decoding may show more). */
  percentEscape: boolean;
}

function emptyMarkers(): Markers {
  return { separators: [], at: false, percentEscape: false };
}

/** A key separator at `position` (`shift` maps it to the text after the replacements so far). */
function noteSeparator(text: string, position: number, shift: number, markers: Markers): void {
  KEY_SEPARATOR.lastIndex = position;
  if (KEY_SEPARATOR.test(text)) markers.separators.push(position + shift);
}

function notePercentEscape(text: string, position: number, markers: Markers): void {
  PERCENT_ESCAPE_AT.lastIndex = position;
  if (PERCENT_ESCAPE_AT.test(text)) markers.percentEscape = true;
}

/**
 * The markers in `text[from, to)` (a part of the text the scan did not look at), added to
 * `markers`; `shift` maps a position to the text after the replacements so far.
 */
function markersIn(text: string, from: number, to: number, shift: number, markers: Markers): void {
  if (to - from <= SHORT_PART) {
    // Short parts (the end of every text) character by character: cheaper than the searches.
    for (let position = from; position < to; position++) {
      const code = text.charCodeAt(position);
      if (code === 58 /* : */ || code === 61 /* = */) noteSeparator(text, position, shift, markers);
      else if (code === 37 /* % */) notePercentEscape(text, position, markers);
      else if (code === 64 /* @ */) markers.at = true;
    }
    return;
  }
  const part = text.slice(from, to);
  if (part.includes('@')) markers.at = true;
  for (let percent = part.indexOf('%'); percent !== -1 && !markers.percentEscape; percent = part.indexOf('%', percent + 1)) {
    notePercentEscape(text, from + percent, markers);
  }
  let colon = part.indexOf(':');
  let equals = part.indexOf('=');
  while (colon !== -1 || equals !== -1) {
    const at = colon === -1 ? equals : equals === -1 ? colon : Math.min(colon, equals);
    noteSeparator(text, from + at, shift, markers);
    if (at === colon) colon = part.indexOf(':', at + 1);
    else equals = part.indexOf('=', at + 1);
  }
}

/** Two arrays with the same items (an attribute array whose redaction changed nothing). */
function sameItems(value: unknown, redacted: unknown): boolean {
  if (!Array.isArray(value) || !Array.isArray(redacted) || value.length !== redacted.length) return false;
  for (let index = 0; index < value.length; index++) if (value[index] !== redacted[index]) return false;
  return true;
}

/** A JSON object or array by its first and last non-blank characters. */
function looksLikeJson(value: string): boolean {
  let start = 0;
  while (start < value.length && value.charCodeAt(start) <= 32) start++;
  const first = value.charCodeAt(start);
  if (first !== 123 /* { */ && first !== 91 /* [ */) return false;
  let end = value.length - 1;
  while (end > start && value.charCodeAt(end) <= 32) end--;
  const last = value.charCodeAt(end);
  return (first === 123 && last === 125) || (first === 91 && last === 93);
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`redaction.${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function compileUserPattern(entry: RedactionPattern): { name: string; pattern: RegExp } {
  if (typeof entry?.name !== 'string' || !KIND_NAME.test(entry.name)) {
    throw new Error('redaction.patterns[].name must be letters, digits, "_", "-" or "." (it is written into [REDACTED:<name>])');
  }
  if (!(entry.pattern instanceof RegExp)) {
    throw new Error(`redaction.patterns[${entry.name}].pattern must be a RegExp`);
  }
  const flags = entry.pattern.flags.includes('g') ? entry.pattern.flags : `${entry.pattern.flags}g`;
  return { name: entry.name, pattern: new RegExp(entry.pattern.source, flags) };
}

function testOnce(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isLocalPartCharacter(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) ||
    code === 46 || code === 95 || code === 37 || code === 43 || code === 45
  );
}

function isDomainCharacter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 46 || code === 45;
}

function isEmailDomain(domain: string): boolean {
  const dot = domain.lastIndexOf('.');
  if (dot <= 0) return false;
  const tld = domain.slice(dot + 1);
  return tld.length >= 2 && /^[A-Za-z]+$/.test(tld) && !domain.includes('..');
}
