import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS, seriesNames, type MetricName } from '../../grafana/src/metrics.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface SemconvMetric {
  readonly constant: string;
  readonly otelName: string;
  readonly type: MetricName['type'];
  readonly unit: string;
}

/** Reads the metric constants of src/semconv.ts with the instrument and unit from their doc comments. */
function semconvMetrics(): SemconvMetric[] {
  const source = readFileSync(join(ROOT, 'src', 'semconv.ts'), 'utf8');
  const pattern = /\/\*\*((?:(?!\*\/)[^])*)\*\/\s*export const (METRIC_[A-Z0-9_]+) = '([^']+)';/g;
  return [...source.matchAll(pattern)].map(([, doc = '', constant = '', otelName = '']) => {
    const unit = /unit `([^`]+)`/.exec(doc)?.[1];
    if (unit === undefined) throw new Error(`${constant}: no unit in its doc comment`);
    const kind = /^\s*\*?\s*(Histogram|Counter|UpDownCounter-like gauge|Gauge)/.exec(doc)?.[1];
    if (kind === undefined) throw new Error(`${constant}: no instrument kind in its doc comment`);
    const type = kind === 'Histogram' ? 'histogram' : kind === 'Counter' ? 'counter' : 'gauge';
    return { constant, otelName, type, unit };
  });
}

/** The OTLP-to-Prometheus naming rules of the brief (and of the collector's translator). */
function prometheusName(metric: SemconvMetric): string {
  const base = metric.otelName.replace(/[^a-zA-Z0-9_]/g, '_');
  const unitSuffix: Record<string, string> = { s: '_seconds', By: '_bytes', ms: '_milliseconds' };
  const suffix = metric.unit.startsWith('{') ? '' : unitSuffix[metric.unit];
  if (suffix === undefined) throw new Error(`${metric.constant}: no Prometheus suffix known for unit ${metric.unit}`);
  return `${base}${suffix}${metric.type === 'counter' ? '_total' : ''}`;
}

describe('metric names used by the dashboards and rules', () => {
  const semconv = semconvMetrics();

  it('reads every metric of src/semconv.ts', () => {
    expect(semconv.length).toBeGreaterThanOrEqual(14);
    expect(prometheusName(semconv.find((m) => m.otelName === 'swarmtrail.tool.duration')!)).toBe('swarmtrail_tool_duration_seconds');
    expect(prometheusName(semconv.find((m) => m.otelName === 'swarmtrail.audit.events')!)).toBe('swarmtrail_audit_events_total');
    expect(prometheusName(semconv.find((m) => m.otelName === 'gen_ai.client.token.usage')!)).toBe('gen_ai_client_token_usage');
  });

  it('every SDK metric we use is a semconv metric under its Prometheus name and type', () => {
    const derived = new Map(semconv.map((metric) => [prometheusName(metric), metric.type]));
    const sdkMetrics = METRICS.filter((metric) => metric.source === 'sdk');
    expect(sdkMetrics.length).toBeGreaterThan(0);
    for (const metric of sdkMetrics) {
      expect(derived.get(metric.name), `${metric.name} is not derived from src/semconv.ts`).toBe(metric.type);
    }
  });

  it('collector metrics follow the otelcol_ naming of the collector documentation', () => {
    for (const metric of METRICS.filter((m) => m.source === 'collector')) {
      expect(metric.name).toMatch(/^otelcol_(receiver|exporter|processor)_[a-z_]+$/);
      expect(metric.name.endsWith('_total')).toBe(metric.type === 'counter');
      expect(metric.verifiedBy).not.toBe('semconv');
    }
  });

  it('names the stack test observed in the real Prometheus include every name marked "stack"', () => {
    const file = join(ROOT, 'test', 'stack', 'observed-metrics.json');
    const stackMarked = METRICS.filter((metric) => metric.verifiedBy === 'stack');
    expect(stackMarked.length).toBeGreaterThan(5);
    if (!existsSync(file)) return; // the stack test has not run on this machine: semconv/docs checks above only
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const names = new Set<string>(Array.isArray(parsed) ? parsed : (parsed as { names: string[] }).names);
    const missing = stackMarked.flatMap(seriesNames).filter((name) => !names.has(name));
    expect(missing).toEqual([]);
    // A name we think is absent from a healthy stack but that was observed should be marked "stack".
    const observedButUnmarked = METRICS.filter((m) => m.verifiedBy !== 'stack' && seriesNames(m).every((n) => names.has(n)));
    expect(observedButUnmarked.map((m) => m.name)).toEqual([]);
  });
});
