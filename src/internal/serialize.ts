import type { AttributeValue } from '@opentelemetry/api';

/** Limits applied when user values become attributes or record fields. */
export interface SerializeLimits {
  /** Longest string kept, in UTF-16 code units; longer ones are cut and marked. Default 8192. */
  readonly maxStringLength: number;
  /** Deepest nesting serialised; deeper values become `"[Truncated: depth]"`. Default 8. */
  readonly maxDepth: number;
  /** Most array items or object keys serialised per level; the rest are summarised. Default 256. */
  readonly maxItems: number;
}

export const DEFAULT_SERIALIZE_LIMITS: SerializeLimits = {
  maxStringLength: 8192,
  maxDepth: 8,
  maxItems: 256,
};

export const TRUNCATION_MARK = '…[truncated ';

/** Readable text of an attribute value (arrays joined with commas), for bodies and keys. */
export function attributeText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(attributeText).join(',');
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'symbol':
      return value.toString();
    default:
      return safeStringify(value);
  }
}

/** Cuts `value` to the limit, marking the cut with how many code units were dropped. */
export function truncateString(value: string, maxLength: number): string {
  if (value.length <= maxLength) return value;
  return `${value.slice(0, maxLength)}${TRUNCATION_MARK}${value.length - maxLength} chars]`;
}

function describeFunction(fn: (...args: never[]) => unknown): string {
  return `[Function ${fn.name || 'anonymous'}]`;
}

/**
 * Converts any value into something JSON.stringify accepts without throwing: cycles, BigInt,
 * functions, symbols, errors, Maps/Sets, typed arrays and over-deep or over-wide structures are
 * replaced by descriptive strings. Never throws.
 */
export function toJsonSafe(value: unknown, limits: SerializeLimits = DEFAULT_SERIALIZE_LIMITS): unknown {
  const seen = new WeakSet<object>();
  const visit = (input: unknown, depth: number): unknown => {
    switch (typeof input) {
      case 'string':
        return truncateString(input, limits.maxStringLength);
      case 'number':
        return Number.isFinite(input) ? input : String(input);
      case 'boolean':
        return input;
      case 'bigint':
        return `${input.toString()}n`;
      case 'symbol':
        return input.toString();
      case 'function':
        return describeFunction(input as (...args: never[]) => unknown);
      case 'undefined':
        return null;
      default:
        break;
    }
    if (input === null) return null;
    const object = input as object;
    if (seen.has(object)) return '[Circular]';
    if (depth >= limits.maxDepth) return '[Truncated: depth]';
    seen.add(object);
    try {
      if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
      if (object instanceof Error) {
        return { name: object.name, message: truncateString(object.message, limits.maxStringLength) };
      }
      if (ArrayBuffer.isView(object)) return `[${object.constructor.name} ${object.byteLength} bytes]`;
      if (object instanceof Map) return visit(Object.fromEntries(object), depth);
      if (object instanceof Set) return visit([...object], depth);
      if (Array.isArray(object)) {
        const out: unknown[] = [];
        const n = Math.min(object.length, limits.maxItems);
        for (let i = 0; i < n; i++) out.push(visit(object[i], depth + 1));
        if (object.length > n) out.push(`[Truncated: ${object.length - n} more items]`);
        return out;
      }
      const out: Record<string, unknown> = {};
      let count = 0;
      let total = 0;
      for (const key in object) {
        if (!Object.prototype.hasOwnProperty.call(object, key)) continue;
        total++;
        if (count >= limits.maxItems) continue;
        let child: unknown;
        try {
          child = (object as Record<string, unknown>)[key];
        } catch {
          child = '[Unreadable]';
        }
        out[key] = visit(child, depth + 1);
        count++;
      }
      if (total > count) out['[truncated]'] = `${total - count} more keys`;
      return out;
    } catch {
      return '[Unserializable]';
    } finally {
      seen.delete(object);
    }
  };
  return visit(value, 0);
}

/** JSON text for any value, within the limits. Never throws. */
export function safeStringify(value: unknown, limits: SerializeLimits = DEFAULT_SERIALIZE_LIMITS): string {
  if (typeof value === 'string') return truncateString(value, limits.maxStringLength);
  try {
    const text = JSON.stringify(toJsonSafe(value, limits)) ?? 'null';
    return truncateString(text, limits.maxStringLength * 4);
  } catch {
    return '"[Unserializable]"';
  }
}

function isHomogeneousPrimitiveArray(value: readonly unknown[]): boolean {
  if (value.length === 0) return true;
  let kind: string | undefined;
  for (const item of value) {
    if (item === null || item === undefined) continue;
    const t = typeof item;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') return false;
    if (kind === undefined) kind = t;
    else if (kind !== t) return false;
  }
  return true;
}

/**
 * An attribute value for any input: primitives stay as they are (strings truncated), arrays of
 * one primitive type stay arrays, everything else becomes JSON text.
 */
export function toAttributeValue(
  value: unknown,
  limits: SerializeLimits = DEFAULT_SERIALIZE_LIMITS,
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- the API's AttributeValue is loose; undefined means "omit"
): AttributeValue | undefined {
  switch (typeof value) {
    case 'string':
      return truncateString(value, limits.maxStringLength);
    case 'number':
    case 'boolean':
      return value;
    case 'undefined':
      return undefined;
    default:
      break;
  }
  if (value === null) return undefined;
  if (Array.isArray(value) && value.length <= limits.maxItems && isHomogeneousPrimitiveArray(value)) {
    return value.map((item: unknown) =>
      typeof item === 'string' ? truncateString(item, limits.maxStringLength) : item,
    );
  }
  return safeStringify(value, limits);
}
