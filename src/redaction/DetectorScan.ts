/**
 * The detectors compiled for the text pass. One scan pattern finds where the leftmost match of
 * any detector starts; the detector that matches there is then told by the first character: the
 * detectors that can start with it are tried in order, each with a sticky pattern of its own.
 *
 * Why not one pattern with a capturing group per detector: the engine sets up every group's
 * registers on each attempt, and telling the groups apart after a match meant re-running that
 * pattern (twice, with indices, for detectors that replace part of their match). The scan is
 * free to be arranged for speed (detectors sharing a literal prefix are factored into a trie)
 * because only where its match starts is used.
 */
import type { Detector, DetectorSection } from './detectors.js';

/** A detector's match at a position: the first detector, in order, whose pattern matches there. */
export interface DetectorMatch {
  readonly detector: Detector;
  /** The detector's own match: groups 1…`secretGroups`, with `indices` when it has groups. */
  readonly match: RegExpExecArray;
}

interface Entry {
  readonly detector: Detector;
  /** The detector's pattern behind its section's gate, sticky. */
  readonly sticky: RegExp;
}

/** Gates implied by each section's patterns (see `Detector.section`). */
const IDENTIFIER_GATE = '(?<![A-Za-z0-9])';
const SECTION_GATES: Readonly<Record<DetectorSection, string>> = {
  word: '\\b',
  identifier: IDENTIFIER_GATE,
  digit: '(?=[+(]|\\d{3}|\\d{1,2}\\.)(?<![A-Za-z0-9_.])',
  anywhere: '',
};
const SECTION_ORDER: readonly DetectorSection[] = ['word', 'identifier', 'digit', 'anywhere'];

export class DetectorScan {
  /**
   * Global. Its matches start where some detector matches, or are a marker's (group 1 + the
   * marker's index participates; a detector may start there too), or are a whole match of a
   * `keep` detector (a later group participates: the first detector matching there is that one,
   * so it need not be told). The scan has no other groups: the engine sets up every group's
   * registers on each attempt.
   */
  readonly scan: RegExp;
  /** The same, not global: the first match in a string, whatever `scan.lastIndex` is. */
  private readonly _search: RegExp;
  /** Detectors that can start with each ASCII character, in order. */
  private readonly _ascii: ReadonlyArray<readonly Entry[]>;
  /** Detectors that can start with a character outside ASCII. */
  private readonly _other: readonly Entry[];

  /**
   * @param markers pattern sources (without groups) the scan also finds, each in a group of its
   *   own, so that the caller learns what else a text holds in the same pass
   */
  constructor(detectors: readonly Detector[], markers: readonly string[] = []) {
    const entries: Entry[] = [];
    const sections: string[] = [];
    // A `keep` detector's match is told by a group of the scan (without asking which detector
    // matched) only while no other detector comes before it: the scan's trie keeps the order only
    // among detectors sharing a first character.
    const grouped = new Set<Detector>();
    let onlyKeep = true;
    for (const section of SECTION_ORDER) {
      const members = detectors.filter((detector) => detector.section === section);
      for (const detector of members) {
        const groups = new RegExp(`${detector.pattern}|`).exec('')!.length - 1;
        if (groups !== detector.secretGroups) {
          throw new Error(`detector ${detector.kind} declares ${detector.secretGroups} groups but has ${groups}`);
        }
        if (section === 'word' && !detector.pattern.startsWith('\\b')) {
          throw new Error(`detector ${detector.kind} is in the word section but does not start with \\b`);
        }
        const gate = section === 'word' ? '' : SECTION_GATES[section];
        entries.push({ detector, sticky: new RegExp(gate + detector.pattern, detector.secretGroups > 0 ? 'yd' : 'y') });
        onlyKeep &&= detector.category === 'keep';
        if (onlyKeep) grouped.add(detector);
      }
      if (members.length === 0) continue;
      const gate = SECTION_GATES[section];
      const items = members.map((detector) => {
        const body = withoutCaptures(detector.pattern);
        const [prefix, rest] = splitLiteralPrefix(section === 'word' ? body.slice(2) : body);
        return [prefix, grouped.has(detector) ? `(${rest})` : rest] as const;
      });
      sections.push(`${gate}(?:${trie(items)})`);
    }
    const source = sections.length === 0 ? '(?!)' : sections.join('|');
    this.scan = new RegExp([...markers.map((marker) => `(${marker})`), source].join('|'), 'g');
    this._search = new RegExp(source);
    const ascii: Entry[][] = Array.from({ length: 128 }, () => []);
    const other: Entry[] = [];
    for (const entry of entries) {
      const first = firstCharacters(entry.detector.pattern);
      for (let code = 0; code < 128; code++) if (first.ascii[code] === 1) ascii[code].push(entry);
      if (first.other) other.push(entry);
    }
    this._ascii = ascii;
    this._other = other;
  }

