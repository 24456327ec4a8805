/**
 * Secrets found by the key before them in free text: `password=…`, `"api_key": "…"`,
 * `Authorization: Bearer …`, `Cookie: …`, `DB_PASSWORD=…`, `signing_key: <random>`.
 *
 * Rather than trying key words at every position of the text (costly with dozens of them), the
 * key pass visits only the `:` and `=` that the Redactor's scan found after a key word a rule can
 * take (KEY_SEPARATOR_SOURCE), reads the key just before each and only then matches the value
 * with a sticky pattern.
 */
import { isHighEntropySecret, isKeyedSecretValue } from './validators.js';

/** The value after a separator: quoted (JSON escapes allowed), escaped-quoted, single-quoted or bare. */
const VALUE =
  '[ \\t]*(?:"((?:[^"\\\\\\r\\n]|\\\\[^"])*)"|\\\\"([^"\\\\\\r\\n]*)\\\\"|\'([^\'\\r\\n]*)\'|(?!\\$\\{)([^\\s"\'`,;&<>(){}\\[\\]\\\\]+))';

/**
 * VALUE with the bare word read up to 1,025 characters: enough for isHighEntropySecret (which
 * rejects longer values), and a rejected value then costs bounded time at each separator inside
 * it (unbounded, `sig=` repeated over 1 MiB took seconds).
 */
const BOUNDED_VALUE = `${VALUE.slice(0, -3)}{1,1025}))`;

