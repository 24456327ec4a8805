/**
 * A labelled corpus generator for redaction: realistic log lines, JSON tool arguments, shell
 * commands, URLs, HTTP headers, stack traces, prompts, env dumps and YAML, with format-valid
 * fake secrets generated at run time from a seeded PRNG (never committed as literals: every
 * token is assembled from parts, so nothing in this file looks like a live credential).
 *
 * Positives carry the secret values that must be gone after redaction; negatives must come out
 * byte-for-byte unchanged.
 */
import { createHash } from 'node:crypto';

export interface PositiveSample {
  readonly kind: string;
  readonly context: string;
  readonly text: string;
  /** Values that must not survive redaction, in whole or in any 12-character window. */
  readonly secrets: readonly string[];
}

export interface NegativeSample {
  readonly kind: string;
  readonly context: string;
  readonly text: string;
}

export interface Corpus {
  readonly positives: PositiveSample[];
  readonly negatives: NegativeSample[];
}

/** Seeded PRNG (mulberry32), so the corpus is the same on every run. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let value = this.state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let index = 0; index < length; index++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';
const ALNUM = LOWER + UPPER + DIGITS;
const HEX = '0123456789abcdef';
const B64 = ALNUM + '+/';
const B64URL = ALNUM + '-_';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BECH32 = 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L';

/** Joins parts: keeps prefixes like "sk-" out of the source as whole tokens. */
const join = (...parts: string[]): string => parts.join('');

function alnumWithDigit(random: Random, length: number): string {
  const value = random.chars(ALNUM, length - 2);
  return value + random.chars(DIGITS, 1) + random.chars(UPPER, 1);
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

export function luhnComplete(prefix: string, length: number, random: Random): string {
  let digits = prefix + random.chars(DIGITS, length - prefix.length - 1);
  for (let check = 0; check <= 9; check++) {
    const candidate = digits + String(check);
    let sum = 0;
    let double = false;
    for (let index = candidate.length - 1; index >= 0; index--) {
      let digit = candidate.charCodeAt(index) - 48;
      if (double) {
        digit *= 2;
        if (digit > 9) digit -= 9;
      }
      sum += digit;
      double = !double;
    }
    if (sum % 10 === 0) {
      digits = candidate;
      break;
    }
  }
  return digits;
}

function ibanFor(country: string, length: number, random: Random): string {
  const bban = random.chars(DIGITS, length - 4);
  const rearranged = `${bban}${country}00`;
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    remainder = code >= 65 ? (remainder * 100 + (code - 55)) % 97 : (remainder * 10 + (code - 48)) % 97;
  }
  const check = String(98 - remainder).padStart(2, '0');
  return `${country}${check}${bban}`;
}

function randomPassword(random: Random): string {
  return random.pick([
    () => random.chars(LOWER, 6) + random.chars(DIGITS, 3),
    () => random.chars(ALNUM, 12) + random.pick(['!', '#', '%', '^', '*']) + random.chars(ALNUM, 4),
    () => random.pick(['Summer', 'Winter', 'Dragon', 'Monkey']) + random.chars(DIGITS, 4) + '!',
    () => random.chars(B64URL, 24),
  ])();
}

/** A fake secret: the value that must disappear and the snippet it appears in. */
interface Generated {
  readonly secret: string;
  readonly snippet: string;
  /** Only fits contexts where text may contain spaces and punctuation. */
  readonly phrase?: boolean;
  /** The secret is recognised only next to its key (not as a bare token). */
  readonly keyed?: boolean;
}

type Generator = (random: Random) => Generated;

const token = (secret: string): Generated => ({ secret, snippet: secret });

