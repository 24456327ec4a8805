/**
 * docker-compose.yml cannot be started here (no container engine), so this checks what can be
 * checked without one: it parses, every file it mounts exists, every image is pinned, the
 * collector image matches our collector build, and only localhost ports are published.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface ComposeService {
  image?: string;
  command?: string[];
  volumes?: (string | { type: string; source: string; target: string })[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as ComposeFile;
const services = Object.entries(compose.services);

function mounts(service: ComposeService): { source: string; target: string }[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') return { source: volume.source, target: volume.target };
    const [source = '', target = ''] = volume.split(':');
    return { source, target };
  });
}

describe('docker-compose.yml', () => {
  it('defines the collector, Loki, Tempo, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['otelcol', 'loki', 'tempo', 'prometheus', 'grafana']));
  });

  it('pins every image to an exact version', () => {
    for (const [name, service] of services) {
      expect(service.image, name).toMatch(/^[\w./-]+:(?:v?\d+\.\d+\.\d+)$/);
    }
  });

  it('runs the contrib collector at the version of collector/builder-config.yaml', () => {
    const manifest = parse(readFileSync(join(ROOT, 'collector', 'builder-config.yaml'), 'utf8')) as { receivers: { gomod: string }[] };
    const version = manifest.receivers[0].gomod.split(' v')[1];
    expect(compose.services['otelcol']?.image).toBe(`otel/opentelemetry-collector-contrib:${version}`);
    expect(compose.services['otelcol']?.command).toEqual(['--config=/etc/swarmtrail/collector/config.yaml']);
  });

  it('mounts only files and directories that exist in the repository', () => {
    const binds = services.flatMap(([, service]) => mounts(service)).filter((mount) => mount.source.startsWith('.'));
    expect(binds.map((mount) => mount.source)).toEqual(
      expect.arrayContaining(['./collector', './collector/stack/loki.yaml', './collector/stack/tempo.yaml', './collector/stack/prometheus.yml', './grafana/provisioning', './grafana/dashboards']),
    );
    for (const mount of binds) expect(existsSync(join(ROOT, mount.source)), mount.source).toBe(true);
  });

  it('mounts Grafana provisioning and dashboards where Grafana reads them', () => {
    const grafana = mounts(compose.services['grafana']);
    expect(grafana).toContainEqual({ source: './grafana/provisioning', target: '/etc/grafana/provisioning' });
    expect(grafana).toContainEqual({ source: './grafana/dashboards', target: '/var/lib/grafana/dashboards' });
  });

  it('declares every named volume it uses', () => {
    const named = services.flatMap(([, service]) => mounts(service)).filter((mount) => !mount.source.startsWith('.') && !mount.source.startsWith('/'));
    for (const mount of named) expect(Object.keys(compose.volumes), mount.source).toContain(mount.source);
  });

  it('health-checks every long-running service whose image can run a check', () => {
    // The collector image is distroless (no shell or HTTP client); init containers exit.
    const exempt = new Set(['otelcol', 'otelcol-storage-init', 'tempo-init']);
    for (const [name, service] of services) {
      if (!exempt.has(name)) expect(service.healthcheck?.test, name).toBeDefined();
    }
  });

  it('publishes only Grafana and the OTLP ports, on 127.0.0.1', () => {
    const published = services.flatMap(([, service]) => service.ports ?? []);
    expect(published.sort()).toEqual(['127.0.0.1:3000:3000', '127.0.0.1:4317:4317', '127.0.0.1:4318:4318']);
  });

  it('gives Grafana the alert webhook variable its contact point reads, with a default', () => {
    const contactPoints = readFileSync(join(ROOT, 'grafana', 'provisioning', 'alerting', 'contact-points.yaml'), 'utf8');
    const environment = (compose.services['grafana'] as { environment?: Record<string, string> }).environment ?? {};
    const names = [...contactPoints.matchAll(/\$\{(SWARMTRAIL_[A-Z_]+)\}/g)].map((match) => match[1] ?? '');
    expect(names).toContain('SWARMTRAIL_ALERT_WEBHOOK_URL');
    for (const name of names) expect(environment[name], name).toMatch(new RegExp(`^\\$\\{${name}:-.+\\}$`));
  });

  it('starts Prometheus with the remote-write receiver and exemplar storage', () => {
    expect(compose.services['prometheus']?.command).toEqual(expect.arrayContaining(['--web.enable-remote-write-receiver', '--enable-feature=exemplar-storage']));
  });
});