/** The rest of a bare word (VALUE's last alternative). */
const BARE_WORD = /[^\s"'`,;&<>(){}[\]\\]*/y;

/**
 * The last bare word found too long for a rule with `maxLength`, during one scan:
 * `longText.slice(longStart, longEnd)`. A nested scan (from a callback) of another text only
 * replaces or clears it, which costs the outer scan the shortcut, never correctness.
 */
let longText: string | undefined;
let longStart = 0;
let longEnd = 0;

export interface KeyedRule {
  /** The kind reported, as in `[REDACTED:<kind>]`. */
  readonly kind: string;
  /**
   * Tested against the lower-cased key (up to 64 characters of `[a-z0-9_.-]` before the
   * separator), preceded by the character before the key (`;pwd`, ` token`, `"secret`).
   */
  readonly key: RegExp;
  /** Only after this separator, when set. */
  readonly separator?: ':' | '=';
  /** Sticky pattern for the value, run just after the separator; the first participating group is the secret. */
  readonly value: RegExp;
  readonly validate?: (secret: string) => boolean;
  /**
   * Longest value the rule accepts, when its bare value is read up to one more character: a bare
   * word found longer is remembered, so the separators inside it are rejected without matching.
   */
  readonly maxLength?: number;
}

/** Rules in priority order: the first whose key matches decides. */
export const KEYED_RULES: readonly KeyedRule[] = [
  {
    kind: 'aws_secret_access_key',
    key: /secret_?access_?key$/,
    value: /[ \t]*(?:\\*["'])?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/dy,
  },
  { kind: 'azure_storage_key', key: /(?:^|[^a-z0-9])accountkey$/, separator: '=', value: /[ \t]*([A-Za-z0-9+/]{86}==)/dy },
  {
    kind: 'datadog_api_key',
    key: /(?:^|[^a-z0-9])(?:dd|datadog)[_-]?(?:api|app|application)[_-]?key$/,
    value: /[ \t]*(?:\\*["'])?([0-9a-f]{32,40})\b/dy,
  },
  {
    kind: 'authorization',
    key: /authorization$/,
    value: /[ \t]*(?:\\?["'])?((?:bearer|basic|token|digest|negotiate|bot|apikey|aws4-hmac-sha256|sharedkey)[ \t]+[^"'\r\n\\]+|[^\s"'\\,;]+)/diy,
  },
  { kind: 'cookie', key: /(?:^|[^a-z])(?:set-?)?cookie$/, value: /[ \t]*(?:\\?["'])?([^"'\r\n\\]+)/dy },
  {
    kind: 'session_cookie',
    key: /(?:^|[^a-z0-9])(?:session(?:_?id)?|connect\.sid|jsessionid|phpsessid|asp\.net_sessionid|_session|sid)$/,
    separator: '=',
    value: /([^;\s&"',]{8,})/dy,
  },
  {
    kind: 'secret_assignment',
    key: /(?:password|passwd|passphrase|secret|api[_-]?key|access[_-]?key|private[_-]?key|access[_-]?token|refresh[_-]?token|auth[_-]?token|id[_-]?token|session[_-]?token|token|credentials?)(?:[_-]?key)?$|[;_.-]pwd$/,
    value: new RegExp(VALUE, 'dy'),
    validate: isKeyedSecretValue,
  },
  {
    // Signed URLs (S3, GCS): hex signatures, which the entropy rule would take for digests.
    kind: 'url_signature',
    key: /(?:^|[^a-z0-9])x-(?:amz|goog)-signature$/,
    value: /[ \t]*(?:\\*["'])?([0-9a-fA-F]{8,})(?![0-9A-Za-z])/dy,
  },
  {
    kind: 'high_entropy_secret',
    // Object and message keys named by semantic conventions (`aws.s3.key`) are not secrets.
    key: /(?:^|[^a-z0-9])(?:(?<!aws\.s3\.|message\.|routing_|ordering_)key|sig|signature|auth|hmac|salt|cert|dsn)$/,
    value: new RegExp(BOUNDED_VALUE, 'dy'),
    validate: isHighEntropySecret,
    maxLength: 1024,
  },
];

/** The ends of the keys some rule can match. */
const RULE_KEY_WORDS: readonly string[] = [
  'key', 'token', 'secret', 'passwd', 'password', 'passphrase', 'pwd', 'authorization', 'cookie', 'cookies', 'sid',
  'session', 'session_id', 'sessionid', 'sig', 'signature', 'auth', 'salt', 'cert', 'dsn', 'hmac', 'nonce', 'credential',
  'credentials',
];

/** Any key one of the rules could match (lower-cased): tested first, so most keys cost one test. */
const ANY_RULE_KEY = new RegExp(`(?:${RULE_KEY_WORDS.join('|')})$`);

/** Their last three letters, lower-cased and packed as `matchAt` reads them: a cheaper first check. */
const RULE_KEY_ENDINGS: ReadonlySet<number> = new Set(RULE_KEY_WORDS.map((word) => pack(word.slice(-3))));

/**
 * Pattern source matching (without capturing groups) exactly the separators `matchAt` can find a
 * rule key before: a `:` or `=` after one of RULE_KEY_WORDS (any case), closing quotes or
 * backslashes, then blanks. The Redactor's detector scan finds these in the same pass as the
 * detectors, so the separators of most texts are never visited one by one.
 */
export const KEY_SEPARATOR_SOURCE = `[:=](?<=(?:${keyWordAlternatives()})["'\\\\]*[ \\t]*[:=])`;

/** RULE_KEY_WORDS as case-insensitive alternatives grouped by last letter (a look-behind reads it first). */
function keyWordAlternatives(): string {
  const caseless = (text: string): string =>
    [...text].map((character) => (character === character.toUpperCase() ? character : `[${character.toUpperCase()}${character}]`)).join('');
  const byLast = new Map<string, string[]>();
  for (const word of RULE_KEY_WORDS) {
    const heads = byLast.get(word.slice(-1)) ?? [];
    heads.push(caseless(word.slice(0, -1)));
    byLast.set(word.slice(-1), heads);
  }
  return [...byLast].map(([last, heads]) => `(?:${heads.join('|')})${caseless(last)}`).join('|');
}

/** Three characters, lower-cased the cheap way (`| 32`), packed into one number. */
function pack(ending: string): number {
  return ((ending.charCodeAt(0) | 32) << 16) | ((ending.charCodeAt(1) | 32) << 8) | (ending.charCodeAt(2) | 32);
}

export interface KeyedMatch {
  readonly kind: string;
  readonly start: number;
  readonly end: number;
}

const MAX_KEY_LENGTH = 64;
const REDACTED_PREFIX = '[REDACTED:';

function isKeyCharacter(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) ||
    code === 95 || code === 46 || code === 45
  );
}

function isLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

/**
 * Calls `found` for each keyed secret in `text`, in order, without overlaps, visiting only
 * `separators`: ascending positions in `text` that include every match of KEY_SEPARATOR_SOURCE
 * (at other `:` and `=` no rule key can end). Returns whether any key a rule could match was seen
 * (even when its value was not a secret).
 */
export function scanKeyedAt(
  text: string,
  separators: readonly number[],
  rules: readonly KeyedRule[],
  found: (match: KeyedMatch) => void,
): boolean {
  let sawRuleKey = false;
  let resume = 0;
  try {
    for (let index = 0; index < separators.length; index++) {
      const position = separators[index];
      if (position < resume) continue;
      const match = matchAt(text, position, rules);
      if (match !== NOT_A_RULE_KEY) sawRuleKey = true;
      if (match !== undefined && match !== NOT_A_RULE_KEY) {
        found(match);
        resume = match.end;
      }
    }
  } finally {
    longText = undefined; // not kept alive after the scan, even when a callback throws
  }
  return sawRuleKey;
}

/** Returned by matchAt when the key before the separator is not one any rule could match. */
const NOT_A_RULE_KEY: unique symbol = Symbol('not a rule key');

function matchAt(text: string, position: number, rules: readonly KeyedRule[]): KeyedMatch | undefined | typeof NOT_A_RULE_KEY {
  let end = position - 1;
  while (end >= 0 && (text.charCodeAt(end) === 32 || text.charCodeAt(end) === 9)) end--;
  // Closing quotes, escaped any number of times (JSON inside JSON inside JSON).
  while (end >= 0 && (text.charCodeAt(end) === 34 || text.charCodeAt(end) === 39 || text.charCodeAt(end) === 92)) end--;
  if (end < 2 || !isLetter(text.charCodeAt(end))) return NOT_A_RULE_KEY;
  const ending = ((text.charCodeAt(end - 2) | 32) << 16) | ((text.charCodeAt(end - 1) | 32) << 8) | (text.charCodeAt(end) | 32);
  if (!RULE_KEY_ENDINGS.has(ending)) return NOT_A_RULE_KEY;
  let start = end;
  while (start > 0 && end - start < MAX_KEY_LENGTH && isKeyCharacter(text.charCodeAt(start - 1))) start--;
  // A replacement's kind (`[REDACTED:api_key:<hash>]` in hash mode) is no key.
  if (start >= 10 && text.startsWith(REDACTED_PREFIX, start - 10)) return NOT_A_RULE_KEY;
  const key = text.slice(start > 0 ? start - 1 : start, end + 1).toLowerCase();
  if (!ANY_RULE_KEY.test(key)) return NOT_A_RULE_KEY;
  const separator = text[position] as ':' | '=';
  for (const rule of rules) {
    if (rule.separator !== undefined && rule.separator !== separator) continue;
    if (!rule.key.test(key)) continue;
    const from = position + 1;
    if (rule.maxLength !== undefined && longText === text && from >= longStart && longEnd - from > rule.maxLength) return undefined;
    rule.value.lastIndex = from;
    const value = rule.value.exec(text);
    if (value === null) return undefined;
    for (let group = 1; group < value.length; group++) {
      if (value[group] === undefined) continue;
      const [secretStart, secretEnd] = value.indices![group];
      if (rule.maxLength !== undefined && secretEnd - secretStart > rule.maxLength) {
        if (group === value.length - 1) {
          // A bare word too long for the rule: remember where it ends.
          BARE_WORD.lastIndex = secretEnd;
          BARE_WORD.exec(text);
          longText = text;
          longStart = secretStart;
          longEnd = BARE_WORD.lastIndex;
        }
        return undefined;
      }
      const secret = text.slice(secretStart, secretEnd);
      if (secret.length === 0 || secret.includes('[REDACTED')) return undefined;
      if (rule.validate !== undefined && !rule.validate(secret)) return undefined;
      return { kind: rule.kind, start: secretStart, end: secretEnd };
    }
    return undefined;
  }
  return undefined;
}
