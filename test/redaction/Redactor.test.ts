import { describe, expect, it } from 'vitest';
import { BUILT_IN_DETECTORS } from '../../src/redaction/detectors.js';
import { KEYED_RULES } from '../../src/redaction/keyed.js';
import { redact } from '../../src/redaction/redact.js';
import { RedactionReport, Redactor } from '../../src/redaction/Redactor.js';
import { GENERATORS, Random } from './corpus.js';

const redactor = new Redactor();
const random = new Random(3);
const join = (...parts: string[]): string => parts.join('');

describe('detectors: every kind, positive', () => {
  const kinds = Object.keys(GENERATORS);

  it('covers at least 40 credential kinds plus personal data', () => {
    const credentialKinds = new Set([
      ...BUILT_IN_DETECTORS.filter((detector) => detector.category === 'credential').map((detector) => detector.kind),
      ...KEYED_RULES.map((rule) => rule.kind),
    ]);
    expect(credentialKinds.size).toBeGreaterThanOrEqual(40);
    expect(kinds).toEqual(expect.arrayContaining(['email', 'phone_number', 'payment_card', 'iban', 'us_ssn']));
  });

  it.each(kinds)('%s: replaced with its label, no part of the value echoed', (kind) => {
    for (let sample = 0; sample < 5; sample++) {
      const generated = GENERATORS[kind](random);
      const output = redactor.redactString(`before ${generated.snippet} after`);
      const expected = kind === 'authorization' && /bearer/i.test(generated.snippet) ? 'bearer_token' : kind;
      expect(output).toContain(`[REDACTED:${expected}]`);
      expect(output).not.toContain(generated.secret);
      expect(output.startsWith('before ')).toBe(true);
      const compact = generated.secret.replace(/\s+/g, '');
      for (let start = 0; start + 8 <= compact.length; start += 8) expect(output).not.toContain(compact.slice(start, start + 8));
    }
  });
});

describe('detectors: near misses stay untouched', () => {
  const nearMisses: Array<[kind: string, text: string]> = [
    ['openai_api_key', 'sk-too-short-123'],
    ['openai_api_key', join('task', '-', 'a'.repeat(40))],
    ['anthropic_api_key', join('sk-', 'ant-', 'api03-', 'short')],
    ['github_token', join('gh', 'p_', 'abc123')],
    ['github_token', join('xghp', '_', 'A'.repeat(36), 'x')],
    ['aws_access_key_id', join('AKIA', 'IOSFODNN7EXAMP')],
    ['aws_access_key_id', join('AKIA', 'iosfodnn7example')],
    ['google_api_key', join('AI', 'za', 'short')],
    ['slack_token', join('xo', 'xb-', '123')],
    ['stripe_key', join('sk', '_live_', 'short')],
    ['jwt', 'eyJhbGciOiJIUzI1NiJ9.not-a-jwt'],
    ['npm_token', join('np', 'm_', 'abc')],
    ['huggingface_token', join('hf', '_', 'abc')],
    ['private_key', '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----'],
    ['private_key', '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----'],
    ['bearer_token', 'the bearer of this message'],
    ['basic_credentials', 'Basic authentication is disabled'],
    ['url_password', 'https://api.example.com:8443/v1/items@latest'],
    ['url_password', 'postgres://${DB_USER}:${DB_PASSWORD}@db:5432/app'],
    ['secret_assignment', 'password: ${DB_PASSWORD}'],
    ['secret_assignment', '"api_key": null'],
    ['secret_assignment', 'max_tokens=1024'],
    ['secret_assignment', 'token_type: bearer'],
    ['secret_assignment', 'secret_name: prod-db'],
    ['secret_assignment', 'PWD=/home/agent/project'],
    ['high_entropy_secret', 'cache_key: plans/v2'],
    ['high_entropy_secret', `signature: ${'ab12'.repeat(16)}`],
    ['email', 'git@github.com:example/swarm.git'],
    ['email', 'npm i @opentelemetry/api@1.10.0'],
    ['email', 'user@localhost'],
    ['phone_number', 'released on 2026-11-25 at 12:34:56'],
    ['phone_number', 'version 1.234.5678'],
    ['payment_card', '4111 1111 1111 1112'],
    ['payment_card', 'epoch 1732512345678'],
    ['iban', 'GB82 WEST 1234 5698 7654 33'],
    ['iban', 'ZZ12345678901234567890'],
    ['us_ssn', '000-12-3456'],
    ['us_ssn', '666-12-3456'],
    ['us_ssn', '123-00-4567'],
    ['telegram_bot_token', '123456789:AAshort'],
    ['session_cookie', 'session=short'],
  ];
  it.each(nearMisses)('%s near miss: %s', (_kind, text) => {
    expect(redactor.redactString(text)).toBe(text);
  });
});

