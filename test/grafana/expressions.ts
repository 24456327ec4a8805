/**
 * Reads the committed provisioning files and pulls out every query expression in them, with
 * Grafana variables substituted, so the tests check exactly what Grafana will load.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Tree } from '@lezer/common';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as traceqlParser } from '@grafana/lezer-traceql';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';

/** Parsed JSON or YAML of a generated file: its shape is what the tests assert. */
export type Json = ReturnType<typeof JSON.parse>;

export const GRAFANA_DIRECTORY = join(import.meta.dirname, '..', '..', 'grafana');

export type Language = 'promql' | 'logql' | 'traceql';

export interface Expression {
  readonly language: Language;
  /** As written in the file. */
  readonly raw: string;
  /** With variables replaced by sample values. */
  readonly text: string;
  /** Where it comes from, for failure messages. */
  readonly where: string;
}

/** Sample values of Grafana's built-in variables. */
const BUILTIN_SAMPLES: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '1m',
  __range: '1h',
  __auto: '1m',
};

export function readYaml(path: string): Json {
  return parseYaml(readFileSync(join(GRAFANA_DIRECTORY, path), 'utf8'));
}

export function dashboardFiles(): string[] {
  return readdirSync(join(GRAFANA_DIRECTORY, 'dashboards')).filter((name) => name.endsWith('.json')).sort();
}

export function readDashboard(file: string): Json {
  return JSON.parse(readFileSync(join(GRAFANA_DIRECTORY, 'dashboards', file), 'utf8'));
}

const VARIABLE = /\$\{([A-Za-z0-9_.]+)(?::[A-Za-z]+)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]/g;

/** Replace Grafana variables with sample values; unknown variables are reported. */
export function substitute(text: string, samples: Record<string, string>, unknown: string[]): string {
  return text.replace(VARIABLE, (match, braced?: string, bare?: string, bracketed?: string) => {
    const name = braced ?? bare ?? bracketed ?? '';
    const value = samples[name] ?? BUILTIN_SAMPLES[name];
    if (value === undefined) {
      unknown.push(match);
      return match;
    }
    return value;
  });
}

/** Grafana's Prometheus variable query functions, reduced to the PromQL inside them. */
function variableQueryToPromql(query: string): string {
  const labelValues = /^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/s.exec(query.trim());
  if (labelValues) return labelValues[1];
  const queryResult = /^query_result\((.*)\)$/s.exec(query.trim());
  if (queryResult) return queryResult[1];
  throw new Error(`unsupported variable query: ${query}`);
}

export interface DashboardScan {
  readonly expressions: Expression[];
  readonly datasourceUids: Set<string>;
  readonly unknownVariables: string[];
  /** Tempo targets that fetch one trace by id: their query must be a single variable. */
  readonly traceIdQueries: string[];
}

function sampleValues(dashboard: Json): Record<string, string> {
  const samples: Record<string, string> = {};
  for (const variable of dashboard.templating?.list ?? []) {
    samples[variable.name] = variable.name === 'trace_id' ? '4bf92f3577b34da6a3ce929d0e0e4736' : 'sample';
  }
  return samples;
}

export function scanDashboard(file: string): DashboardScan {
  const dashboard = readDashboard(file);
  const samples = sampleValues(dashboard);
  const scan: DashboardScan = { expressions: [], datasourceUids: new Set(), unknownVariables: [], traceIdQueries: [] };
  const add = (language: Language, raw: string, where: string) =>
    scan.expressions.push({ language, raw, where, text: substitute(raw, samples, scan.unknownVariables) });

  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.datasource) scan.datasourceUids.add(variable.datasource.uid);
    if (variable.type === 'query') {
      const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
      add('promql', variableQueryToPromql(query), `${file} variable ${variable.name}`);
    }
  }
  for (const panel of dashboard.panels ?? []) {
    if (panel.datasource) scan.datasourceUids.add(panel.datasource.uid);
    for (const target of panel.targets ?? []) {
      const datasource = target.datasource ?? panel.datasource;
      scan.datasourceUids.add(datasource.uid);
      const where = `${file} panel "${panel.title}" ${target.refId}`;
      if (datasource.type === 'prometheus') add('promql', target.expr, where);
      else if (datasource.type === 'loki') add('logql', target.expr, where);
      else if (datasource.type === 'tempo') {
        if (/^\$\{?[A-Za-z_]+\}?$/.test(target.query)) {
          scan.traceIdQueries.push(target.query);
          substitute(target.query, samples, scan.unknownVariables);
        } else add('traceql', target.query, where);
      } else throw new Error(`${where}: unexpected datasource type ${datasource.type}`);
    }
  }
  return scan;
}

/** Undo Grafana's provisioning escape (`$$` is a literal `$`). */
export function unescapeProvisioning(value: string): string {
  return value.replaceAll('$$', '$');
}

export function datasourceExpressions(): Expression[] {
  const file = readYaml('provisioning/datasources/swarmtrail.yaml');
  const tempo = file.datasources.find((ds: Json) => ds.type === 'tempo');
  const unknown: string[] = [];
  const expressions: Expression[] = [];
  const logs = unescapeProvisioning(tempo.jsonData.tracesToLogsV2.query);
  expressions.push({
    language: 'logql',
    raw: logs,
    where: 'Tempo tracesToLogsV2 query',
    text: substitute(logs, { __tags: 'service_name="swarm"', '__trace.traceId': '4bf92f3577b34da6a3ce929d0e0e4736' }, unknown),
  });
  for (const query of tempo.jsonData.tracesToMetrics.queries) {
    const raw = unescapeProvisioning(query.query);
    expressions.push({ language: 'promql', raw, where: `Tempo tracesToMetrics "${query.name}"`, text: substitute(raw, { __tags: 'job="swarm"' }, unknown) });
  }
  if (unknown.length > 0) throw new Error(`unknown variables in datasource links: ${unknown.join(', ')}`);
  return expressions;
}

export function grafanaRuleExpressions(): Expression[] {
  const file = readYaml('provisioning/alerting/rules.yaml');
  return file.groups.flatMap((group: Json) =>
    group.rules.flatMap((rule: Json) =>
      rule.data
        .filter((query: Json) => query.datasourceUid !== '__expr__')
        .map((query: Json) => ({ language: 'promql' as const, raw: query.model.expr, text: query.model.expr, where: `alert rule ${rule.uid}` })),
    ),
  );
}

export function prometheusRuleExpressions(): Expression[] {
  const file = readYaml('prometheus/swarmtrail.rules.yml');
  return file.groups.flatMap((group: Json) =>
    group.rules.map((rule: Json) => ({ language: 'promql' as const, raw: rule.expr, text: rule.expr, where: `Prometheus rule ${rule.alert}` })),
  );
}

const PARSERS = { promql: promqlParser, logql: logqlParser, traceql: traceqlParser } as const;

export function parse(expression: Expression): Tree {
  return PARSERS[expression.language].parse(expression.text);
}

/** Positions of error nodes in the parse tree, with a little context. */
export function parseErrors(expression: Expression): string[] {
  const errors: string[] = [];
  parse(expression).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: …${expression.text.slice(Math.max(0, node.from - 20), node.from + 20)}…`);
    },
  });
  return errors;
}

/** Text of every node with one of the given names. */
export function nodeTexts(expression: Expression, names: readonly string[], parentName?: string): string[] {
  const texts: string[] = [];
  parse(expression).iterate({
    enter(node) {
      if (names.includes(node.name) && (parentName === undefined || node.node.parent?.name === parentName)) {
        texts.push(expression.text.slice(node.from, node.to));
      }
    },
  });
  return texts;
}
