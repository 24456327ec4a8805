/**
 * The built-in detectors. Each is a regular-expression source (no flags, compiled together with
 * the others into one alternation by the Redactor) naming one kind of secret or personal data.
 *
 * Pattern rules, so that the sources combine into a single pass:
 * - only non-capturing groups `(?:…)`, except the `secretGroups` capturing groups that delimit
 *   the part to replace (the first one that participated in the match is replaced; without
 *   capturing groups the whole match is replaced);
 * - no back-references, no flags (case-insensitive words are spelled with `caseless()`).
 */
import {
  isBasicCredential,
  isBearerToken,
  isIban,
  isIpv4Address,
  isKeyedSecretValue,
  isPaymentCardNumber,
  isPhoneNumber,
  isSocialSecurityNumber,
} from './validators.js';

/** What a detector finds; `keep` detectors mark text that must survive (e.g. base64 images). */
export type DetectorCategory = 'credential' | 'personal' | 'network' | 'keep';

export interface Detector {
  /** The kind written into `[REDACTED:<kind>]` and counted in `swarmtrail.redactions`. */
  readonly kind: string;
  readonly category: DetectorCategory;
  /** Regular-expression source, combined with the others into one pass. */
  readonly pattern: string;
  /** Number of capturing groups in `pattern` (the alternatives for the part to replace). */
  readonly secretGroups: number;
  /** Confirms a match (checksums, placeholders, entropy); a rejected match is left alone. */
  readonly validate?: (secret: string) => boolean;
  /**
   * Where a match can start, so the scan tries the detector only there (a speed hint; the
   * pattern must imply it): `word`: the pattern starts with `\\b`; `identifier`: it starts
   * with `(?<![A-Za-z0-9])`; `digit`: at `+`, `(`, three digits, or one or two digits and a dot,
   * not preceded by a letter, digit, `_` or `.`;
   * `anywhere`: no hint (best for patterns starting with a literal character).
   */
  readonly section: DetectorSection;
  /**
   * For patterns anchored after the start of the secret (for speed): the part just before the
   * match that belongs to the secret too, matched against the text before the match.
   */
  readonly extendBefore?: RegExp;
  /** When validation fails, retry without the last space-separated groups (an IBAN before a word). */
  readonly shrinkOnSpace?: boolean;
}

export type DetectorSection = 'word' | 'identifier' | 'digit' | 'anywhere';

