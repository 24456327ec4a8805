/**
 * Secrets in the forms review 23 found missed (M5, M12, double percent-encoding), the values it
 * found destroyed (M9), and the time budget of the private-key pattern (M6).
 */
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/redaction/redact.js';
import { Redactor } from '../../src/redaction/Redactor.js';
import { Random } from './corpus.js';

const join = (...parts: string[]): string => parts.join('');
const random = new Random(5);
const B64URL = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
const telegram = join('123456789', ':', 'AA', random.chars(B64URL, 33));
const awsSecret = random.chars('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/+', 40);
const hex64 = random.chars('0123456789abcdef', 64);

describe('forms the detectors missed (M5, M12)', () => {
  const cases: Array<[name: string, text: string, expected: string]> = [
    ['telegram token in the Bot API URL', `https://api.telegram.org/bot${telegram}/sendMessage`, 'https://api.telegram.org/bot[REDACTED:telegram_bot_token]/sendMessage'],
    ['telegram token after "bot "', `bot ${telegram}`, 'bot [REDACTED:telegram_bot_token]'],
    ['mysql -p with the password attached', 'mysql -u root -pMyS3cretPw! prod', 'mysql -u root -p[REDACTED:cli_credentials] prod'],
    ['mysqldump --user and -p attached', 'mysqldump --user=app -phunter22 appdb > dump.sql', 'mysqldump --user=app -p[REDACTED:cli_credentials] appdb > dump.sql'],
    ['docker login -p', 'docker login -u bob -p Pa55word! registry.example.com', 'docker login -u bob -p [REDACTED:cli_credentials] registry.example.com'],
    ['sshpass -p', "sshpass -p 'hunter22' ssh deploy@host", "sshpass -p '[REDACTED:cli_credentials]' ssh deploy@host"],
    ['aws configure set (space separator)', `aws configure set aws_secret_access_key ${awsSecret}`, 'aws configure set aws_secret_access_key [REDACTED:aws_secret_access_key]'],
    ['aws configure set with a profile', `aws configure set profile.ci.aws_session_token ${awsSecret}`, 'aws configure set profile.ci.aws_session_token [REDACTED:aws_secret_access_key]'],
    ['phone number with spaces', 'call me at 415 555 2671 tomorrow', 'call me at [REDACTED:phone_number] tomorrow'],
    ['SSN with spaces', 'SSN 123 45 6789 on file', 'SSN [REDACTED:us_ssn] on file'],
    ['lower-case IBAN, grouped', 'IBAN de89 3704 0044 0532 0130 00 thanks', 'IBAN [REDACTED:iban] thanks'],
    ['lower-case IBAN, compact', 'iban=gb82west12345698765432', 'iban=[REDACTED:iban]'],
    ['X-Amz-Signature query value', `https://b.s3.amazonaws.com/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${hex64}&x=1`, 'https://b.s3.amazonaws.com/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=[REDACTED:url_signature]&x=1'],
    ['X-Goog-Signature query value', `https://storage.googleapis.com/b/o?X-Goog-Signature=${hex64}${hex64}`, 'https://storage.googleapis.com/b/o?X-Goog-Signature=[REDACTED:url_signature]'],
    ['short X-Goog-Signature', 'X-Goog-Signature=0123abcd', 'X-Goog-Signature=[REDACTED:url_signature]'],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('signature keys in structured values', () => {
    expect(redact({ 'X-Amz-Signature': hex64, signature_algorithm: 'RS256' })).toEqual({ 'X-Amz-Signature': '[REDACTED:url_signature]', signature_algorithm: 'RS256' });
  });

  it('-p flags that are not passwords stay', () => {
    for (const text of ['mkdir -p /tmp/run/logs', 'ssh -p 2222 deploy@host', 'docker run -p 8080:80 nginx', 'git add -p', 'mysql -p prod', 'sizes 128 256 1024', 'call 911 555 1234', 'dims 64 128 256 512 1024 2048', 'batch 256 512 1024 4096']) {
      expect(redact(text)).toBe(text);
    }
  });
});

describe('percent-encoding, twice (Low)', () => {
  it('redacts what double percent-encoding hides', () => {
    expect(redact('https://x.example/?q=jane.doe%2540example.com')).toBe('https://x.example/?q=[REDACTED:email]');
    expect(redact('next=%252Fhome%253Femail%253Djane%252540example.com')).not.toContain('example.com');
  });

  it('leaves encoded text with nothing to redact as it is', () => {
    const text = 'https://x.example/?path=%252Fsrv%252Fapp&q=hello%2520world';
    expect(redact(text)).toBe(text);
  });
});

describe('values under weakly secret keys that are paths or segments survive (M9)', () => {
  const survivors: Array<[name: string, value: Record<string, string>]> = [
    ['aws.s3.key (semconv)', { 'aws.s3.key': 'uploads/2024-11-25/invoice_8812.pdf' }],
    ['aws.s3.key, random-looking object name', { 'aws.s3.key': 'tmp/Xk3P9aBQwErTy12zL0m.bin' }],
    ['messaging.kafka.message.key (semconv)', { 'messaging.kafka.message.key': 'tenant-42:Ab3dE9fGh1JkLmN0' }],
    ['s3_key path', { s3_key: 'reports/2024/01/15/run-abc123.json' }],
    ['cache_key segments', { cache_key: 'user:1234:profile:v2' }],
    ['sort_key with a timestamp', { sort_key: 'createdAt#2024-11-25T07:00:00Z' }],
    ['partition_key', { partition_key: 'tenant-42/agent-7' }],
    ['idempotency_key', { idempotency_key: 'run-2024-11-25-0001-a' }],
    ['file key', { object_key: 'invoice_8812_2024.pdf' }],
  ];
  it.each(survivors)('%s', (_name, value) => {
    expect(redact(value)).toEqual(value);
    const [[key, text]] = Object.entries(value);
    expect(redact(`${key}=${text}`)).toBe(`${key}=${text}`);
    expect(redact(`${key}: ${text}`)).toBe(`${key}: ${text}`);
  });

  it('random values under the same keys are still redacted', () => {
    const secret = random.chars('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 30) + '7Q';
    expect(redact({ signing_key: secret })).toEqual({ signing_key: '[REDACTED:high_entropy_secret]' });
    expect(redact({ hmac_key: `${secret.slice(0, 16)}/${secret.slice(16)}` })).toEqual({ hmac_key: '[REDACTED:high_entropy_secret]' });
    expect(redact(`signing_key=${secret}`)).toBe('signing_key=[REDACTED:high_entropy_secret]');
  });
});

describe('time budget (M6)', () => {
  it('redacts 1 MiB of private-key headers without an END line in well under a second', () => {
    const redactor = new Redactor();
    const header = join('-----BEGIN ', 'PRIVATE KEY-----!');
    const text = header.repeat(Math.floor(1_048_576 / header.length));
    redactor.redactString('warm up');
    const started = performance.now();
    const output = redactor.redactString(text);
    const elapsed = performance.now() - started;
    expect(output).not.toContain('BEGIN PRIVATE KEY');
    expect(elapsed).toBeLessThan(200);
  });

  it('other repeated near-matches stay linear too', { timeout: 60_000 }, () => {
    const redactor = new Redactor();
    for (const unit of ['Bearer !', 'a@b.', '1 2 3 4 5 6 7 8 9 0 ', 'password%3Dx%20', 'mysql -p', 'bot1234567890:', 'X-Amz-Signature=', 'sig=', 'cache_key:', 'aws configure set ', 'de89 ']) {
      // 512 KiB: linear work takes well under 1 s even on a loaded machine; a quadratic case
      // (as `X-Amz-Signature=` repeated was: 1.7 s for 256 KiB) takes several seconds.
      const text = unit.repeat(Math.floor(524_288 / unit.length));
      const started = performance.now();
      redactor.redactString(text);
      expect(performance.now() - started, unit).toBeLessThan(1000);
    }
  });

  it('a JSON text found clean, with a rule key and thousands of strings before a long tail, stays linear', () => {
    const redactor = new Redactor({ limits: { maxNodes: 100_000, maxStringLength: 4_194_304 } });
    // Each short string used to search the whole rest of the text for a backslash (about 200 ms here).
    const json = JSON.stringify({ token: 'x', a: Array.from({ length: 20_000 }, () => 'ab'), pad: 'p'.repeat(1_048_576) });
    const started = performance.now();
    expect(redactor.redactString(json)).toContain('"token":"[REDACTED:token]"');
    expect(performance.now() - started).toBeLessThan(100);
  });
});
