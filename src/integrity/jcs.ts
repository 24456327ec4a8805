/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * Objects: members sorted by key, comparing UTF-16 code units (the default JavaScript string
 * order, which is what RFC 8785 section 3.2.3 prescribes); no whitespace; strings and numbers
 * serialised exactly as ECMAScript's `JSON.stringify` does (RFC 8785 sections 3.2.2.2 and
 * 3.2.2.3 adopt ECMAScript's rules). `undefined` members are left out, as in JSON.
 */

/** A value JCS can serialise. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };

/** Thrown for values JSON cannot represent (NaN, Infinity, bigint, functions, cycles). */
export class CanonicalizationError extends Error {
  override readonly name = 'CanonicalizationError';
}

const MAX_DEPTH = 64;

/** The canonical JSON text of `value`. Throws `CanonicalizationError` for non-JSON values. */
export function canonicalize(value: unknown): string {
  return serialize(value, 0);
}

function serialize(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new CanonicalizationError(`nesting deeper than ${MAX_DEPTH}`);
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalizationError(`${value} is not a JSON number`);
      // ECMAScript Number::toString, which RFC 8785 requires; -0 serialises as 0.
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i += 1) {
          if (i > 0) out += ',';
          const element: unknown = value[i];
          out += element === undefined ? 'null' : serialize(element, depth + 1);
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${JSON.stringify(key)}:${serialize(member, depth + 1)}`;
      }
      return `${out}}`;
    }
    default:
      throw new CanonicalizationError(`a ${typeof value} is not a JSON value`);
  }
}