describe('non-secrets that must survive', () => {
  const survivors: Array<[what: string, text: string]> = [
    ['UUID', '123e4567-e89b-12d3-a456-426614174000'],
    ['trace id', 'trace_id=4bf92f3577b34da6a3ce929d0e0e4736'],
    ['span id', 'span_id: 00f067aa0ba902b7'],
    ['git SHA', 'commit 9fceb02d0ae598e95dc970b74767f19372d61af8'],
    ['sha256 digest', 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['timestamp', '2026-11-25T05:20:46.123Z'],
    ['epoch millis', '1732512345678'],
    ['version', 'v3.1.1 and 0.301.0'],
    ['model names', 'gpt-4o-2024-08-06 claude-3-5-sonnet-20241022 gemini-2.5-pro llama-3.1-70b-versatile'],
    ['paths', '/srv/app/dist/tools/http.js C:\\Users\\agent\\run.log ./.swarmtrail/journal/traces-0000000042.jsonl'],
    ['placeholder', 'export OPENAI_API_KEY=${OPENAI_API_KEY}'],
    ['chatcmpl id', 'chatcmpl-9abcDEF123ghiJKL456mnoPQR789stu'],
    ['toolu id', 'toolu_01A09q90qw90lq917835lq9'],
    ['base64 image', `data:image/png;base64,iVBORw0KGgo${join('AKIA', 'IOSFODNN7', 'EXAMPLEab+/').repeat(40)}=`],
    ['IP address (off by default)', 'client 10.1.2.3'],
    ['hex colour', 'color: #1f2937'],
  ];
  it.each(survivors)('%s', (_what, text) => {
    expect(redactor.redactString(text)).toBe(text);
  });
});

describe('structured values', () => {
  it('redacts by key name whatever the value looks like, keeps booleans and null', () => {
    expect(
      redact({ password: 'x', apiKey: 'abc', 'http.request.header.authorization': ['a', 'b'], token: 12345, secret: true, client_secret: null, max_tokens: 10, 'gen_ai.token.type': 'input' }),
    ).toEqual({
      password: '[REDACTED:password]',
      apiKey: '[REDACTED:api_key]',
      'http.request.header.authorization': ['[REDACTED:authorization]', '[REDACTED:authorization]'],
      token: '[REDACTED:token]',
      secret: true,
      client_secret: null,
      max_tokens: 10,
      'gen_ai.token.type': 'input',
    });
  });

  it('keeps JSON held in strings valid JSON, at any nesting, and leaves clean JSON byte-identical', () => {
    const card = '4111 1111 1111 1111';
    const inner = JSON.stringify({ card, note: 'ok' });
    const value = JSON.stringify({ args: inner, list: [{ password: 'hunter22' }], n: 1.5 });
    const output = redactor.redactString(value);
    const parsed = JSON.parse(output);
    expect(JSON.parse(parsed.args)).toEqual({ card: '[REDACTED:payment_card]', note: 'ok' });
    expect(parsed.list).toEqual([{ password: '[REDACTED:password]' }]);
    const clean = '{ "query": "weather in Paris",  "limit": 3 }';
    expect(redactor.redactString(clean)).toBe(clean);
    const escaped = 'log: {\\"password\\": \\"hunter22\\"}';
    expect(redactor.redactString(escaped)).toBe('log: {\\"password\\": \\"[REDACTED:secret_assignment]\\"}');
  });

  it('returns copies and never modifies the input', () => {
    const input = { nested: { email: 'jane@example.com' }, list: ['bob@example.org'] };
    const snapshot = structuredClone(input);
    const output = redact(input);
    expect(input).toEqual(snapshot);
    expect(output).toEqual({ nested: { email: '[REDACTED:email]' }, list: ['[REDACTED:email]'] });
  });

  it('redactAttributes returns a copy without dropped keys', () => {
    const custom = new Redactor({ keyRules: [{ key: 'internal.debug', action: 'drop' }, { key: /^safe\./, action: 'keep' }, { key: 'customer', action: 'redact' }] });
    const attributes = { 'internal.debug': 'x', 'safe.password': 'kept', customer: 'ACME', other: 'plain' };
    expect(custom.redactAttributes(attributes)).toEqual({ 'safe.password': 'kept', customer: '[REDACTED:key_rule]', other: 'plain' });
    expect(attributes['internal.debug']).toBe('x');
  });
});

describe('fail closed', () => {
  it('replaces values too large, too deep or too many, and counts them', () => {
    const counted: string[] = [];
    const limited = new Redactor({ limits: { maxStringLength: 100, maxDepth: 3, maxNodes: 20 }, onRedaction: (kind) => counted.push(kind) });
    expect(limited.redactString('a'.repeat(101))).toBe('[REDACTED:too_large]');
    expect(limited.redactValue({ a: { b: { c: { d: 'deep' } } } })).toEqual({ a: { b: { c: '[REDACTED:too_deep]' } } });
    const many = limited.redactValue(Array.from({ length: 30 }, (_, index) => index)) as unknown[];
    // The array is value 1 of 20; its items 0..18 are values 2..20; the rest are replaced whole.
    expect(many.slice(0, 19)).toEqual(Array.from({ length: 19 }, (_, index) => index));
    expect(many.slice(19)).toEqual(Array(11).fill('[REDACTED:too_many_values]'));
    expect(counted).toContain('too_large');
    expect(counted).toContain('too_deep');
    expect(counted).toContain('too_many_values');
  });

  it('guards against cycles (depth limit) without throwing', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    expect(() => redactor.redactValue(cyclic)).not.toThrow();
  });

  it('a throwing user pattern replaces the value whole', () => {
    const broken = new Redactor({ patterns: [{ name: 'custom', pattern: /x/ }] });
    (broken as unknown as { _userPatterns: Array<{ name: string; pattern: unknown }> })._userPatterns[0].pattern = {
      lastIndex: 0,
      test: () => {
        throw new Error('boom');
      },
    };
    const report = new RedactionReport('logs');
    expect(broken.redactString('anything', undefined, report)).toBe('[REDACTED:redaction_error]');
    expect(report.kinds()).toEqual(['redaction_error']);
  });
});