  /** The first detector, in order, that matches at `index`, if any. */
  at(text: string, index: number): DetectorMatch | undefined {
    const code = text.charCodeAt(index);
    const candidates = code < 128 ? this._ascii[code] : this._other;
    for (let position = 0; position < candidates.length; position++) {
      const { detector, sticky } = candidates[position];
      sticky.lastIndex = index;
      const match = sticky.exec(text);
      if (match !== null) return { detector, match };
    }
    return undefined;
  }

  /** The first detector match in `text` (used inside a scan of another text: it keeps no state). */
  first(text: string): DetectorMatch | undefined {
    const found = this._search.exec(text);
    return found === null ? undefined : this.at(text, found.index);
  }
}

/**
 * A pattern source split into its literal prefix (characters matched as they are, each once)
 * and the rest. Sources with an alternation at their top level are not split.
 */
function splitLiteralPrefix(source: string): readonly [prefix: string, rest: string] {
  if (hasTopLevelAlternation(source)) return ['', `(?:${source})`];
  let prefix = '';
  let index = 0;
  while (index < source.length) {
    const character = source[index];
    let literal: string | undefined;
    let width = 1;
    if (character === '\\') {
      const next = source[index + 1];
      if (next !== undefined && !/[A-Za-z0-9]/.test(next)) {
        literal = next;
        width = 2;
      }
    } else if (!'^$.|?*+()[]{}'.includes(character)) {
      literal = character;
    }
    if (literal === undefined || /^[?*+{]/.test(source.slice(index + width))) break;
    prefix += literal;
    index += width;
  }
  return [prefix, source.slice(index)];
}

/** Alternatives factored by their literal prefixes: `sk-a…|sk-b…` becomes `sk-(?:a…|b…)`. */
function trie(items: ReadonlyArray<readonly [prefix: string, rest: string]>): string {
  const byFirst = new Map<string, Array<readonly [string, string]>>();
  const order: Array<string | readonly [string, string]> = [];
  for (const item of items) {
    const [prefix, rest] = item;
    if (prefix === '') {
      order.push(['', rest]);
      continue;
    }
    const first = prefix[0];
    let group = byFirst.get(first);
    if (group === undefined) {
      group = [];
      byFirst.set(first, group);
      order.push(first);
    }
    group.push([prefix.slice(1), rest]);
  }
  const alternatives = order.map((entry) => {
    if (typeof entry !== 'string') return entry[1];
    const group = byFirst.get(entry)!;
    if (group.length === 1) return escapeLiteral(entry + group[0][0]) + group[0][1];
    return `${escapeLiteral(entry)}(?:${trie(group)})`;
  });
  return alternatives.join('|');
}

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}/-]/g, '\\$&');
}

/** Whether a pattern source has a `|` outside any group or class. */
function hasTopLevelAlternation(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let index = 0; index < source.length; index++) {
    const character = source[index];
    if (character === '\\') index++;
    else if (inClass) inClass = character !== ']';
    else if (character === '[') inClass = true;
    else if (character === '(') depth++;
    else if (character === ')') depth--;
    else if (character === '|' && depth === 0) return true;
  }
  return false;
}

/** The pattern source with its capturing groups made non-capturing (escapes and classes skipped). */
function withoutCaptures(source: string): string {
  let result = '';
  let inClass = false;
  for (let index = 0; index < source.length; index++) {
    const character = source[index];
    if (character === '\\') {
      result += source.slice(index, index + 2);
      index++;
      continue;
    }
    if (inClass) {
      if (character === ']') inClass = false;
    } else if (character === '[') {
      inClass = true;
    } else if (character === '(' && source[index + 1] !== '?') {
      result += '(?:';
      continue;
    }
    result += character;
  }
  return result;
}

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
        const to = source[this.index] === '\\' ? escapeSet(source[this.index + 1]) : undefined;
        const end = to === undefined ? source.charCodeAt(this.index) : to.ascii.indexOf(1);
        this.index += source[this.index] === '\\' ? 2 : 1;
        addRange(set, previous, end);
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
