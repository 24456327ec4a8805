import { diag, DiagLogLevel } from '@opentelemetry/api';
import { PRESET_NAMES, type SwarmtrailPreset } from './presets.js';

/**
 * The only module that reads environment variables. Each helper parses one variable and warns
 * through `diag` (never throws) when its value is malformed.
 */
export type OtlpProtocol = 'http/protobuf' | 'http/json';
export type Signal = 'traces' | 'logs' | 'metrics';

export interface SwarmtrailEnvironment {
  readonly sdkDisabled: boolean | undefined;
  readonly serviceName: string | undefined;
  readonly resourceAttributes: Record<string, string>;
  /** Base endpoint from OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string | undefined;
  /** Full per-signal URLs from OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT. */
  readonly signalEndpoints: Partial<Record<Signal, string>>;
  readonly protocol: OtlpProtocol | undefined;
  readonly signalProtocols: Partial<Record<Signal, OtlpProtocol>>;
  readonly headers: Record<string, string>;
  readonly signalHeaders: Partial<Record<Signal, Record<string, string>>>;
  readonly captureContent: boolean | undefined;
  readonly directory: string | undefined;
  readonly journalDirectory: string | undefined;
  readonly logLevel: DiagLogLevel | undefined;
  readonly journalDurability: 'batch' | 'record' | 'none' | undefined;
  readonly journalMaxBytes: number | undefined;
  readonly journalDiskCapPolicy: 'block' | 'drop' | undefined;
  readonly signingKey: string | undefined;
  readonly signingKeyId: string | undefined;
  readonly anchor: string | undefined;
  readonly preset: SwarmtrailPreset | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function readBoolean(env: Env, name: string): boolean | undefined {
  const value = text(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  diag.warn(`swarmtrail: ignoring ${name}=${JSON.stringify(env[name])}: expected "true" or "false"`);
  return undefined;
}

/**
 * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: `true`/`false`, or the content modes of the
 * OTel GenAI instrumentations (`SPAN_ONLY`, `EVENT_ONLY`, `SPAN_AND_EVENT`, `NO_CONTENT`),
 * case-insensitive. swarmtrail records content on spans and in audit records alike, so every
 * mode that captures content turns capture on and `NO_CONTENT` turns it off.
 */
export function readCaptureContent(env: Env): boolean | undefined {
  const name = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';
  const value = text(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  switch (value) {
    case 'true':
    case 'span_only':
    case 'event_only':
    case 'span_and_event':
      return true;
    case 'false':
    case 'no_content':
      return false;
    default:
      diag.warn(
        `swarmtrail: ignoring ${name}=${JSON.stringify(env[name])}: expected true, false, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT or NO_CONTENT`,
      );
      return undefined;
  }
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Parses the W3C-baggage-like `key=value,key2=value2` lists of OTEL_RESOURCE_ATTRIBUTES and the headers variables. */
export function readKeyValueList(env: Env, name: string): Record<string, string> {
  const raw = text(env, name);
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const entry of raw.split(',')) {
    if (entry.trim() === '') continue;
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      diag.warn(`swarmtrail: ignoring malformed entry in ${name}: expected key=value`);
      continue;
    }
    out[decode(entry.slice(0, eq).trim())] = decode(entry.slice(eq + 1).trim());
  }
  return out;
}

function readProtocol(env: Env, name: string): OtlpProtocol | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  if (value === 'http/protobuf' || value === 'http/json') return value;
  diag.warn(`swarmtrail: ignoring ${name}=${JSON.stringify(value)}: supported are "http/protobuf" and "http/json"`);
  return undefined;
}

function readUrl(env: Env, name: string): string | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return value;
  } catch {
    diag.warn(`swarmtrail: ignoring ${name}=${JSON.stringify(value)}: not an http(s) URL`);
    return undefined;
  }
}

function readChoice<T extends string>(env: Env, name: string, choices: readonly T[]): T | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  if ((choices as readonly string[]).includes(value)) return value as T;
  diag.warn(`swarmtrail: ignoring ${name}=${JSON.stringify(value)}: expected one of ${choices.join(', ')}`);
  return undefined;
}

function readPositiveInteger(env: Env, name: string): number | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (Number.isSafeInteger(number) && number > 0) return number;
  diag.warn(`swarmtrail: ignoring ${name}=${JSON.stringify(value)}: expected a positive whole number`);
  return undefined;
}

const LOG_LEVELS: Record<string, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

export function readEnvironment(env: Env = process.env): SwarmtrailEnvironment {
  const signalEndpoints: Partial<Record<Signal, string>> = {};
  const signalProtocols: Partial<Record<Signal, OtlpProtocol>> = {};
  const signalHeaders: Partial<Record<Signal, Record<string, string>>> = {};
  for (const signal of SIGNALS) {
    const upper = signal.toUpperCase();
    const endpoint = readUrl(env, `OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`);
    if (endpoint !== undefined) signalEndpoints[signal] = endpoint;
    const protocol = readProtocol(env, `OTEL_EXPORTER_OTLP_${upper}_PROTOCOL`);
    if (protocol !== undefined) signalProtocols[signal] = protocol;
    const headers = readKeyValueList(env, `OTEL_EXPORTER_OTLP_${upper}_HEADERS`);
    if (Object.keys(headers).length > 0) signalHeaders[signal] = headers;
  }
  const logLevelText = text(env, 'OTEL_LOG_LEVEL')?.toLowerCase();
  const logLevel = logLevelText === undefined ? undefined : LOG_LEVELS[logLevelText];
  if (logLevelText !== undefined && logLevel === undefined) {
    diag.warn(`swarmtrail: ignoring OTEL_LOG_LEVEL=${JSON.stringify(logLevelText)}`);
  }
  return {
    sdkDisabled: readBoolean(env, 'OTEL_SDK_DISABLED'),
    serviceName: text(env, 'OTEL_SERVICE_NAME'),
    resourceAttributes: readKeyValueList(env, 'OTEL_RESOURCE_ATTRIBUTES'),
    endpoint: readUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
    signalEndpoints,
    protocol: readProtocol(env, 'OTEL_EXPORTER_OTLP_PROTOCOL'),
    signalProtocols,
    headers: readKeyValueList(env, 'OTEL_EXPORTER_OTLP_HEADERS'),
    signalHeaders,
    captureContent: readCaptureContent(env),
    directory: text(env, 'SWARMTRAIL_DIR'),
    journalDirectory: text(env, 'SWARMTRAIL_JOURNAL_DIR'),
    logLevel,
    journalDurability: readChoice(env, 'SWARMTRAIL_JOURNAL_DURABILITY', ['batch', 'record', 'none'] as const),
    journalMaxBytes: readPositiveInteger(env, 'SWARMTRAIL_JOURNAL_MAX_BYTES'),
    journalDiskCapPolicy: readChoice(env, 'SWARMTRAIL_JOURNAL_DISK_CAP_POLICY', ['block', 'drop'] as const),
    signingKey: text(env, 'SWARMTRAIL_SIGNING_KEY'),
    signingKeyId: text(env, 'SWARMTRAIL_SIGNING_KEY_ID'),
    anchor: text(env, 'SWARMTRAIL_ANCHOR'),
    preset: readChoice(env, 'SWARMTRAIL_PRESET', PRESET_NAMES),
  };
}
