import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { alertRules } from '../../grafana/src/alerts.js';
import { DEFAULT_CONFIG } from '../../grafana/src/config.js';
import { estimatedCost, unpricedModels } from '../../grafana/src/promql.js';
import { GRAFANA_DIRECTORY } from './expressions.js';

const run = promisify(execFile);
const PROMTOOL = process.env['PROMTOOL'] ?? 'promtool';
const RULES = 'swarmtrail.rules.yml';
const TESTS = 'swarmtrail.rules.test.yml';

async function promtool(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd, timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failure.code !== 'number') throw error; // promtool missing or killed: fail loudly
    return { code: failure.code, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

describe('Prometheus rules (promtool)', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'swarmtrail-promtool-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('the rule file passes promtool check rules', async () => {
    const result = await promtool(['check', 'rules', RULES], join(GRAFANA_DIRECTORY, 'prometheus'));
    expect(result.output).toContain(`SUCCESS: ${alertRules(DEFAULT_CONFIG).length} rules found`);
    expect(result.code).toBe(0);
  });

  it('every rule has a case that must fire and one that must not', () => {
    for (const rule of alertRules(DEFAULT_CONFIG)) {
      expect(rule.tests.some((test) => test.firing.length > 0), rule.name).toBe(true);
      expect(rule.tests.some((test) => test.firing.length === 0), rule.name).toBe(true);
    }
  });

  it('the rule unit tests pass', async () => {
    const result = await promtool(['test', 'rules', TESTS], join(GRAFANA_DIRECTORY, 'prometheus'));
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('the unit tests fail when no rule can fire (every firing case is asserted)', async () => {
    const directory = join(work, 'never-fires');
    await cp(join(GRAFANA_DIRECTORY, 'prometheus'), directory, { recursive: true });
    const rules = parse(await readFile(join(directory, RULES), 'utf8'));
    for (const rule of rules.groups[0].rules) rule.expr = 'vector(1) > 2';
    await writeFile(join(directory, RULES), stringify(rules));
    const result = await promtool(['test', 'rules', TESTS], directory);
    expect(result.code).not.toBe(0);
    for (const rule of alertRules(DEFAULT_CONFIG)) {
      for (const test of rule.tests.filter((t) => t.firing.length > 0)) {
        expect(result.output).toContain(`name: ${rule.name}: ${test.name},`);
      }
    }
  });

  it('the unit tests fail when thresholds are dropped (every must-not-fire case is asserted)', async () => {
    const directory = join(work, 'always-fires');
    await cp(join(GRAFANA_DIRECTORY, 'prometheus'), directory, { recursive: true });
    const rules = parse(await readFile(join(directory, RULES), 'utf8'));
    const definitions = alertRules(DEFAULT_CONFIG);
    // Fire on any series of any metric the rule reads, whatever its value.
    for (const [index, rule] of rules.groups[0].rules.entries()) {
      const metrics = [...new Set(definitions[index].tests.flatMap((t) => t.series.map((s) => s.series.split('{')[0])))];
      rule.expr = metrics.map((metric) => `${metric} >= -1`).join(' or ');
      rule.for = '0s';
    }
    await writeFile(join(directory, RULES), stringify(rules));
    const result = await promtool(['test', 'rules', TESTS], directory);
    expect(result.code).not.toBe(0);
    for (const rule of definitions) {
      for (const test of rule.tests.filter((t) => t.firing.length === 0)) {
        expect(result.output).toContain(`name: ${rule.name}: ${test.name},`);
      }
    }
  });

  it('the estimated-cost query turns token counts into dollars with the price table', async () => {
    const directory = join(work, 'cost');
    await cp(join(GRAFANA_DIRECTORY, 'prometheus'), directory, { recursive: true });
    const price = (model: string) => DEFAULT_CONFIG.prices.find((p) => p.model === model)!;
    // Tokens per minute for one hour; increase() over [1h] sees exactly 60 times as many.
    const usage = [
      { model: 'gpt-4o', input: 1_000_000, output: 100_000 },
      { model: 'claude-sonnet-4', input: 500_000, output: 50_000 },
      { model: 'my-local-model', input: 1_000, output: 0 },
    ];
    const series = usage.flatMap(({ model, input, output }) => [
      { series: `gen_ai_client_token_usage_sum{job="swarm", gen_ai_request_model="${model}", gen_ai_token_type="input"}`, values: `0+${input}x60` },
      { series: `gen_ai_client_token_usage_sum{job="swarm", gen_ai_request_model="${model}", gen_ai_token_type="output"}`, values: `0+${output}x60` },
    ]);
    const dollars = (model: string, input: number, output: number) =>
      (60 * input * price(model).inputPerMillionTokens + 60 * output * price(model).outputPerMillionTokens) / 1e6;
    const tests = {
      rule_files: [],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: series,
          promql_expr_test: [
            {
              expr: estimatedCost(DEFAULT_CONFIG.prices, 'job=~".+"', '1h'),
              eval_time: '60m',
              exp_samples: usage.slice(0, 2).map(({ model, input, output }) => ({
                labels: `{gen_ai_request_model="${model}"}`,
                value: dollars(model, input, output),
              })),
            },
            {
              expr: `sum by (gen_ai_request_model) (increase(gen_ai_client_token_usage_sum{gen_ai_request_model!~"${unpricedModels(DEFAULT_CONFIG.prices)}"}[1h]))`,
              eval_time: '60m',
              exp_samples: [{ labels: '{gen_ai_request_model="my-local-model"}', value: 60_000 }],
            },
          ],
        },
      ],
    };
    expect(dollars('gpt-4o', 1_000_000, 100_000)).toBe(210);
    await writeFile(join(directory, 'cost.test.yml'), stringify(tests));
    const result = await promtool(['test', 'rules', 'cost.test.yml'], directory);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });
});
