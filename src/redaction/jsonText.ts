/**
 * Where each value and key of a JSON text is, so redaction can replace single values (and keys)
 * in place and copy everything else byte for byte: numbers keep their source text
 * (`1859912345678901234` stays exact, `1.10` stays `1.10`), and whitespace, escapes and member
 * order (integer-like keys included) stay as they were.
 */

export type JsonNode = JsonObject | JsonArray | JsonScalar;

/** A string (`start` at its opening quote), a number, or `true`/`false`/`null`. */
export interface JsonScalar {
  readonly type: 'string' | 'number' | 'literal';
  readonly start: number;
  readonly end: number;
}

export interface JsonArray {
  readonly type: 'array';
  readonly start: number;
  end: number;
  readonly items: JsonNode[];
}

export interface JsonObject {
  readonly type: 'object';
  readonly start: number;
  end: number;
  readonly members: JsonMember[];
}

export interface JsonMember {
  /** The decoded key. */
  readonly key: string;
  /** The key's source range, quotes included. */
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly value: JsonNode;
}

/**
 * Locates the values of `text`, which must be valid JSON (check it with `JSON.parse` first: this
 * reader trusts the syntax). Iterative, so nesting depth is no concern here.
 */
export function locateJson(text: string): JsonNode {
  const stack: Array<JsonObject | JsonArray> = [];
  let root: JsonNode | undefined;
  let key = '';
  let keyStart = 0;
  let keyEnd = 0;
  let position = skipBlanks(text, 0);

  const attach = (node: JsonNode): void => {
    const parent = stack.at(-1);
    if (parent === undefined) root = node;
    else if (parent.type === 'object') parent.members.push({ key, keyStart, keyEnd, value: node });
    else parent.items.push(node);
  };
  const readKey = (): void => {
    keyStart = position;
    keyEnd = stringEnd(text, position);
    key = decodeJsonString(text.slice(keyStart, keyEnd));
    position = skipBlanks(text, keyEnd);
    position = skipBlanks(text, position + 1); // the colon
  };

  for (;;) {
    const code = text.charCodeAt(position);
    if (code === 123 /* { */ || code === 91 /* [ */) {
      const node: JsonObject | JsonArray =
        code === 123 ? { type: 'object', start: position, end: -1, members: [] } : { type: 'array', start: position, end: -1, items: [] };
      attach(node);
      position = skipBlanks(text, position + 1);
      const closing = text.charCodeAt(position);
      if (closing === 125 /* } */ || closing === 93 /* ] */) {
        node.end = ++position;
      } else {
        stack.push(node);
        if (node.type === 'object') readKey();
        continue;
      }
    } else {
      const end = code === 34 /* " */ ? stringEnd(text, position) : scalarEnd(text, position);
      const type = code === 34 ? 'string' : code === 116 || code === 102 || code === 110 ? 'literal' : 'number';
      attach({ type, start: position, end });
      position = end;
    }
    // After a value: a comma (next member or item) or the end of one or more containers.
    for (;;) {
      position = skipBlanks(text, position);
      const parent = stack.at(-1);
      if (parent === undefined) return root!;
      if (text.charCodeAt(position) === 44 /* , */) {
        position = skipBlanks(text, position + 1);
        if (parent.type === 'object') readKey();
        break;
      }
      parent.end = ++position;
      stack.pop();
    }
  }
}

/** The text of a JSON string token (quotes included), decoded. */
export function decodeJsonString(token: string): string {
  return token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
}

function skipBlanks(text: string, position: number): number {
  let index = position;
  for (;;) {
    const code = text.charCodeAt(index);
    if (code !== 32 && code !== 10 && code !== 13 && code !== 9) return index;
    index++;
  }
}

/** The end of the string token opening at `start` (after its closing quote). */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The end of a number or literal: the next delimiter. */
function scalarEnd(text: string, start: number): number {
  let index = start;
  for (;;) {
    const code = text.charCodeAt(index);
    if (Number.isNaN(code) || code === 44 || code === 125 || code === 93 || code === 32 || code === 10 || code === 13 || code === 9) return index;
    index++;
  }
}
