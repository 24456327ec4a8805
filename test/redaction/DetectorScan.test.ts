import { describe, expect, it } from 'vitest';
import { DetectorScan } from '../../src/redaction/DetectorScan.js';
import { firstCharacters } from '../../src/redaction/firstCharacters.js';
import { Redactor, SCAN_MARKERS } from '../../src/redaction/Redactor.js';
import { BUILT_IN_DETECTORS, IP_ADDRESS_DETECTORS, type Detector } from '../../src/redaction/detectors.js';
import { KEY_SEPARATOR_SOURCE, KEYED_RULES, scanKeyedAt, type KeyedMatch } from '../../src/redaction/keyed.js';
import { generateCorpus, mixedText } from './corpus.js';

const DETECTORS: readonly Detector[] = [...BUILT_IN_DETECTORS, ...IP_ADDRESS_DETECTORS];

/** Texts with every kind of secret and look-alike in them: the corpus, one sample a line, and mixed text. */
function texts(): string[] {
  const corpus = generateCorpus({ seed: 11 });
  return [
    ...corpus.positives.map((sample) => sample.text),
    ...corpus.negatives.map((sample) => sample.text),
    mixedText(256 * 1024, 3),
  ];
}

/**
 * The detectors as one alternation with a group each, tried in order at each position: what the
 * Redactor compiled before the scan and the per-character dispatch (the reference they must equal).
 */
function referenceMatches(detectors: readonly Detector[], text: string): Array<[index: number, kind: string, length: number]> {
  const gates: Record<string, string> = {
    word: '',
    identifier: '(?<![A-Za-z0-9])',
    digit: '(?=[+(]|\\d{3}|\\d{1,2}\\.)(?<![A-Za-z0-9_.])',
    anywhere: '',
  };
  const order = ['word', 'identifier', 'digit', 'anywhere'];
  const sorted = order.flatMap((section) => detectors.filter((detector) => detector.section === section));
  const sticky = sorted.map((detector) => new RegExp(gates[detector.section] + detector.pattern, 'y'));
  const found: Array<[number, string, number]> = [];
  for (let index = 0; index < text.length; index++) {
    for (let entry = 0; entry < sorted.length; entry++) {
      sticky[entry].lastIndex = index;
      const match = sticky[entry].exec(text);
      if (match === null) continue;
      found.push([index, sorted[entry].kind, match[0].length]);
      index += Math.max(match[0].length, 1) - 1;
      break;
    }
  }
  return found;
}

function scanMatches(scan: DetectorScan, text: string): Array<[number, string, number]> {
  const found: Array<[number, string, number]> = [];
  const pattern = scan.scan;
  pattern.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    const located = scan.at(text, match.index);
    if (located === undefined) {
      // Only a marker (a key separator, `@`, a percent escape) may be where no detector matches.
      expect(match[1] ?? match[2] ?? match[3]).toBeDefined();
      expect(scan.matchesAt(text, match.index)).toBe(false);
      pattern.lastIndex = match.index + 1;
      continue;
    }
    found.push([match.index, located.detector.kind, located.match[0].length]);
    pattern.lastIndex = match.index + Math.max(located.match[0].length, 1);
  }
  return found;
}