/** `caseless('token')` → `[Tt][Oo][Kk][Ee][Nn]`, for case-insensitive words in a flagless pattern. */
export function caseless(word: string): string {
  let source = '';
  for (const character of word) {
    const lower = character.toLowerCase();
    const upper = character.toUpperCase();
    if (lower !== upper) source += `[${upper}${lower}]`;
    else if (character === '_' || character === '-') source += '[_-]?';
    else source += character.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return source;
}

const END = '(?![A-Za-z0-9_-])';

/**
 * The value after a key and separator: a double-quoted string (JSON escapes allowed), a string in
 * escaped quotes (JSON inside JSON), a single-quoted string, or a bare word.
 */
const VALUE =
  '(?:"((?:[^"\\\\\\r\\n]|\\\\[^"])*)"|\\\\"([^"\\\\\\r\\n]*)\\\\"|\'([^\'\\r\\n]*)\'|(?!\\$\\{)([^\\s"\'`,;&<>(){}\\[\\]\\\\]+))';
const VALUE_GROUPS = 4;



/**
 * Built-in detectors, most specific first: at the same position the first listed wins.
 */
/** Detectors found by a key name; their value is re-checked for a more specific kind. */
export const KEYED_KINDS: ReadonlySet<string> = new Set(['secret_flag', 'cli_credentials']);

export const BUILT_IN_DETECTORS: readonly Detector[] = [
  // --- text that must survive --------------------------------------------------------------
  {
    kind: 'data_uri',
    category: 'keep',
    pattern: '\\bdata:[a-z]+/[A-Za-z0-9.+-]+;base64,[A-Za-z0-9+/]+={0,2}',
    secretGroups: 0,
    section: 'word',
  },
  // --- private keys and structured tokens ----------------------------------------------------
  {
    kind: 'private_key',
    category: 'credential',
    // The lazy body stops at the next BEGIN and after 16 KiB, so headers without an END line cost
    // linear time (unbounded, 1 MiB of them took seconds); the second alternative takes a
    // truncated key (body characters only).
    pattern:
      '-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:(?:(?!-----BEGIN )[\\s\\S]){0,16384}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\\s\\\\:,-]*)',
    secretGroups: 0,
    section: 'anywhere',
  },
  {
    kind: 'age_secret_key',
    category: 'credential',
    pattern: '\\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}',
    secretGroups: 0,
    section: 'word',
  },
  {
    kind: 'jwt',
    category: 'credential',
    pattern: '\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*' + END,
    secretGroups: 0,
    section: 'word',
  },
  // --- AI providers ------------------------------------------------------------------------------
  { kind: 'anthropic_api_key', category: 'credential', pattern: '\\bsk-ant-(?:api|admin|oat|ort)\\d{2}-[A-Za-z0-9_-]{32,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'langfuse_secret_key', category: 'credential', pattern: '\\bsk-lf-[0-9a-f]{8}-[0-9a-f-]{27}' + END, secretGroups: 0, section: 'word' },
  { kind: 'openai_api_key', category: 'credential', pattern: '\\bsk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{32,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'groq_api_key', category: 'credential', pattern: '\\bgsk_[A-Za-z0-9]{48,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'xai_api_key', category: 'credential', pattern: '\\bxai-[A-Za-z0-9]{64,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'perplexity_api_key', category: 'credential', pattern: '\\bpplx-[A-Za-z0-9]{40,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'huggingface_token', category: 'credential', pattern: '\\bhf_[A-Za-z0-9]{30,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'langsmith_api_key', category: 'credential', pattern: '\\blsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}' + END, secretGroups: 0, section: 'word' },
  { kind: 'replicate_api_token', category: 'credential', pattern: '\\br8_[A-Za-z0-9]{37}' + END, secretGroups: 0, section: 'word' },
  { kind: 'pinecone_api_key', category: 'credential', pattern: '\\bpcsk_[A-Za-z0-9]{5,}_[A-Za-z0-9]{40,}' + END, secretGroups: 0, section: 'word' },
  // --- cloud providers -------------------------------------------------------------------------
  { kind: 'aws_access_key_id', category: 'credential', pattern: '\\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[A-Z2-7]{16}\\b', secretGroups: 0, section: 'word' },
  { kind: 'google_api_key', category: 'credential', pattern: '\\bAIza[0-9A-Za-z_-]{35}' + END, secretGroups: 0, section: 'word' },
  { kind: 'google_oauth_token', category: 'credential', pattern: '\\bya29\\.[0-9A-Za-z_-]{20,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'google_oauth_refresh_token', category: 'credential', pattern: '\\b1//0[0-9A-Za-z_-]{40,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'google_oauth_client_secret', category: 'credential', pattern: '\\bGOCSPX-[0-9A-Za-z_-]{28}' + END, secretGroups: 0, section: 'word' },
  {
    kind: 'azure_client_secret',
    category: 'credential',
    pattern: 'Q(?<=(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\\dQ)~[A-Za-z0-9_~.-]{31,34}' + END,
    secretGroups: 0,
    section: 'anywhere',
    extendBefore: /[A-Za-z0-9_~.-]{3}\d$/,
  },
  { kind: 'digitalocean_token', category: 'credential', pattern: '\\bdo[por]_v1_[0-9a-f]{64}' + END, secretGroups: 0, section: 'word' },
  // --- source hosting and registries --------------------------------------------------------
  { kind: 'github_fine_grained_token', category: 'credential', pattern: '\\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}' + END, secretGroups: 0, section: 'word' },
  { kind: 'github_token', category: 'credential', pattern: '\\bghp_[A-Za-z0-9]{36,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'github_oauth_token', category: 'credential', pattern: '\\bgho_[A-Za-z0-9]{36,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'github_app_token', category: 'credential', pattern: '\\bgh[us]_[A-Za-z0-9]{36,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'github_refresh_token', category: 'credential', pattern: '\\bghr_[A-Za-z0-9]{36,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'gitlab_token', category: 'credential', pattern: '\\bgl(?:pat|dt|rt|ptt|ft|cbt|imt|agent)-[A-Za-z0-9_-]{20,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'npm_token', category: 'credential', pattern: '\\bnpm_[A-Za-z0-9]{36}' + END, secretGroups: 0, section: 'word' },
  { kind: 'pypi_token', category: 'credential', pattern: '\\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}' + END, secretGroups: 0, section: 'word' },
  // --- payments, chat, mail, ops ------------------------------------------------------------
  { kind: 'stripe_key', category: 'credential', pattern: '\\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'stripe_webhook_secret', category: 'credential', pattern: '\\bwhsec_[A-Za-z0-9+/]{32,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'slack_token', category: 'credential', pattern: '\\bxox[abposre]-[A-Za-z0-9-]{10,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'slack_app_token', category: 'credential', pattern: '\\bxapp-\\d-[A-Z0-9]+-\\d+-[a-z0-9]+' + END, secretGroups: 0, section: 'word' },
  {
    kind: 'slack_webhook',
    category: 'credential',
    pattern: '\\bhttps://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{8,}',
    secretGroups: 0,
    section: 'word',
  },
  {
    kind: 'discord_webhook',
    category: 'credential',
    pattern: '\\bhttps://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/\\d+/[A-Za-z0-9_-]+',
    secretGroups: 0,
    section: 'word',
  },
  { kind: 'discord_bot_token', category: 'credential', pattern: '\\b[MNO][A-Za-z0-9_-]{23,25}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,38}' + END, secretGroups: 0, section: 'word' },
  { kind: 'telegram_bot_token', category: 'credential', pattern: ':(?<=(?<![A-Za-z0-9_])(?:bot)?\\d{8,10}:)AA[A-Za-z0-9_-]{32,33}' + END, secretGroups: 0, section: 'anywhere', extendBefore: /\d{8,10}$/ },
  { kind: 'sendgrid_api_key', category: 'credential', pattern: '\\bSG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}' + END, secretGroups: 0, section: 'word' },
  { kind: 'mailgun_api_key', category: 'credential', pattern: '\\bkey-[0-9a-f]{32}' + END, secretGroups: 0, section: 'word' },
  { kind: 'twilio_api_key', category: 'credential', pattern: '\\bSK[0-9a-f]{32}\\b', secretGroups: 0, section: 'word' },
  { kind: 'vault_token', category: 'credential', pattern: '\\bhv[sbr]\\.[A-Za-z0-9_-]{24,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'shopify_token', category: 'credential', pattern: '\\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}' + END, secretGroups: 0, section: 'word' },
  { kind: 'linear_api_key', category: 'credential', pattern: '\\blin_(?:api|oauth)_[A-Za-z0-9]{40,}' + END, secretGroups: 0, section: 'word' },
  { kind: 'notion_token', category: 'credential', pattern: '\\b(?:ntn_[A-Za-z0-9]{40,}|secret_[A-Za-z0-9]{43})' + END, secretGroups: 0, section: 'word' },
  { kind: 'supabase_token', category: 'credential', pattern: '\\bsbp_[a-f0-9]{40}' + END, secretGroups: 0, section: 'word' },
  { kind: 'postman_api_key', category: 'credential', pattern: '\\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}' + END, secretGroups: 0, section: 'word' },
  { kind: 'newrelic_api_key', category: 'credential', pattern: '\\bNRAK-[A-Z0-9]{27}' + END, secretGroups: 0, section: 'word' },
  { kind: 'sentry_token', category: 'credential', pattern: '\\bsntry[su]_[A-Za-z0-9_=+/-]{40,}' + END, secretGroups: 0, section: 'word' },
  // --- authorization headers, cookies, URLs ------------------------------------------------
  {
    kind: 'bearer_token',
    category: 'credential',
    pattern: '\\b[Bb]earer[ \\t]+([A-Za-z0-9._~+/=-]{8,})',
    secretGroups: 1,
    section: 'word',
    validate: isBearerToken,
  },
  {
    kind: 'basic_credentials',
    category: 'credential',
    pattern: '\\b[Bb]asic[ \\t]+([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])',
    secretGroups: 1,
    section: 'word',
    validate: isBasicCredential,
  },
  {
    kind: 'url_password',
    category: 'credential',
    pattern: ':(?<=[A-Za-z0-9+.-]:)//[^\\s:/@"\'<>]*:([^\\s@/"\'<>]+)@',
    secretGroups: 1,
    section: 'anywhere',
    validate: (secret) => !/^\$\{?[A-Za-z_]/.test(secret),
  },
  {
    kind: 'cli_credentials',
    category: 'credential',
    // After a blank, a quote (a JSON string, a quoted argument) or at the start.
    pattern: '-(?<=(?<![^\\s"\'])-)(?:u|-user)[ \\t]+[^\\s:"\']+:([^\\s"\']+)',
    secretGroups: 1,
    section: 'anywhere',
    validate: isKeyedSecretValue,
  },
  {
    kind: 'secret_flag',
    category: 'credential',
    pattern: `--(?:${['password', 'passwd', 'token', 'api-key', 'apikey', 'secret', 'client-secret', 'access-token', 'auth-token'].map(caseless).join('|')})(?:=|[ \\t]+)${VALUE}`,
    secretGroups: VALUE_GROUPS,
    section: 'anywhere',
    validate: isKeyedSecretValue,
  },
  {
    // mysql-family clients take the password attached to -p (`-p name` prompts and names a database).
    kind: 'cli_credentials',
    category: 'credential',
    pattern:
      '\\bm(?:ysql(?:dump|admin|import|show|check|binlog|slap|pump)?|ariadb(?:-dump|-admin|-import|-show|-check)?)(?![\\w-])[^\\n|;&]{0,256}?[ \\t]-p(?:"([^"\\r\\n]*)"|\'([^\'\\r\\n]*)\'|([^\\s"\'`|;&<>]+))',
    secretGroups: 3,
    section: 'word',
    validate: isKeyedSecretValue,
  },
  {
    // Registry logins and sshpass: -p with the password attached or as the next argument.
    kind: 'cli_credentials',
    category: 'credential',
    pattern: `\\b(?:(?:docker|podman|nerdctl|buildah|skopeo|oras|crane|helm(?:[ \\t]+registry)?)[ \\t]+login(?![\\w-])[^\\n|;&]{0,256}?[ \\t]|sshpass[ \\t]+)-p[ \\t]*${VALUE}`,
    secretGroups: VALUE_GROUPS,
    section: 'word',
    validate: isKeyedSecretValue,
  },
  {
    // `aws configure set aws_secret_access_key <value>`: key and value separated by a space.
    kind: 'aws_secret_access_key',
    category: 'credential',
    pattern: `\\baws[ \\t]+configure[ \\t]+set[ \\t]+(?:[\\w-]+\\.)*aws_(?:secret_access_key|session_token)[ \\t]+${VALUE}`,
    secretGroups: VALUE_GROUPS,
    section: 'word',
    validate: isKeyedSecretValue,
  },
  // Secrets by key name in free text (key=value, key: value, "key": "value") are found by the
  // separator scanner in keyed.ts, not here.
  // --- personal data -------------------------------------------------------------------------
  {
    kind: 'payment_card',
    category: 'personal',
    pattern: '(?<![\\w.+-])\\d(?:[ -]?\\d){12,18}(?![\\w.-])',
    secretGroups: 0,
    section: 'digit',
    validate: isPaymentCardNumber,
  },
  {
    kind: 'iban',
    category: 'personal',
    pattern: '\\b[A-Za-z]{2}\\d{2}(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,3})?)\\b',
    secretGroups: 0,
    section: 'word',
    validate: isIban,
    shrinkOnSpace: true,
  },
  {
    kind: 'us_ssn',
    category: 'personal',
    // Spaced groups only outside lists of numbers.
    pattern: '(?<![\\w.-])(?:\\d{3}-\\d{2}-\\d{4}|(?<!\\d[ ,])\\d{3} \\d{2} \\d{4}(?![ ,]\\d))(?![\\w.-])',
    secretGroups: 0,
    section: 'digit',
    validate: isSocialSecurityNumber,
  },
  {
    kind: 'phone_number',
    category: 'personal',
    pattern:
      '(?<![\\w.+/-])(?:\\+[1-9]\\d{0,2}[ .-]?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{1,4}(?:[ .-]?\\d{2,4}){2,4}|\\(\\d{3}\\)[ .-]?\\d{3}[ .-]\\d{4}|\\d{3}[.-]\\d{3}[.-]\\d{4}|(?<!\\d[ ,])[2-9]\\d{2} [2-9]\\d{2} \\d{4}(?![ ,]\\d))(?![\\w.-])',
    secretGroups: 0,
    section: 'digit',
    validate: isPhoneNumber,
  },
];

/** Optional detectors, enabled with `detectIpAddresses`. */
export const IP_ADDRESS_DETECTORS: readonly Detector[] = [
  {
    kind: 'ip_address',
    category: 'network',
    pattern: '(?<![\\w.])(?:\\d{1,3}\\.){3}\\d{1,3}(?![\\w.])',
    secretGroups: 0,
    validate: isIpv4Address,
    section: 'digit',
  },
  {
    kind: 'ip_address',
    category: 'network',
    pattern: '(?<![\\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\\w:])|(?<![\\w:])(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}:){0,5}[0-9a-fA-F]{1,4}(?![\\w:])',
    secretGroups: 0,
    section: 'identifier',
  },
];

/** Email addresses are found by scanning for `@` rather than in the combined pattern. */
export const EMAIL_KIND = 'email';

/** Key names whose whole value is redacted, by the kind they are reported as. */
export const SECRET_KEY_NAME_RULES: ReadonlyArray<readonly [kind: string, pattern: RegExp]> = [
  ['url_signature', /x-(?:amz|goog)-signature$/i],
  ['authorization', /(?:^|[^a-z])(?:proxy[_-]?)?authorization$/i],
  ['cookie', /(?:^|[^a-z])(?:set[_-]?)?cookies?$/i],
  ['password', /(?:pass(?:word|wd|phrase)|(?:^|[_.-])pwd)(?:[_.-]?(?:hash|value))?$/i],
  ['private_key', /private[_.-]?key$/i],
  ['api_key', /(?:api|access|secret|subscription|master|admin|service)[_.-]?key$/i],
  ['secret', /secret$/i],
  ['token', /token$/i],
  ['credentials', /credentials?$/i],
  ['session', /(?:^|[_.-])session[_.-]?id$/i],
];

/** Key names whose value is redacted when it looks random (entropy check). */
export const WEAK_KEY_NAME_PATTERN = /(?:^|[_.-])(?:key|sig|signature|auth|hmac|salt|nonce|dsn)$/i;

/**
 * Semantic-convention attributes named like a weak key that hold no secret: object and message
 * keys (names chosen by the application), inspected as ordinary text instead.
 */
export const NON_SECRET_KEYS: ReadonlySet<string> = new Set([
  'aws.s3.key',
  'messaging.kafka.message.key',
  'messaging.rabbitmq.destination.routing_key',
  'messaging.gcp_pubsub.message.ordering_key',
]);

/** GenAI content attributes: the free text that the strict preset drops. */
export const CONTENT_KEYS: readonly string[] = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'gen_ai.prompt',
  'gen_ai.completion',
  'gen_ai.tool.definitions',
  // swarmtrail's own content-gated audit fields
  'audit.thought.content',
  'audit.file.diff',
  'audit.command.output',
  'audit.decision.reasoning',
  // OpenInference, Vercel AI SDK, Traceloop, Langfuse
  'input.value',
  'output.value',
  'llm.prompts',
  'ai.prompt',
  'ai.prompt.messages',
  'ai.response.text',
  'ai.response.object',
  'ai.response.toolCalls',
  'ai.toolCall.args',
  'ai.toolCall.result',
  'traceloop.entity.input',
  'traceloop.entity.output',
  'langfuse.observation.input',
  'langfuse.observation.output',
];

/**
 * Indexed and nested content attributes: OpenLLMetry (`gen_ai.prompt.0.content`,
 * `gen_ai.completion.0.tool_calls.0.arguments`), OpenInference
 * (`llm.input_messages.0.message.content`, `….message.contents.0.message_content.text`,
 * `….tool_calls.0.tool_call.function.arguments`, `retrieval.documents.0.document.content`,
 * `embedding.embeddings.0.embedding.text`), `llm.prompts.0`. Roles, ids and names are kept.
 */
export const CONTENT_KEY_PATTERN =
  /^(?:gen_ai\.(?:prompt|completion)\.\d+\.(?:content|tool_calls\.\d+\.arguments)|llm\.(?:input|output)_messages\.\d+\.message\.(?:content|contents\.\d+\.message_content\.text|tool_calls\.\d+\.tool_call\.function\.arguments)|llm\.prompts\.\d+(?:\.prompt\.text)?|retrieval\.documents\.\d+\.document\.content|embedding\.embeddings\.\d+\.embedding\.text)$/;