/** Generators by kind; the kinds match the detector kinds in src/redaction/detectors.ts. */
export const GENERATORS: Readonly<Record<string, Generator>> = {
  openai_api_key: (r) =>
    token(
      r.next() < 0.5
        ? join('sk-', 'proj-', r.chars(B64URL, 48), r.chars(ALNUM, 20), 'T3Blbk', 'FJ', r.chars(B64URL, 56))
        : join('sk-', r.chars(ALNUM, 20), 'T3Blbk', 'FJ', r.chars(ALNUM, 20)),
    ),
  anthropic_api_key: (r) => token(join('sk-', 'ant-', 'api03-', r.chars(B64URL, 93), 'AA')),
  groq_api_key: (r) => token(join('gsk', '_', r.chars(ALNUM, 52))),
  xai_api_key: (r) => token(join('xai', '-', r.chars(ALNUM, 80))),
  perplexity_api_key: (r) => token(join('pplx', '-', r.chars(ALNUM, 48))),
  huggingface_token: (r) => token(join('hf', '_', r.chars(ALNUM, 34))),
  langsmith_api_key: (r) => token(join('lsv2', '_pt_', r.chars(HEX, 32), '_', r.chars(HEX, 10))),
  replicate_api_token: (r) => token(join('r8', '_', r.chars(ALNUM, 37))),
  pinecone_api_key: (r) => token(join('pcsk', '_', r.chars(ALNUM, 6), '_', r.chars(ALNUM, 64))),
  langfuse_secret_key: (r) => token(join('sk-', 'lf-', r.chars(HEX, 8), '-', r.chars(HEX, 4), '-', r.chars(HEX, 4), '-', r.chars(HEX, 4), '-', r.chars(HEX, 12))),
  aws_access_key_id: (r) => token(join(r.pick(['AKIA', 'ASIA']), r.chars(BASE32, 16))),
  aws_secret_access_key: (r) => {
    const secret = r.chars(B64, 40);
    return { secret, snippet: r.pick([`aws_secret_access_key = ${secret}`, `AWS_SECRET_ACCESS_KEY=${secret}`, `"SecretAccessKey": "${secret}"`]), keyed: true };
  },
  google_api_key: (r) => token(join('AI', 'za', r.chars(B64URL, 35))),
  google_oauth_token: (r) => token(join('ya29', '.', r.chars(B64URL, 120))),
  google_oauth_refresh_token: (r) => token(join('1//0', r.chars(B64URL, 60))),
  google_oauth_client_secret: (r) => token(join('GOC', 'SPX-', r.chars(B64URL, 28))),
  azure_storage_key: (r) => {
    const secret = r.chars(B64, 86) + '==';
    return { secret, snippet: `DefaultEndpointsProtocol=https;AccountName=agentstore;AccountKey=${secret};EndpointSuffix=core.windows.net`, keyed: true };
  },
  azure_client_secret: (r) => token(join(r.chars(ALNUM, 3), '8Q~', r.chars(ALNUM + '_~.-', 31), r.chars(ALNUM, 3))),
  digitalocean_token: (r) => token(join('dop', '_v1_', r.chars(HEX, 64))),
  github_fine_grained_token: (r) => token(join('github', '_pat_', r.chars(ALNUM, 22), '_', r.chars(ALNUM, 59))),
  github_token: (r) => token(join('gh', 'p_', r.chars(ALNUM, 36))),
  github_oauth_token: (r) => token(join('gh', 'o_', r.chars(ALNUM, 36))),
  github_app_token: (r) => token(join('gh', r.pick(['u', 's']), '_', r.chars(ALNUM, 36))),
  github_refresh_token: (r) => token(join('gh', 'r_', r.chars(ALNUM, 76))),
  gitlab_token: (r) => token(join('gl', 'pat-', r.chars(B64URL, 20))),
  npm_token: (r) => token(join('np', 'm_', r.chars(ALNUM, 36))),
  pypi_token: (r) => token(join('pypi', '-AgEIcHlwaS5vcmc', r.chars(B64URL, 70))),
  stripe_key: (r) => token(join(r.pick(['sk', 'rk']), '_', r.pick(['live', 'test']), '_', r.chars(ALNUM, 24))),
  stripe_webhook_secret: (r) => token(join('wh', 'sec_', r.chars(ALNUM, 32))),
  slack_token: (r) => token(join('xo', 'x', r.pick(['b', 'p']), '-', r.chars(DIGITS, 12), '-', r.chars(DIGITS, 13), '-', r.chars(ALNUM, 24))),
  slack_app_token: (r) => token(join('xa', 'pp-1-', 'A0', r.chars(UPPER + DIGITS, 9), '-', r.chars(DIGITS, 13), '-', r.chars(HEX, 64))),
  slack_webhook: (r) => token(join('https://hooks.', 'slack.com/services/', 'T', r.chars(UPPER + DIGITS, 8), '/B', r.chars(UPPER + DIGITS, 10), '/', r.chars(ALNUM, 24))),
  discord_webhook: (r) => token(join('https://discord.com/api/', 'webhooks/', r.chars(DIGITS, 18), '/', r.chars(B64URL, 68))),
  discord_bot_token: (r) => token(join(r.pick(['M', 'N']), r.chars(ALNUM, 23), '.', r.chars(B64URL, 6), '.', r.chars(B64URL, 27))),
  telegram_bot_token: (r) => token(join(r.chars('123456789', 1), r.chars(DIGITS, 8), ':', 'AA', r.chars(B64URL, 33))),
  sendgrid_api_key: (r) => token(join('SG', '.', r.chars(B64URL, 22), '.', r.chars(B64URL, 43))),
  mailgun_api_key: (r) => token(join('key', '-', r.chars(HEX, 32))),
  twilio_api_key: (r) => token(join('S', 'K', r.chars(HEX, 32))),
  datadog_api_key: (r) => {
    const secret = r.chars(HEX, 32);
    return { secret, snippet: r.pick([`DD_API_KEY=${secret}`, `datadog_api_key: ${secret}`]), keyed: true };
  },
  vault_token: (r) => token(join('hv', 's.', r.chars(B64URL, 90))),
  shopify_token: (r) => token(join('shp', 'at_', r.chars(HEX, 32))),
  linear_api_key: (r) => token(join('lin', '_api_', r.chars(ALNUM, 40))),
  notion_token: (r) => token(join('nt', 'n_', r.chars(ALNUM, 46))),
  supabase_token: (r) => token(join('sb', 'p_', r.chars(HEX, 40))),
  postman_api_key: (r) => token(join('PM', 'AK-', r.chars(HEX, 24), '-', r.chars(HEX, 34))),
  newrelic_api_key: (r) => token(join('NR', 'AK-', r.chars(UPPER + DIGITS, 27))),
  sentry_token: (r) => token(join('sntr', 'ys_', r.chars(B64URL, 80))),
  age_secret_key: (r) => token(join('AGE-SECRET', '-KEY-1', r.chars(BECH32, 58))),
  jwt: (r) => {
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(JSON.stringify({ sub: r.chars(DIGITS, 10), name: 'Agent Smith', iat: 1700000000 + r.int(0, 9999999) }));
    return token(`${header}.${payload}.${r.chars(B64URL, 43)}`);
  },
  private_key: (r) => {
    const label = r.pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY']);
    const lines: string[] = [];
    for (let index = 0; index < 6; index++) lines.push(r.chars(B64, 64));
    const body = lines.join('\n');
    return { secret: body, snippet: `${join('-----BEGIN ', label, '-----')}\n${body}\n${join('-----END ', label, '-----')}`, phrase: true };
  },
  bearer_token: (r) => {
    const secret = r.chars(B64URL, 40) + r.chars(DIGITS, 2);
    return { secret, snippet: `Bearer ${secret}`, phrase: true };
  },
  authorization: (r) => {
    const secret = r.chars(B64URL, 32) + r.chars(DIGITS, 2);
    return { secret, snippet: `Authorization: ${r.pick(['Bearer', 'Token', 'token'])} ${secret}`, phrase: true };
  },
  basic_credentials: (r) => {
    const secret = Buffer.from(`${r.chars(LOWER, 6)}:${randomPassword(r)}`).toString('base64');
    return { secret, snippet: `Basic ${secret}`, phrase: true };
  },
  cookie: (r) => {
    const secret = r.chars(B64URL, 32);
    return { secret, snippet: `Cookie: theme=dark; sid=${secret}; lang=en`, phrase: true, keyed: true };
  },
  session_cookie: (r) => {
    const secret = r.chars(HEX, 32);
    return { secret, snippet: `${r.pick(['sessionid', 'JSESSIONID', 'connect.sid', 'session_id'])}=${secret}`, keyed: true };
  },
  url_password: (r) => {
    const secret = r.chars(ALNUM, 14) + r.chars(DIGITS, 2);
    const scheme = r.pick(['postgres', 'mysql', 'mongodb+srv', 'redis', 'amqp', 'https']);
    return { secret, snippet: `${scheme}://${r.pick(['admin', 'app', 'svc_agent'])}:${secret}@db-${r.int(1, 9)}.internal.example:5432/app`, keyed: true };
  },
  secret_assignment: (r) => {
    const secret = randomPassword(r);
    const form = r.pick([
      `password=${secret}`,
      `DB_PASSWORD=${secret}`,
      `"password": "${secret}"`,
      `client_secret: ${secret}`,
      `api_key='${secret}'`,
      `PGPASSWORD=${secret}`,
      `Server=db;User Id=app;Password=${secret};`,
      `--password ${secret}`,
      `passphrase: "${secret}"`,
      `x-api-key: ${secret}`,
    ]);
    return { secret, snippet: form, keyed: true, phrase: form.includes(' ') };
  },
  high_entropy_secret: (r) => {
    const secret = alnumWithDigit(r, 32);
    return { secret, snippet: r.pick([`signing_key=${secret}`, `hmac_key: ${secret}`, `"signature": "${secret}"`]), keyed: true };
  },
  email: (r) => token(`${r.pick(['jane.doe', 'j.smith', 'ops+alerts', 'kwame.n', 'li_wei'])}${r.int(1, 99)}@${r.pick(['example.com', 'corp.example.org', 'mail.example.co.uk'])}`),
  phone_number: (r) => {
    const value = r.pick([
      () => `+1 ${r.int(201, 989)} ${r.int(200, 999)} ${r.chars(DIGITS, 4)}`,
      () => `(${r.int(201, 989)}) ${r.int(200, 999)}-${r.chars(DIGITS, 4)}`,
      () => `+44 20 ${r.chars(DIGITS, 4)} ${r.chars(DIGITS, 4)}`,
      () => `+49${r.int(150, 179)}${r.chars(DIGITS, 8)}`,
      () => `${r.int(201, 989)}-${r.int(200, 999)}-${r.chars(DIGITS, 4)}`,
    ])();
    return { secret: value, snippet: value, phrase: value.includes(' ') };
  },
  payment_card: (r) => {
    const digits = luhnComplete(r.pick(['4', '51', '55', '37', '6011']), r.pick([16, 16, 15]), r);
    const style = r.int(0, 2);
    const value = style === 0 ? digits : digits.replace(/(\d{4})(?=\d)/g, style === 1 ? '$1 ' : '$1-');
    return { secret: value, snippet: value, phrase: value.includes(' ') };
  },
  iban: (r) => {
    const [country, length] = r.pick([['DE', 22], ['GB', 22], ['FR', 27], ['NL', 18], ['ES', 24]] as const);
    const compact = country === 'GB' || country === 'NL'
      ? ibanFor(country, length, r).replace(/^(..\d\d)\d{4}/, (_, head: string) => `${head}${r.chars(UPPER, 4)}`)
      : ibanFor(country, length, r);
    const valid = recomputeIban(compact);
    const value = r.next() < 0.5 ? valid : valid.replace(/(.{4})(?=.)/g, '$1 ');
    return { secret: value, snippet: value, phrase: value.includes(' ') };
  },
  us_ssn: (r) => token(`${r.int(100, 665)}-${String(r.int(1, 99)).padStart(2, '0')}-${String(r.int(1, 9999)).padStart(4, '0')}`),
};