describe('DetectorScan', () => {
  it('finds the same matches, of the same detectors, as the detectors tried one by one at every position', () => {
    for (const detectors of [BUILT_IN_DETECTORS, DETECTORS]) {
      const scan = new DetectorScan(detectors, SCAN_MARKERS);
      let total = 0;
      for (const text of texts()) {
        const expected = referenceMatches(detectors, text);
        expect(scanMatches(scan, text)).toEqual(expected);
        total += expected.length;
      }
      expect(total).toBeGreaterThan(2000);
    }
  });

  it('lists every character a match of each detector starts with', () => {
    const corpus = texts().join('\n');
    for (const detector of DETECTORS) {
      const first = firstCharacters(detector.pattern);
      const pattern = new RegExp(detector.pattern, 'g');
      for (const match of corpus.matchAll(pattern)) {
        const code = match[0].charCodeAt(0);
        expect(code < 128 ? first.ascii[code] === 1 : first.other, `${detector.kind} at ${JSON.stringify(match[0].slice(0, 12))}`).toBe(true);
      }
    }
  });

  it('reads first characters through look-arounds, optional parts, groups and classes', () => {
    const chars = (source: string): string => {
      const first = firstCharacters(source);
      let listed = '';
      for (let code = 0; code < 128; code++) if (first.ascii[code] === 1) listed += String.fromCharCode(code);
      return listed + (first.other ? '+other' : '');
    };
    expect(chars('\\bsk-')).toBe('s');
    expect(chars('(?<![\\w.])(?:\\+\\d|\\(\\d{3}\\)|[2-4]x)')).toBe('(+234');
    expect(chars('a?b*c')).toBe('abc');
    expect(chars('(?:x{0,2}|y)z')).toBe('xyz');
    expect(chars('[^a]')).toHaveLength(128 + '+other'.length);
    expect(chars('\\s')).toBe('\t\n\u000b\f\r +other');
    expect(() => firstCharacters('(abc')).toThrow();
    // What cannot be read is refused or widened, never narrowed.
    expect(() => firstCharacters('(?i:abc)')).toThrow(/unsupported group/);
    expect(chars('[!-\\x7e]')).toHaveLength(128 + '+other'.length);
    expect(chars('[!-\\-]')).toBe('!"#$%&\'()*+,-');
    expect(() => new DetectorScan(BUILT_IN_DETECTORS, ['(x)yz'])).toThrow(/capturing groups/);
  });

  it('visits every separator a key rule can follow (the key pass on the scan positions equals the pass on all of them)', () => {
    const separator = new RegExp(KEY_SEPARATOR_SOURCE, 'g');
    // Every rule's keys, in the forms the key pass reads: a rule whose key word the separator
    // pattern lacks would never fire.
    const keys = [
      'password', 'DB_PASSWORD', 'passwd', 'passphrase', 'secret', 'client_secret', 'api_key', 'apikey', 'x-api-key', 'access_key',
      'private_key', 'access_token', 'refresh_token', 'auth_token', 'id_token', 'session_token', 'token', 'credentials', 'credential',
      'X-Amz-Signature', 'x-goog-signature', 'AccountKey', 'DD_API_KEY', 'datadog_app_key', 'Authorization', 'Proxy-Authorization',
      'cookie', 'Set-Cookie', 'sessionid', 'session_id', 'session', 'connect.sid', 'JSESSIONID', 'PHPSESSID', 'sid', 'signing_key',
      'sig', 'signature', 'auth', 'hmac', 'salt', 'cert', 'dsn', ';Pwd', 'aws_secret_access_key',
    ];
    const keyTexts = keys.flatMap((key) => [
      `${key}=Zx9kQ2mW7pL4vB8nQx3dF5gH7jK9lZx9kQ2mW7pL4v`,
      `{"${key}": "Zx9kQ2mW7pL4vB8nQx3dF5gH7jK9lZx9kQ2mW7pL4v"}`,
      `${key}: Bearer Zx9kQ2mW7pL4vB8nQx3dF5gH7jK9l`,
      `${key}=abcdef0123456789abcdef0123456789abcdef01`,
    ]);
    const redactor = new Redactor();
    for (const key of keys) {
      // Each rule's value format: hex signatures and Datadog keys, Azure's 88-character key, AWS's 40.
      const random = 'Zx9kQ2mW7pL4vB8nQx3dF5gH7jK9lZx9kQ2mW7pL4vZx9kQ2mW7pL4vB8nQx3dF5gH7jK9lZx9kQ2mW7pL4vZx9k';
      const value = /^x-(?:amz|goog)-signature$|^dd_|^datadog/i.test(key)
        ? 'abcdef0123456789abcdef0123456789abcdef01'
        : key === 'AccountKey'
          ? `${random.slice(0, 86)}==`
          : key === 'aws_secret_access_key'
            ? random.slice(0, 40)
            : random.slice(0, 42);
      expect(redactor.redactString(`${key}=${value}`), key).not.toContain(value.slice(0, 16));
    }
    let keyed = 0;
    for (const text of [...texts(), ...keyTexts]) {
      const all: number[] = [];
      for (let index = 0; index < text.length; index++) if (text[index] === ':' || text[index] === '=') all.push(index);
      const candidates = [...text.matchAll(separator)].map((match) => match.index);
      const everywhere: KeyedMatch[] = [];
      const sawEverywhere = scanKeyedAt(text, all, KEYED_RULES, (match) => everywhere.push(match));
      const atCandidates: KeyedMatch[] = [];
      const sawAtCandidates = scanKeyedAt(text, candidates, KEYED_RULES, (match) => atCandidates.push(match));
      expect(atCandidates).toEqual(everywhere);
      expect(sawAtCandidates).toBe(sawEverywhere);
      keyed += everywhere.length;
    }
    expect(keyed).toBeGreaterThan(300);
  });

  it('finds keyed secrets after a replacement earlier in the same text, and none inside one', () => {
    const redactor = new Redactor();
    expect(redactor.redactString('key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789AB then password=hunter2hunter2')).toBe(
      'key [REDACTED:openai_api_key] then password=[REDACTED:secret_assignment]',
    );
    expect(redactor.redactString('bot 123456789:AAbcdefghijklmnopqrstuvwxyz0123456 token=s3cr3t-t0ken-value')).toBe(
      'bot [REDACTED:telegram_bot_token] token=[REDACTED:secret_assignment]',
    );
    // `token=` inside the replaced flag value is gone with it; the key after it is still found.
    expect(redactor.redactString('run --password "hunter2 token=abcdef12345" then api_key=Zx9kQ2mW7pL4vB8n')).toBe(
      'run --password "[REDACTED:secret_flag]" then api_key=[REDACTED:secret_assignment]',
    );
  });

  it('finds key separators and percent escapes in the last three characters of a text (the scan markers need three after them)', () => {
    const redactor = new Redactor();
    expect(redactor.redactString('Authorization:xy')).toBe('Authorization:[REDACTED:authorization]');
    expect(redactor.redactString('{"password":1}')).toBe('{"password":"[REDACTED:password]"}');
    // The token's last character is percent-encoded: only decoding shows the whole token.
    const token = `ghp_${'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z0'}`;
    expect(token.length).toBe(39);
    expect(redactor.redactString(`${token}%41`)).toBe('[REDACTED:github_token]');
    expect(redactor.redactString(`see ${token}%41`)).toBe('see [REDACTED:github_token]');
    // After a replacement, a separator at the very end maps to its place in the output.
    expect(redactor.redactString(`${token}A Authorization:xy`)).toBe('[REDACTED:github_token] Authorization:[REDACTED:authorization]');
  });

  it('finds keys, email addresses and percent escapes inside matches the scan jumps over (kept, allowed, partly replaced)', () => {
    const redactor = new Redactor();
    const cases: Array<[string, string]> = [
      ['mysql -u root password=Hunter2Hunter2 -pS3cr3tPw9x', 'mysql -u root password=[REDACTED:secret_assignment] -p[REDACTED:cli_credentials]'],
      ['docker login -u ci --token=Zx9kQ2mW7pL4vB8n -p S3cr3tPw9x', 'docker login -u ci --token=[REDACTED:secret_assignment] -p [REDACTED:cli_credentials]'],
      ['data:image/png;base64,iVBORw0KGgotoken=Zx9kQ2mW7pL4vB8n', 'data:image/png;base64,iVBORw0KGgotoken=[REDACTED:secret_assignment]'],
      ['docker login -u jane.doe@example.com -p S3cr3tPw9x', 'docker login -u [REDACTED:email] -p [REDACTED:cli_credentials]'],
      ['mysql -u root --init-command=jane%40example.com -pS3cr3tPw9x', 'mysql -u root --init-command=[REDACTED:email] -p[REDACTED:cli_credentials]'],
      ['db_credentials=Zx9kQ2mW7pL4vB8nQ and Credential: Zx9kQ2mW7pL4vB8nQ', 'db_credentials=[REDACTED:secret_assignment] and Credential: [REDACTED:secret_assignment]'],
    ];
    for (const [text, expected] of cases) expect(redactor.redactString(text)).toBe(expected);
    const allowing = new Redactor({ allowlist: ['AllowedPw1'] });
    expect(allowing.redactString('mysql -u root api_key=Zx9kQ2mW7pL4vB8n -pAllowedPw1')).toBe('mysql -u root api_key=[REDACTED:secret_assignment] -pAllowedPw1');
    expect(allowing.redactString('https://svc:AllowedPw1@db.example.com/x')).toBe('https://svc:[REDACTED:email]/x');
  });

  it('in hash mode, reads no key in a replacement (`[REDACTED:openai_api_key:…]` is hashed once), with or without escapes after it', () => {
    const redactor = new Redactor({ replacement: 'hash', hashKey: 'k'.repeat(32) });
    for (const tail of ['', ' see /a%2Fb']) {
      const output = redactor.redactString(`key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789AB${tail}`);
      expect(output).toMatch(new RegExp(`^key \\[REDACTED:openai_api_key:[0-9a-f]{16}\\]${tail.replace(/[.%/]/g, '\\$&')}$`));
    }
  });

  it('gives the same output when an onRedaction callback redacts another text in the middle of a pass', () => {
    const text = 'mysql -u root password=Hunter2Hunter2 -pS3cr3tPw9x then token=Zx9kQ2mW7pL4vB8nQ, see %41 and jane@example.com';
    const expected = new Redactor().redactString(text);
    expect(expected).toBe(
      'mysql -u root password=[REDACTED:secret_assignment] -p[REDACTED:cli_credentials] then token=[REDACTED:secret_assignment], see %41 and [REDACTED:email]',
    );
    const inner: string[] = [];
    let nested = false;
    const redactor: Redactor = new Redactor({
      onRedaction: () => {
        if (nested) return;
        nested = true;
        inner.push(redactor.redactString('api_key=Qw8eR7tY6uI5oP4aS3 plain text'));
        nested = false;
      },
    });
    expect(redactor.redactString(text)).toBe(expected);
    expect(inner).toHaveLength(4);
    expect(new Set(inner)).toEqual(new Set(['api_key=[REDACTED:secret_assignment] plain text']));
  });

  it('fails closed when the scan and the detectors disagree (the whole value is replaced and counted)', () => {
    const kinds: string[] = [];
    const redactor = new Redactor({ onRedaction: (kind) => kinds.push(kind) });
    // A first-character table that lists no detector anywhere: the scan still finds the token.
    const detectors = (redactor as unknown as { _detectors: DetectorScan })._detectors;
    detectors.at = () => undefined;
    const text = 'deploy with sk-proj-abcdefghijklmnopqrstuvwxyz0123456789AB now';
    expect(redactor.redactString(text)).toBe('[REDACTED:redaction_error]');
    // At a marker the detectors are asked directly: the `:` after `token` is a key separator, and
    // the URL-password detector starts there too.
    expect(redactor.redactString('see token://admin:s3cr3tpw@db.internal')).toBe('[REDACTED:redaction_error]');
    expect(kinds).toEqual(['redaction_error', 'redaction_error']);
  });
});