describe('policy options', () => {
  it('hash mode: equal values stay correlatable, different keys or values differ, nothing echoed', () => {
    const key = 'k'.repeat(32);
    const hashing = new Redactor({ replacement: 'hash', hashKey: key });
    const a = hashing.redactString('mail jane@example.com');
    const b = hashing.redactString('again jane@example.com');
    const c = hashing.redactString('other john@example.com');
    const tag = (text: string): string => /\[REDACTED:email:([0-9a-f]{16})\]/.exec(text)![1];
    expect(tag(a)).toBe(tag(b));
    expect(tag(a)).not.toBe(tag(c));
    expect(tag(new Redactor({ replacement: 'hash', hashKey: 'z'.repeat(32) }).redactString('jane@example.com'))).not.toBe(tag(a));
    expect(a).not.toContain('jane');
  });

  it('allowlist strings and patterns survive; user patterns are added', () => {
    const custom = new Redactor({ allowlist: ['support@example.com', /.*@swarmtrail\.dev/], patterns: [{ name: 'employee_id', pattern: /\bEMP-\d{6}\b/ }] });
    expect(custom.redactString('support@example.com ops@swarmtrail.dev jane@example.com EMP-123456')).toBe(
      'support@example.com ops@swarmtrail.dev [REDACTED:email] [REDACTED:employee_id]',
    );
  });

  it('IP addresses only when enabled; strict preset enables them', () => {
    expect(new Redactor({ detectIpAddresses: true }).redactString('from 10.1.2.3 and fe80:0:0:0:202:b3ff:fe1e:8329')).toBe('from [REDACTED:ip_address] and [REDACTED:ip_address]');
    expect(new Redactor({ preset: 'strict' }).redactString('from 192.168.0.1')).toBe('from [REDACTED:ip_address]');
    expect(new Redactor({ detectIpAddresses: true }).redactString('version 1.2.3 and 300.1.2.3 and 0.1.2.3')).toBe('version 1.2.3 and 300.1.2.3 and 0.1.2.3');
  });

  it('strict preset drops GenAI content attributes', () => {
    expect(new Redactor({ preset: 'strict' }).redactAttributes({ 'gen_ai.input.messages': '[]', 'gen_ai.tool.call.result': 'x', 'gen_ai.tool.name': 'search' })).toEqual({ 'gen_ai.tool.name': 'search' });
  });

  it('personal data detection can be turned off', () => {
    expect(new Redactor({ detectPersonalData: false }).redactString('jane@example.com 4111 1111 1111 1111')).toBe('jane@example.com 4111 1111 1111 1111');
  });

  it('bad configuration throws at construction, naming the option', () => {
    expect(() => new Redactor({ preset: 'loose' as 'strict' })).toThrow(/redaction.preset/);
    expect(() => new Redactor({ replacement: 'hash' })).toThrow(/redaction.hashKey/);
    expect(() => new Redactor({ replacement: 'hash', hashKey: 'short' })).toThrow(/at least 16 bytes/);
    expect(() => new Redactor({ patterns: [{ name: 'bad name!', pattern: /x/ }] })).toThrow(/patterns\[\]\.name/);
    expect(() => new Redactor({ limits: { maxDepth: 0 } })).toThrow(/limits.maxDepth/);
    expect(() => new Redactor({ keyRules: [{ key: 'a', action: 'hide' as 'drop' }] })).toThrow(/keyRules/);
  });

  it('redact() compiles once per options object and is idempotent', () => {
    const options = { recordKinds: false };
    const once = redact('token=abc123 jane@example.com', options);
    expect(once).toBe('token=[REDACTED:secret_assignment] [REDACTED:email]');
    expect(redact(once, options)).toBe(once);
  });
});

describe('percent-encoded text', () => {
  it('redacts what percent-encoding hides, and leaves encoded text with nothing to redact as it is', () => {
    const redactor = new Redactor();
    expect(redactor.redactString('email=jane.doe%40example.com&page=2')).toBe('email=[REDACTED:email]&page=2');
    expect(redactor.redactString('/search?q=hello%20world&page=2')).toBe('/search?q=hello%20world&page=2');
    expect(redactor.redactString('100% done, 50%off')).toBe('100% done, 50%off');
  });
});

describe('long and short values take the same detectors', () => {
  it('redacts the same secrets in a value over 4096 characters as in short ones', () => {
    const redactor = new Redactor();
    const key = ['sk', 'proj', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'].join('-');
    const line = `calling the API with ${key} for jane.doe@example.com\n`;
    const short = redactor.redactString(line);
    expect(short).not.toContain(key);
    expect(short).not.toContain('jane.doe@example.com');
    const long = line.repeat(200);
    expect(long.length).toBeGreaterThan(4096);
    expect(redactor.redactString(long)).toBe(short.repeat(200));
  });
});