/** Recomputes the check digits of an IBAN whose BBAN was altered. */
function recomputeIban(iban: string): string {
  const country = iban.slice(0, 2);
  const bban = iban.slice(4);
  let remainder = 0;
  for (const character of `${bban}${country}00`) {
    const code = character.charCodeAt(0);
    remainder = code >= 65 ? (remainder * 100 + (code - 55)) % 97 : (remainder * 10 + (code - 48)) % 97;
  }
  return `${country}${String(98 - remainder).padStart(2, '0')}${bban}`;
}

/** Contexts: each wraps a snippet in realistic surrounding text. */
type Context = (snippet: string, random: Random, generated: Generated) => string | undefined;

function timestamp(random: Random): string {
  return new Date(Date.UTC(2026, random.int(0, 11), random.int(1, 28), random.int(0, 23), random.int(0, 59), random.int(0, 59), random.int(0, 999))).toISOString();
}

const CONTEXTS: Readonly<Record<string, Context>> = {
  log: (snippet, r) =>
    `${timestamp(r)} ${r.pick(['INFO', 'WARN', 'DEBUG', 'ERROR'])} [${r.pick(['worker-3', 'planner', 'tool-runner'])}] ${r.pick(['loaded config', 'retrying request with', 'calling tool with', 'agent state:'])} ${snippet} (attempt ${r.int(1, 5)}, ${r.int(3, 900)}ms)`,
  json: (snippet, r) =>
    JSON.stringify({
      tool: r.pick(['http_request', 'run_shell', 'write_file', 'send_email']),
      arguments: { url: `https://api.example.com/v${r.int(1, 3)}/items`, note: snippet, retries: r.int(0, 3) },
      call_id: `toolu_${r.chars(ALNUM, 24)}`,
    }),
  nestedJson: (snippet, r) =>
    JSON.stringify({ role: 'assistant', tool_calls: [{ id: `call_${r.chars(ALNUM, 24)}`, function: { name: 'configure', arguments: JSON.stringify({ value: snippet, dry_run: false }) } }] }),
  shell: (snippet, r, g) =>
    g.phrase === true
      ? `$ curl -sS -H '${snippet.replace(/'/g, '')}' https://api.example.com/v1/run --data '{"n":${r.int(1, 9)}}'`
      : `$ ${r.pick(['export TOOL_INPUT=', 'docker run -e INPUT=', 'echo '])}${snippet} && ./bin/agent --workers ${r.int(1, 8)}`,
  url: (snippet, r, g) =>
    g.phrase === true || /[\s"'#&?]/.test(snippet) || g.keyed === true
      ? undefined
      : `GET https://api.example.com/v2/search?q=agents&page=${r.int(1, 9)}&ref=${snippet} HTTP/1.1`,
  header: (snippet, r, g) =>
    g.phrase === true || g.keyed === true
      ? `${snippet}\r\nAccept: application/json\r\nX-Request-Id: ${randomUuid(r)}`
      : `X-Forwarded-Data: ${snippet}\r\nUser-Agent: swarm-agent/${r.int(1, 3)}.${r.int(0, 9)}.${r.int(0, 9)}`,
  stack: (snippet, r) =>
    `Error: request failed: ${snippet}\n    at callTool (/srv/app/dist/tools/http.js:${r.int(10, 400)}:${r.int(1, 80)})\n    at async Agent.step (/srv/app/dist/agent.js:${r.int(10, 400)}:${r.int(1, 80)})`,
  prompt: (snippet, r) =>
    `User: ${r.pick(['Please use this to deploy:', 'My details are', 'Here is what the logs say:', 'Can you check'])} ${snippet} ${r.pick(['thanks!', '— and summarise the result.', 'before Friday.'])}`,
  env: (snippet, r, g) =>
    g.keyed === true
      ? `HOME=/home/agent\nPATH=/usr/local/bin:/usr/bin\n${snippet.replace(/\n/g, '\\n')}\nNODE_ENV=production`
      : `HOME=/home/agent\nSERVICE_VALUE_${r.int(1, 9)}=${snippet.replace(/\n/g, '\\n')}\nLANG=C.UTF-8`,
  yaml: (snippet, r) =>
    `service:\n  name: planner\n  replicas: ${r.int(1, 5)}\n  notes: ${JSON.stringify(snippet)}\n  image: ghcr.io/example/agent:${r.int(1, 3)}.${r.int(0, 9)}.0`,
};

function randomUuid(random: Random): string {
  const hex = random.chars(HEX, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Non-secrets that must survive untouched, each in the same contexts as the positives. */
const NEGATIVE_VALUES: Readonly<Record<string, (random: Random) => string>> = {
  uuid: (r) => randomUuid(r),
  trace_id: (r) => r.chars(HEX, 32),
  span_id: (r) => r.chars(HEX, 16),
  git_sha: (r) => r.chars(HEX, 40),
  sha256: (r) => `sha256:${r.chars(HEX, 64)}`,
  md5: (r) => r.chars(HEX, 32),
  timestamp: (r) => timestamp(r),
  epoch_millis: (r) => String(1_700_000_000_000 + r.int(0, 99_999_999)),
  version: (r) => `v${r.int(0, 12)}.${r.int(0, 30)}.${r.int(0, 99)}`,
  model: (r) => r.pick(['gpt-4o-2024-08-06', 'claude-3-5-sonnet-20241022', 'claude-sonnet-4-5', 'gemini-2.5-pro', 'llama-3.1-70b-versatile', 'grok-4', 'sonar-pro', 'o3-mini']),
  path: (r) => r.pick(['/srv/app/dist/tools/http.js', 'C:\\Users\\agent\\AppData\\Local\\Temp\\run.log', './.swarmtrail/journal/traces-0000000042.jsonl', '~/projects/swarm/src/index.ts']),
  placeholder: (r) => r.pick(['${OPENAI_API_KEY}', '${DB_PASSWORD}', '$GITHUB_TOKEN', '{{ secrets.NPM_TOKEN }}', '<your-api-key>']),
  chatcmpl_id: (r) => `chatcmpl-${r.chars(ALNUM, 29)}`,
  toolu_id: (r) => `toolu_${r.chars(ALNUM, 24)}`,
  msg_id: (r) => `msg_${r.chars(ALNUM, 24)}`,
  call_id: (r) => `call_${r.chars(ALNUM, 24)}`,
  base64_image: (r) => `data:image/png;base64,iVBORw0KGgo${r.chars(B64, 600)}==`,
  base64_blob: (r) => `"data": "/9j/4AAQSkZJRg${r.chars(B64, 400)}"`,
  placeholder_assignment: (r) => r.pick(['password: ${DB_PASSWORD}', 'api_key=${API_KEY}', '"token": null', 'secret: <redacted>', 'password=', '"client_secret": ""', 'token: ****']),
  token_counts: (r) => r.pick([`max_tokens=${r.int(1, 8192)}`, `"max_tokens": ${r.int(1, 8192)}`, `input_tokens: ${r.int(1, 9999)}`, `gen_ai.usage.output_tokens=${r.int(1, 999)}`, `token_type: bearer`, `tokenizer=cl100k_base`]),
  benign_keys: (r) => r.pick(['key: user_id', 'sort_key=created_at', 'cache_key: plans/v2', 'primary_key: id', '"auth": "oauth2"', 'signature: required', 'secret_name: prod-db']),
  prose: (r) => r.pick(['rotate your API key every 90 days', 'the bearer of this message', 'Basic authentication is disabled', 'the session expired, please log in again', 'tokens are counted per request', 'password reset email sent', 'never paste secrets into prompts']),
  numbers: (r) => r.pick([`order #${r.int(10000, 99999)}`, `${r.int(1, 999)} items in ${r.int(1, 60)}s`, `port ${r.int(1024, 65535)}`, `status=${r.pick([200, 201, 404, 500])}`, `date 2026-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`, `build 2026.11.${r.int(1, 28)}`]),
  ip_address: (r) => `${r.int(10, 200)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
  package: (r) => r.pick(['@opentelemetry/sdk-trace@3.1.1', 'git@github.com:example/swarm.git', 'ghcr.io/example/agent@sha256:' + r.chars(HEX, 64), 'pkg:npm/lodash@4.17.21']),
  k8s: (r) => `pod/planner-${r.chars(HEX, 10)}-${r.chars(LOWER + DIGITS, 5)}`,
  hex_color: (r) => `#${r.chars(HEX, 6)}`,
  tricky: (r) =>
    r.pick([
      'Error: invalid token: expired',
      'set the key: value pairs in config',
      'SELECT * FROM users WHERE id = 42',
      'ssh -i ~/.ssh/id_ed25519 deploy@10.0.0.5',
      'Authorization header missing',
      'password must contain 12 characters',
      'cookie consent banner shown',
      'order 4111-2222-3333 shipped',
      'UUIDv7 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      'retry-after: 120',
      'session: started',
      'Bearer token required',
      'key=README.md',
      'x-request-id: req_01HZY3XK2M9V8QG7N6P5T4R3S2',
      `agent_${r.int(1, 9)}: planning step ${r.int(1, 20)}`,
      'https://example.com/docs/auth#basic',
    ]),
};

/** A password with the characters shells and CLI flags carry (no quotes, no spaces). */
function cliPassword(random: Random): string {
  return random.chars(ALNUM, 10) + random.pick(['!', '#', '%', '^', '*', '@', '+']) + random.chars(DIGITS, 2);
}

/** A North American number whose area code and exchange are valid (first digit 2–9, not N11). */
function nanpGroup(random: Random): string {
  for (;;) {
    const group = `${random.int(2, 9)}${random.chars(DIGITS, 2)}`;
    if (group.slice(1) !== '11') return group;
  }
}

/**
 * Forms review 23 found the detectors missed, generated in every context like the kinds above:
 * Bot API URLs, short CLI password flags, `aws configure set`, spaced phone numbers and SSNs,
 * lower-case IBANs, signed-URL signatures, double percent-encoding.
 */
export const EXTRA_FORMS: ReadonlyArray<{ readonly kind: string; readonly form: string; readonly generate: Generator }> = [
  {
    kind: 'telegram_bot_token',
    form: 'bot_api_url',
    generate: (r) => {
      const secret = join(r.chars('123456789', 1), r.chars(DIGITS, 9), ':', 'AA', r.chars(B64URL, 33));
      return { secret, snippet: `https://api.telegram.org/bot${secret}/${r.pick(['sendMessage', 'getUpdates', 'sendDocument'])}` };
    },
  },
  {
    kind: 'cli_credentials',
    form: 'short_password_flag',
    generate: (r) => {
      const secret = cliPassword(r);
      const snippet = r.pick([
        `mysql -h db-${r.int(1, 9)}.internal -u root -p${secret} app`,
        `mysqldump -uapp -p${secret} --single-transaction appdb`,
        `mariadb -u agent -p${secret} -e "select 1"`,
        `docker login -u ci-bot -p ${secret} registry.example.com`,
        `podman login --username ci -p ${secret} quay.io`,
        `sshpass -p ${secret} ssh deploy@10.0.${r.int(0, 9)}.${r.int(2, 200)}`,
      ]);
      return { secret, snippet, phrase: true, keyed: true };
    },
  },
  {
    kind: 'aws_secret_access_key',
    form: 'aws_configure_set',
    generate: (r) => {
      const secret = r.chars(B64, 40);
      return { secret, snippet: `aws configure set ${r.pick(['', 'profile.ci.'])}aws_secret_access_key ${secret}`, phrase: true, keyed: true };
    },
  },
  {
    kind: 'phone_number',
    form: 'spaced_nanp',
    generate: (r) => {
      const value = `${nanpGroup(r)} ${nanpGroup(r)} ${r.chars(DIGITS, 4)}`;
      return { secret: value, snippet: value, phrase: true };
    },
  },
  {
    kind: 'us_ssn',
    form: 'spaced',
    generate: (r) => {
      const value = `${r.int(100, 665)} ${String(r.int(1, 99)).padStart(2, '0')} ${String(r.int(1, 9999)).padStart(4, '0')}`;
      return { secret: value, snippet: value, phrase: true };
    },
  },
  {
    kind: 'iban',
    form: 'lower_case',
    generate: (r) => {
      const [country, length] = r.pick([['DE', 22], ['FR', 27], ['ES', 24], ['IT', 27]] as const);
      const compact = country === 'IT' ? recomputeIban(ibanFor(country, length, r).replace(/^(....)\d/, `$1${r.chars(UPPER, 1)}`)) : ibanFor(country, length, r);
      const lower = compact.toLowerCase();
      const value = r.next() < 0.5 ? lower : lower.replace(/(.{4})(?=.)/g, '$1 ');
      return { secret: value, snippet: value, phrase: value.includes(' ') };
    },
  },
  {
    kind: 'url_signature',
    form: 'signed_url',
    generate: (r) => {
      if (r.next() < 0.5) {
        const secret = r.chars(HEX, 64);
        const snippet = `https://agent-artifacts.s3.amazonaws.com/runs/${r.chars(HEX, 8)}/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261125T0${r.int(0, 9)}0000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=${secret}`;
        return { secret, snippet, keyed: true };
      }
      const secret = r.chars(HEX, 512);
      const snippet = `https://storage.googleapis.com/agent-artifacts/run.log?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Expires=600&X-Goog-Signature=${secret}`;
      return { secret, snippet, keyed: true };
    },
  },
  {
    kind: 'email',
    form: 'double_percent_encoded',
    generate: (r) => {
      const user = `${r.pick(['jane.doe', 'kwame.n', 'li_wei'])}${r.int(1, 99)}`;
      return { secret: `${user}@example.com`, snippet: `https://app.example.com/login?next=%2Fprofile%3Femail%3D${user}%2540example.com`, keyed: true };
    },
  },
];

/** Card numbers held as JSON numbers, where a tool's arguments or an HTTP body carry them. */
function numericJsonCards(random: Random, count: number): PositiveSample[] {
  const samples: PositiveSample[] = [];
  for (let index = 0; index < count; index++) {
    const card = luhnComplete(random.pick(['4', '51', '55', '37', '6011']), random.pick([16, 16, 15]), random);
    const context = index % 2 === 0 ? 'jsonNumber' : 'nestedJsonNumber';
    const order = { order_id: `ord_${random.chars(ALNUM, 12)}`, amount: random.int(100, 99999) / 100, currency: 'EUR' };
    const inner = `{"order_id":"${order.order_id}","amount":${order.amount},"card":${card},"exp":"${random.int(1, 12)}/${random.int(27, 31)}"}`;
    const text = context === 'jsonNumber' ? inner : JSON.stringify({ tool_calls: [{ id: `call_${random.chars(ALNUM, 24)}`, function: { name: 'charge', arguments: inner } }] });
    samples.push({ kind: 'payment_card', context, text, secrets: [card] });
  }
  return samples;
}

/** Non-secrets near the forms above and under weakly secret keys (review 23, M9). */
const EXTRA_NEGATIVE_VALUES: Readonly<Record<string, (random: Random) => string>> = {
  object_key: (r) =>
    `${r.pick(['aws.s3.key', 's3_key', 'object_key', 'blob_key'])}${r.pick(['=', ': '])}${r.pick(['uploads', 'reports', 'exports'])}/${2020 + r.int(0, 6)}/${String(r.int(1, 12)).padStart(2, '0')}/${String(r.int(1, 28)).padStart(2, '0')}/${r.pick([`run-${r.chars(LOWER, 3)}${r.int(100, 999)}`, randomUuid(r), `invoice_${r.int(1000, 9999)}`])}.${r.pick(['json', 'pdf', 'csv', 'parquet'])}`,
  cache_key: (r) => `${r.pick(['cache_key', 'lock_key', 'redis_key'])}=${r.pick(['user', 'session', 'plan'])}:${r.int(1, 99999)}:${r.pick(['profile', 'settings', 'steps'])}:v${r.int(1, 9)}`,
  sort_key: (r) => `${r.pick(['sort_key', 'range_key', 'partition_key'])}: ${r.pick([`createdAt#${timestamp(r)}`, `tenant-${r.int(1, 99)}/agent-${r.int(1, 9)}`, `run-${2020 + r.int(0, 6)}-${r.int(10, 12)}-${r.int(10, 28)}-000${r.int(1, 9)}-a`])}`,
  cli_flags: (r) => r.pick([`mkdir -p /srv/app/logs/${r.int(1, 99)}`, `ssh -p ${r.int(1024, 65535)} deploy@host`, `docker run -p ${r.int(3000, 9000)}:80 nginx`, 'git add -p', 'mysql -p appdb', `tar -xzpf backup-${r.int(1, 99)}.tgz`]),
  number_lists: (r) => r.pick(['dims 64 128 256 512 1024 2048', 'batch sizes 256 512 1024 4096', `ports 8080 8443 ${r.int(9000, 9999)}`, `shape [${r.int(1, 64)}, 512, 768]`, 'sizes 128 256 1024']),
  json_numbers: (r) => `{"ts":${1_700_000_000_000 + r.int(0, 99_999_999)},"tweet_id":${r.pick(['1859912345678901234', '1860000000000000001'])},"count":${r.int(100_000_000, 999_999_999)},"price":${r.int(1, 99)}.10}`,
};

/** Generates the corpus: `perKind` positives per kind and context, and negatives per value kind. */
export function generateCorpus(options: { seed?: number; perKind?: number; negativesPerKind?: number; extraForms?: boolean } = {}): Corpus {
  const random = new Random(options.seed ?? 20261125);
  const perKind = options.perKind ?? 4;
  const negativesPerKind = options.negativesPerKind ?? 40;
  const positives: PositiveSample[] = [];
  const negatives: NegativeSample[] = [];
  for (const [kind, generate] of Object.entries(GENERATORS)) {
    for (const [contextName, context] of Object.entries(CONTEXTS)) {
      for (let index = 0; index < perKind; index++) {
        const generated = generate(random);
        const text = context(generated.snippet, random, generated);
        if (text === undefined) continue;
        positives.push({ kind, context: contextName, text, secrets: [generated.secret] });
      }
    }
  }
  const contexts = Object.entries(CONTEXTS);
  for (const [kind, generate] of Object.entries(NEGATIVE_VALUES)) {
    for (let index = 0; index < negativesPerKind; index++) {
      const [contextName, context] = contexts[index % contexts.length];
      const value = generate(random);
      const text = context(value, random, { secret: value, snippet: value, phrase: /\s/.test(value) });
      if (text === undefined) continue;
      negatives.push({ kind, context: contextName, text });
    }
  }
  if (options.extraForms !== false) {
    // Drawn from a second generator, so the samples above stay the same as before they existed.
    const extra = new Random((options.seed ?? 20261125) ^ 0x5eed);
    for (const { kind, form, generate } of EXTRA_FORMS) {
      for (const [contextName, context] of Object.entries(CONTEXTS)) {
        for (let index = 0; index < perKind; index++) {
          const generated = generate(extra);
          const text = context(generated.snippet, extra, generated);
          if (text === undefined) continue;
          positives.push({ kind, context: `${contextName}/${form}`, text, secrets: [generated.secret] });
        }
      }
    }
    positives.push(...numericJsonCards(extra, perKind * 10));
    for (const [kind, generate] of Object.entries(EXTRA_NEGATIVE_VALUES)) {
      for (let index = 0; index < negativesPerKind; index++) {
        const [contextName, context] = contexts[index % contexts.length];
        const value = generate(extra);
        const text = context(value, extra, { secret: value, snippet: value, phrase: /\s/.test(value) });
        if (text === undefined) continue;
        negatives.push({ kind, context: contextName, text });
      }
    }
  }
  return { positives, negatives };
}

/** True when no part of `secret` survives in `output` (whole, or any 12-character window). */
export function secretRemoved(output: string, secret: string): boolean {
  if (output.includes(secret)) return false;
  const compact = secret.replace(/\s+/g, '');
  if (compact.length < 16) return !output.replace(/\s+/g, '').includes(compact);
  for (let start = 0; start + 12 <= compact.length; start += 4) {
    if (output.includes(compact.slice(start, start + 12))) return false;
  }
  return true;
}

/** Mixed text for the throughput benchmark: mostly benign lines with secrets in ~5% of them. */
export function mixedText(bytes: number, seed = 7): string {
  // Without the extra forms: the benchmark's text stays the same as when its figures were taken.
  const corpus = generateCorpus({ seed, perKind: 1, negativesPerKind: 30, extraForms: false });
  const random = new Random(seed);
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const line = random.next() < 0.05 ? random.pick(corpus.positives).text : random.pick(corpus.negatives).text;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

/** A digest of the corpus, to show in reports that two runs measured the same data. */
export function corpusDigest(corpus: Corpus): string {
  const hash = createHash('sha256');
  for (const sample of corpus.positives) hash.update(sample.text);
  for (const sample of corpus.negatives) hash.update(sample.text);
  return hash.digest('hex').slice(0, 12);
}
