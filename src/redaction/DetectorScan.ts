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
import { firstCharacters } from './firstCharacters.js';

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
  /** Number of markers: the scan's groups 1…markers are theirs, later ones are `keep` detectors'. */
  private readonly _markers: number;
  /** The scan without the markers, not global: the first detector match in a string. */
  private readonly _search: RegExp;
  /** The same, sticky: whether some detector matches at a position. */
  private readonly _sticky: RegExp;
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
    for (const marker of markers) {
      if (new RegExp(`${marker}|`).exec('')!.length !== 1) throw new Error(`scan marker has capturing groups: ${marker}`);
    }
    this._markers = markers.length;
    this.scan = new RegExp([...markers.map((marker) => `(${marker})`), source].join('|'), 'g');
    this._search = new RegExp(source);
    this._sticky = new RegExp(source, 'y');
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

  /** Whether a match of `scan` is a whole match of a `keep` detector (its group participated). */
  isKept(found: RegExpExecArray): boolean {
    for (let group = this._markers + 1; group < found.length; group++) if (found[group] !== undefined) return true;
    return false;
  }

  /** Whether some detector matches at `index` (the scan says so unless a marker matched there). */
  matchesAt(text: string, index: number): boolean {
    this._sticky.lastIndex = index;
    return this._sticky.test(text);
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
