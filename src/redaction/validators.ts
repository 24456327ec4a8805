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
  const compact = text.replace(/[ -]/g, '').toUpperCase();
  const expected = IBAN_LENGTHS[compact.slice(0, 2)];
  if (expected === undefined || compact.length !== expected) return false;
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
  let classes = 0;
  if (/[a-z]/.test(text)) classes++;
  if (/[A-Z]/.test(text)) classes++;
  if (/[0-9]/.test(text)) classes++;
  if (/[^A-Za-z0-9]/.test(text)) classes++;
  if (classes < 2) return false;
  return shannonEntropy(text) >= 3.5;
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
