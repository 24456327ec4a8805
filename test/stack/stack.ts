/**
 * The real parts of the stack test: our collector build running collector/config.yaml with its
 * endpoints pointed at local stand-ins, and Debian's Prometheus as the remote-write backend.
 * Everything listens on 127.0.0.1 on free ports.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, ManagedProcess, waitFor } from './processes.js';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const COLLECTOR_CONFIG = join(REPOSITORY_ROOT, 'collector', 'config.yaml');

/**
 * The collector binary: $SWARMTRAIL_OTELCOL_BIN when set, else built or reused by
 * scripts/build-collector.sh (instant when the manifest has not changed).
 */
export function collectorBinary(): string {
  const fromEnvironment = process.env['SWARMTRAIL_OTELCOL_BIN'];
  if (fromEnvironment !== undefined && fromEnvironment !== '') return fromEnvironment;
  const output = execFileSync(join(REPOSITORY_ROOT, 'scripts', 'build-collector.sh'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 45 * 60_000,
  });
  return output.trim().split('\n').at(-1) ?? '';
}

/** Runs `otelcol validate` on the given config files; returns the exit code and output. */
export function validateCollectorConfig(binary: string, configs: readonly string[], env: NodeJS.ProcessEnv): { code: number; output: string } {
  try {
    const output = execFileSync(binary, ['validate', ...configs.map((config) => `--config=${config}`)], {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    return { code: 0, output };
  } catch (error) {
    const failure = error as { status?: number; stdout?: string; stderr?: string };
    return { code: failure.status ?? -1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

export interface CollectorPorts {
  readonly grpc: number;
  readonly http: number;
  readonly health: number;
  readonly telemetry: number;
}

export interface CollectorOptions {
  readonly binary: string;
  readonly workDirectory: string;
  readonly tempoEndpoint: string;
  readonly lokiEndpoint: string;
  readonly remoteWriteEndpoint: string;
  /** Reuse ports (and the storage directory) of a previous run: a restart. */
  readonly ports?: CollectorPorts;
  /** The config file the overlays are merged over. Default collector/config.yaml. */
  readonly baseConfig?: string;
  /** Overlays merged over the base config, in order (paths). */
  readonly overlays?: readonly string[];
  /** Additional environment variables (an overlay's settings). */
  readonly env?: Readonly<Record<string, string>>;
  /** Names the log file and the storage directory, so several collectors can run. Default 'collector'. */
  readonly name?: string;
}

export class CollectorProcess {
  private constructor(
    readonly process: ManagedProcess,
    readonly ports: CollectorPorts,
  ) {}

  /** Base URL for OTLP/HTTP senders (they append /v1/<signal>). */
  get otlpHttpEndpoint(): string {
    return `http://127.0.0.1:${this.ports.http}`;
  }

  static async start(options: CollectorOptions): Promise<CollectorProcess> {
    const ports = options.ports ?? {
      grpc: await freePort(),
      http: await freePort(),
      health: await freePort(),
      telemetry: await freePort(),
    };
    const name = options.name ?? 'collector';
    const storage = join(options.workDirectory, `${name}-storage`);
    mkdirSync(storage, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      SWARMTRAIL_OTLP_GRPC_ENDPOINT: `127.0.0.1:${ports.grpc}`,
      SWARMTRAIL_OTLP_HTTP_ENDPOINT: `127.0.0.1:${ports.http}`,
      SWARMTRAIL_HEALTH_ENDPOINT: `127.0.0.1:${ports.health}`,
      SWARMTRAIL_TELEMETRY_HOST: '127.0.0.1',
      SWARMTRAIL_TELEMETRY_PORT: String(ports.telemetry),
      SWARMTRAIL_TEMPO_ENDPOINT: options.tempoEndpoint,
      SWARMTRAIL_LOKI_ENDPOINT: options.lokiEndpoint,
      SWARMTRAIL_PROMETHEUS_ENDPOINT: options.remoteWriteEndpoint,
      SWARMTRAIL_STORAGE_DIRECTORY: storage,
      SWARMTRAIL_ENVIRONMENT: 'stack-test',
      // Retry quickly once a backend is back, so outage tests finish in seconds.
      SWARMTRAIL_RETRY_MAX_INTERVAL: '1s',
      ...options.env,
    };
    const managed = new ManagedProcess({
      command: options.binary,
      args: [options.baseConfig ?? COLLECTOR_CONFIG, ...(options.overlays ?? [])].map((config) => `--config=${config}`),
      env,
      logFile: join(options.workDirectory, `${name}.log`),
    });
    const collector = new CollectorProcess(managed, ports);
    try {
      await waitFor(
        async () => {
          if (managed.hasExited) throw new Error(`collector exited:\n${managed.logTail()}`);
          const response = await fetch(`http://127.0.0.1:${ports.health}/`);
          return response.status === 200;
        },
        { timeoutMs: 30_000, what: 'the collector health check' },
      );
    } catch (error) {
      await managed.stop('SIGKILL');
      throw new Error(`${(error as Error).message}\n${managed.logTail()}`, { cause: error });
    }
    return collector;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.process.stop(signal, 20_000);
  }
}

export interface PrometheusOptions {
  readonly workDirectory: string;
  /** host:port targets to scrape (the collector's own metrics). */
  readonly scrapeTargets: readonly string[];
}

export interface PrometheusSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export class PrometheusProcess {
  private constructor(
    readonly process: ManagedProcess,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get remoteWriteEndpoint(): string {
    return `${this.url}/api/v1/write`;
  }

  static binary(): string {
    return process.env['SWARMTRAIL_PROMETHEUS_BIN'] ?? '/usr/bin/prometheus';
  }

  static available(): boolean {
    return existsSync(PrometheusProcess.binary());
  }

  static async start(options: PrometheusOptions): Promise<PrometheusProcess> {
    const port = await freePort();
    const directory = join(options.workDirectory, 'prometheus');
    mkdirSync(join(directory, 'data'), { recursive: true });
    const configFile = join(directory, 'prometheus.yml');
    writeFileSync(
      configFile,
      [
        'global:',
        '  scrape_interval: 2s',
        '  evaluation_interval: 2s',
        'scrape_configs:',
        '  - job_name: otelcol',
        '    static_configs:',
        `      - targets: [${options.scrapeTargets.map((target) => `'${target}'`).join(', ')}]`,
        '',
      ].join('\n'),
    );
    const managed = new ManagedProcess({
      command: PrometheusProcess.binary(),
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(directory, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-remote-write-receiver',
        '--enable-feature=exemplar-storage',
        '--storage.tsdb.retention.time=1h',
      ],
      logFile: join(directory, 'prometheus.log'),
    });
    try {
      await waitFor(
        async () => {
          if (managed.hasExited) throw new Error('prometheus exited');
          const response = await fetch(`http://127.0.0.1:${port}/-/ready`);
          return response.status === 200;
        },
        { timeoutMs: 30_000, what: 'Prometheus to be ready' },
      );
    } catch (error) {
      await managed.stop('SIGKILL');
      throw new Error(`${(error as Error).message}\n${managed.logTail()}`, { cause: error });
    }
    return new PrometheusProcess(managed, port);
  }

  /** An instant PromQL query over the HTTP API. */
  async query(promql: string): Promise<PrometheusSample[]> {
    const response = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success' || body.data === undefined) throw new Error(`query ${promql} failed: ${body.error ?? response.status}`);
    return body.data.result.map((sample) => ({ metric: sample.metric, value: Number(sample.value[1]) }));
  }

  /** Every metric name Prometheus holds. */
  async metricNames(): Promise<string[]> {
    const response = await fetch(`${this.url}/api/v1/label/__name__/values`);
    const body = (await response.json()) as { status: string; data: string[] };
    if (body.status !== 'success') throw new Error('listing metric names failed');
    return body.data;
  }

  /** Exemplars stored for a series selector over the last `seconds`. */
  async exemplars(selector: string, seconds = 600): Promise<{ labels: Record<string, string> }[]> {
    const end = Date.now() / 1000;
    const parameters = new URLSearchParams({ query: selector, start: String(end - seconds), end: String(end) });
    const response = await fetch(`${this.url}/api/v1/query_exemplars?${parameters.toString()}`);
    const body = (await response.json()) as { status: string; data: { exemplars: { labels: Record<string, string> }[] }[] };
    if (body.status !== 'success') throw new Error(`exemplar query ${selector} failed`);
    return body.data.flatMap((series) => series.exemplars);
  }

  async stop(): Promise<void> {
    await this.process.stop('SIGTERM', 15_000);
  }
}
