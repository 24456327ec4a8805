/**
 * The characters a match of a regular-expression source can start with, read from the source:
 * literals, classes, `\d`/`\w`/`\s`, groups and alternations, skipping look-arounds, `\b` and
 * optional parts. Wider forms are widened to "any character" (a wrong guess costs the scan speed,
 * never a match: DetectorScan fails closed when the scan matches and no listed detector does), and
 * modifier groups (`(?i:…)`) are refused.
 */

/** The characters a match of a pattern can start with: ASCII codes, and whether any other. */
export interface FirstCharacters {
  readonly ascii: Uint8Array;
  other: boolean;
}

/**
 * The characters a match of `source` can start with, over-approximated where the pattern is
 * not simple (a wrong guess costs speed, never a missed match: the caller fails closed when the
 * scan matches and no detector does).
 */
export function firstCharacters(source: string): FirstCharacters {
  const parser = new FirstCharacterParser(source);
  const result = parser.alternation();
  if (parser.index !== source.length) throw new Error(`unbalanced pattern: ${source}`);
  return result.first;
}

interface Term {
  readonly first: FirstCharacters;
  /** Whether the term can match the empty string (so what follows can start the match). */
  readonly nullable: boolean;
}

function emptySet(): FirstCharacters {
  return { ascii: new Uint8Array(128), other: false };
}

function anySet(): FirstCharacters {
  return { ascii: new Uint8Array(128).fill(1), other: true };
}

function addAll(target: FirstCharacters, source: FirstCharacters): void {
  for (let code = 0; code < 128; code++) if (source.ascii[code] === 1) target.ascii[code] = 1;
  if (source.other) target.other = true;
}

function addRange(target: FirstCharacters, from: number, to: number): void {
  for (let code = from; code <= to; code++) {
    if (code < 128) target.ascii[code] = 1;
    else target.other = true;
  }
}

/** `\d`, `\w`, `\s` and single escaped characters; undefined for anything wider. */
function escapeSet(letter: string): FirstCharacters | undefined {
  const set = emptySet();
  switch (letter) {
    case 'd':
      addRange(set, 48, 57);
      return set;
    case 'w':
      addRange(set, 48, 57);
      addRange(set, 65, 90);
      addRange(set, 97, 122);
      addRange(set, 95, 95);
      return set;
    case 's':
      for (const code of [9, 10, 11, 12, 13, 32]) addRange(set, code, code);
      set.other = true;
      return set;
    case 'n':
      addRange(set, 10, 10);
      return set;
    case 'r':
      addRange(set, 13, 13);
      return set;
    case 't':
      addRange(set, 9, 9);
      return set;
    default:
      if (/[A-Za-z0-9]/.test(letter)) return undefined;
      addRange(set, letter.charCodeAt(0), letter.charCodeAt(0));
      return set;
  }
}

class FirstCharacterParser {
  index = 0;
  private readonly _source: string;

  constructor(source: string) {
    this._source = source;
  }

  alternation(): Term {
    const first = emptySet();
    let nullable = false;
    for (;;) {
      const term = this._sequence();
      addAll(first, term.first);
      nullable ||= term.nullable;
      if (this._source[this.index] !== '|') break;
      this.index++;
    }
    return { first, nullable };
  }

  private _sequence(): Term {
    const first = emptySet();
    let nullable = true;
    while (this.index < this._source.length && this._source[this.index] !== '|' && this._source[this.index] !== ')') {
      const term = this._quantified();
      if (nullable) addAll(first, term.first);
      nullable &&= term.nullable;
    }
    return { first, nullable };
  }

  private _quantified(): Term {
    const atom = this._atom();
    const source = this._source;
    const quantifier = source[this.index];
    let nullable = atom.nullable;
    if (quantifier === '?' || quantifier === '*') {
      nullable = true;
      this.index++;
    } else if (quantifier === '+') {
      this.index++;
    } else if (quantifier === '{') {
      const bounds = /^\{(\d+)(?:,\d*)?\}/.exec(source.slice(this.index));
      if (bounds !== null) {
        if (Number(bounds[1]) === 0) nullable = true;
        this.index += bounds[0].length;
      }
    } else {
      return atom;
    }
    if (source[this.index] === '?') this.index++; // lazy
    return { first: atom.first, nullable };
  }

  private _atom(): Term {
    const source = this._source;
    const character = source[this.index];
    if (character === '(') {
      this.index++;
      let zeroWidth = false;
      if (source.startsWith('?=', this.index) || source.startsWith('?!', this.index)) {
        zeroWidth = true;
        this.index += 2;
      } else if (source.startsWith('?<=', this.index) || source.startsWith('?<!', this.index)) {
        zeroWidth = true;
        this.index += 3;
      } else if (source.startsWith('?:', this.index)) {
        this.index += 2;
      } else if (source.startsWith('?<', this.index)) {
        this.index = source.indexOf('>', this.index) + 1;
      } else if (source[this.index] === '?') {
        // Modifiers (`(?i:…)`) would change which characters match: refuse rather than guess.
        throw new Error(`unsupported group in pattern: ${source}`);
      }
      const inner = this.alternation();
      if (source[this.index] !== ')') throw new Error(`unbalanced pattern: ${source}`);
      this.index++;
      return zeroWidth ? { first: emptySet(), nullable: true } : inner;
    }
    if (character === '[') return { first: this._class(), nullable: false };
    if (character === '\\') {
      const letter = source[this.index + 1];
      this.index += 2;
      if (letter === 'b' || letter === 'B') return { first: emptySet(), nullable: true };
      return { first: escapeSet(letter) ?? anySet(), nullable: false };
    }
    this.index++;
    if (character === '^' || character === '$') return { first: emptySet(), nullable: true };
    if (character === '.') return { first: anySet(), nullable: false };
    const set = emptySet();
    addRange(set, character.charCodeAt(0), character.charCodeAt(0));
    return { first: set, nullable: false };
  }

  private _class(): FirstCharacters {
    const source = this._source;
    this.index++; // [
    const negated = source[this.index] === '^';
    if (negated) this.index++;
    const set = emptySet();
    let previous: number | undefined;
    while (this.index < source.length && source[this.index] !== ']') {
      let code: number | undefined;
      if (source[this.index] === '\\') {
        const escaped = escapeSet(source[this.index + 1]);
        this.index += 2;
        if (escaped === undefined) {
          addAll(set, anySet());
          continue;
        }
        const single = escaped.other ? -1 : escaped.ascii.indexOf(1);
        if (single === -1 || escaped.ascii.lastIndexOf(1) !== single) {
          addAll(set, escaped);
          previous = undefined;
          continue;
        }
        code = single;
      } else if (source[this.index] === '-' && previous !== undefined && source[this.index + 1] !== ']') {
        this.index++;
        if (source[this.index] === '\\') {
          // An escaped end: one character (`\-`, `\]`) is read; anything wider (`\x7e`, `\u…`)
          // is not, and the class is taken as any character.
          const escaped = escapeSet(source[this.index + 1]);
          const single = escaped === undefined || escaped.other ? -1 : escaped.ascii.indexOf(1);
          this.index += 2;
          if (single === -1 || escaped!.ascii.lastIndexOf(1) !== single) addAll(set, anySet());
          else addRange(set, previous, single);
        } else {
          addRange(set, previous, source.charCodeAt(this.index));
          this.index++;
        }
        previous = undefined;
        continue;
      } else {
        code = source.charCodeAt(this.index);
        this.index++;
      }
      addRange(set, code, code);
      previous = code;
    }
    this.index++; // ]
    return negated ? anySet() : set;
  }
}
