import { describe, expect, it } from 'vitest';
import { KNOWN_LABELS, LOKI, METRICS, seriesNames } from '../../grafana/src/metrics.js';
import {
  dashboardFiles,
  datasourceExpressions,
  grafanaRuleExpressions,
  nodeTexts,
  parseErrors,
  prometheusRuleExpressions,
  readYaml,
  scanDashboard,
  type Expression,
  type Json,
} from './expressions.js';

const dashboards = dashboardFiles();
const scans = dashboards.map((file) => ({ file, scan: scanDashboard(file) }));
const allExpressions: Expression[] = [
  ...scans.flatMap(({ scan }) => scan.expressions),
  ...datasourceExpressions(),
  ...grafanaRuleExpressions(),
  ...prometheusRuleExpressions(),
];
const promql = allExpressions.filter((e) => e.language === 'promql');
const logql = allExpressions.filter((e) => e.language === 'logql');
const traceql = allExpressions.filter((e) => e.language === 'traceql');

describe('query expressions in the generated files', () => {
  it('finds expressions of all three languages', () => {
    expect(dashboards).toEqual(['audit-security.json', 'pipeline-health.json', 'run-explorer.json', 'swarm-overview.json']);
    expect(promql.length).toBeGreaterThan(50);
    expect(logql.length).toBeGreaterThan(8);
    expect(traceql.length).toBeGreaterThanOrEqual(1);
  });

  it.each(allExpressions.map((e) => [e.where, e] as const))('%s parses without error nodes', (_where, expression) => {
    expect(parseErrors(expression), expression.text).toEqual([]);
  });

  it('the parse check catches broken expressions', () => {
    expect(parseErrors({ language: 'promql', raw: '', text: 'sum by (job (rate(x[5m]))', where: 'broken' })).not.toEqual([]);
    expect(parseErrors({ language: 'logql', raw: '', text: '{service_name=~"x" | trace_id="y"', where: 'broken' })).not.toEqual([]);
    expect(parseErrors({ language: 'traceql', raw: '', text: '{ span.a = }', where: 'broken' })).not.toEqual([]);
  });

  it('references only variables the dashboard defines (or Grafana built-ins)', () => {
    for (const { file, scan } of scans) expect(scan.unknownVariables, file).toEqual([]);
  });

  it('fetches the run explorer trace by the trace_id variable', () => {
    const runExplorer = scans.find(({ file }) => file === 'run-explorer.json')!.scan;
    expect(runExplorer.traceIdQueries).toEqual(['$trace_id']);
  });

  it('uses only metric names from the exported list', () => {
    const known = new Set(METRICS.flatMap(seriesNames));
    const used = new Set(promql.flatMap((e) => nodeTexts(e, ['Identifier'], 'VectorSelector')));
    expect([...used].filter((name) => !known.has(name))).toEqual([]);
    // and every listed metric is used somewhere
    const unused = METRICS.filter((metric) => !seriesNames(metric).some((name) => used.has(name))).map((m) => m.name);
    expect(unused).toEqual([]);
  });

  it('uses only known Prometheus label names', () => {
    const used = new Set(promql.flatMap((e) => nodeTexts(e, ['LabelName'])));
    expect([...used].filter((name) => !KNOWN_LABELS.has(name))).toEqual([]);
  });

  it('uses only the Loki labels and structured metadata the collector writes', () => {
    const known = new Set<string>(Object.values(LOKI));
    const used = new Set(logql.flatMap((e) => nodeTexts(e, ['Identifier'])));
    expect([...used].filter((name) => !known.has(name))).toEqual([]);
    expect(used).toContain('trace_id');
  });

  it('alert rules in Grafana and Prometheus use the same PromQL', () => {
    const grafana = readYaml('provisioning/alerting/rules.yaml').groups[0].rules;
    const prometheus = readYaml('prometheus/swarmtrail.rules.yml').groups[0].rules;
    expect(grafana.map((r: Json) => r.title)).toEqual(prometheus.map((r: Json) => r.alert));
    for (const [index, rule] of grafana.entries()) {
      const threshold = rule.data.find((d: Json) => d.refId === 'C').model.conditions[0].evaluator;
      const operator = { gt: '>', lt: '<' }[threshold.type as 'gt' | 'lt'];
      expect(prometheus[index].expr).toBe(`(${rule.data[0].model.expr}) ${operator} ${threshold.params[0]}`);
      expect(prometheus[index].for).toBe(rule.for);
      expect(prometheus[index].labels).toEqual(rule.labels);
    }
  });
});
