/**
 * Checks that confirm or reject a pattern match before it is redacted: checksums (Luhn,
 * IBAN mod-97), structure (Basic credentials), placeholders and entropy. Each takes the matched
 * secret text and returns true when it should be redacted.
 */

/** Luhn checksum over the digits of `text` (separators ignored), plus known card prefixes. */
export function isPaymentCardNumber(text: string): boolean {
  let digits = '';
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) digits += text[index];
  }
  if (digits.length < 13 || digits.length > 19) return false;
  if (!/^(?:4|5[1-5]|2[2-7]|3[47]|3[0689]|6(?:011|5|4[4-9]|2)|35)/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** IBAN lengths by country (ISO 13616 registry, the common ones). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22,
  GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31,
  MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SE: 24,
  SI: 19, SK: 24, SM: 27, TN: 24, TR: 26, UA: 29, VG: 24, XK: 20,
};

/** IBAN: known country, registered length, and the ISO 7064 mod-97 check. */
export function isIban(text: string): boolean {
  // Country and length first (cheap): most candidates end here. Either case, but not mixed
  // (mixed-case identifiers are not IBANs).
  const expected = IBAN_LENGTHS[text.slice(0, 2).toUpperCase()];
  if (expected === undefined) return false;
  let length = 0;
  let lower = false;
  let upper = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code !== 32 && code !== 45) length++;
    if (code >= 97 && code <= 122) lower = true;
    else if (code >= 65 && code <= 90) upper = true;
  }
  if (length !== expected || (lower && upper)) return false;
  const compact = text.replace(/[ -]/g, '').toUpperCase();
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let index = 0; index < rearranged.length; index++) {
    const code = rearranged.charCodeAt(index);
    if (code >= 48 && code <= 57) {
      remainder = (remainder * 10 + (code - 48)) % 97;
    } else if (code >= 65 && code <= 90) {
      remainder = (remainder * 100 + (code - 55)) % 97;
    } else {
      return false;
    }
  }
  return remainder === 1;
}

/**
 * A phone number: 9 to 15 digits. Space-separated North American numbers (`415 555 2671`) also
 * need a valid area code and exchange (first digit 2–9, not N11), since groups of numbers are
 * common in logs.
 */
export function isPhoneNumber(text: string): boolean {
  let digits = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) digits++;
  }
  if (digits < 9 || digits > 15) return false;
  if (text.length === 12 && text[3] === ' ' && text[7] === ' ') {
    return text.slice(1, 3) !== '11' && text.slice(5, 7) !== '11';
  }
  return true;
}

/** US social security number: rejects the never-issued areas and all-zero groups. */
export function isSocialSecurityNumber(text: string): boolean {
  const area = text.slice(0, 3);
  const group = text.slice(4, 6);
  const serial = text.slice(7, 11);
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

/** A `Basic` credential: base64 that decodes to printable `user:password`. */
export function isBasicCredential(text: string): boolean {
  if (text.length % 4 === 1) return false;
  const decoded = Buffer.from(text, 'base64').toString('latin1');
  if (!decoded.includes(':')) return false;
  return /^[\x20-\x7e]+$/.test(decoded);
}

/** A bearer token rather than an English word after "Bearer". */
export function isBearerToken(text: string): boolean {
  if (isPlaceholder(text)) return false;
  if (/[0-9._~+/=-]/.test(text)) return true;
  return text.length >= 20;
}

const PLACEHOLDER =
  /^(?:\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|%[sd]|%\([a-z_]+\)s|\{\{[^}]*\}\}|\{[A-Za-z_][A-Za-z0-9_]*\}|<[^<>]*>|\*+|x+|X+|\.{3}|…|null|nil|none|None|NULL|true|false|True|False|undefined|redacted|REDACTED|\[REDACTED[^\]]*\]|\[redacted\]|changeme|os\.environ.*|process\.env\..*|env\(.*\))$/;

/** Values that stand for a secret without being one: `${VAR}`, `<token>`, `***`, `null`, … */
export function isPlaceholder(text: string): boolean {
  return text.length === 0 || PLACEHOLDER.test(text);
}

/** A value next to a secret-named key: anything that is not a placeholder. */
export function isKeyedSecretValue(text: string): boolean {
  const trimmed = text.trim();
  return !isPlaceholder(trimmed) && /[A-Za-z0-9]/.test(trimmed);
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<number, number>();
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  let entropy = 0;
  for (const count of counts.values()) {
    const probability = count / text.length;
    entropy -= probability * Math.log2(probability);
  }
  return entropy;
}

const HEX_DIGEST = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128}|[0-9A-F]{32}|[0-9A-F]{40}|[0-9A-F]{64})$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * A secret-looking value for a weakly secret-named key (`*_key`, `sig`, `auth`, …): long,
 * mixed character classes and high entropy, and not a hex digest, UUID or placeholder.
 */
export function isHighEntropySecret(text: string): boolean {
  if (text.length < 16 || text.length > 1024) return false;
  if (isPlaceholder(text) || HEX_DIGEST.test(text) || UUID.test(text)) return false;
  if (/\s/.test(text) || /^[a-z]+(?:[._/-][a-z]+)*$/.test(text)) return false;
  if (isSegmented(text)) return false;
  let classes = 0;
  if (/[a-z]/.test(text)) classes++;
  if (/[A-Z]/.test(text)) classes++;
  if (/[0-9]/.test(text)) classes++;
  if (/[^A-Za-z0-9]/.test(text)) classes++;
  if (classes < 2) return false;
  return shannonEntropy(text) >= 3.5;
}

/** A segment a person or program chose: a word, a number, `camelCase`, `v2`, `abc123`, hex. */
const PLAIN_SEGMENT = /^(?:[a-z]+\d*|[A-Z]+\d*|\d+[a-z]{0,2}|[A-Z]?[a-z]+(?:[A-Z][a-z]+)*\d*|[0-9a-f]+)$/;
/** A segment that is a word of three letters or more. */
const WORD_SEGMENT = /^[A-Za-z][a-z]{2,}(?:[A-Z][a-z]+)*\d*$/;

/**
 * Paths, cache keys, sort keys and file names (`reports/2024/01/15/run-abc123.json`,
 * `user:1234:profile:v2`, `createdAt#2024-11-25T07:00:00Z`, `uploads/<uuid>.pdf`): separated
 * segments, one of them a word, each a plain word, number or hex run, or at most 5 characters.
 * Random secrets have long mixed-case segments.
 */
function isSegmented(text: string): boolean {
  const segments = text.split(/[/:#._=@|,+-]+/);
  if (segments.length < 2) return false;
  let word = false;
  for (const segment of segments) {
    if (segment.length > 5 && !PLAIN_SEGMENT.test(segment)) return false;
    if (!word && WORD_SEGMENT.test(segment)) word = true;
  }
  return word;
}

/** Dotted-quad IPv4 with octets in range, excluding version-like strings (a 0 first octet). */
export function isIpv4Address(text: string): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (const part of parts) {
    if (part.length > 1 && part[0] === '0') return false;
    if (Number(part) > 255) return false;
  }
  return parts[0] !== '0';
}
