import type { Dashboard } from '@grafana/schema';
import type { GeneratorConfig } from '../config.js';
import {
  GEN_AI_CLIENT_OPERATION_DURATION,
  GEN_AI_CLIENT_TOKEN_USAGE,
  L,
  LOKI,
  SWARMTRAIL_AGENT_DURATION,
  SWARMTRAIL_TOOL_DURATION,
  SWARMTRAIL_WORKFLOW_DURATION,
  bucket,
  count,
  sum,
} from '../metrics.js';
import { datasourceRefs, lokiTargets, promTargets, stat, table, timeseries, bargauge } from '../panels.js';
import { estimatedCost, unpricedModels } from '../promql.js';
import { DASHBOARD_UIDS, JOB, LOKI_SERVICE, WORKFLOW, dashboard, jobVariable, workflowVariable } from './common.js';

export function overviewDashboard(config: GeneratorConfig): Dashboard {
  const ds = datasourceRefs(config);
  const runs = `${count(SWARMTRAIL_WORKFLOW_DURATION)}{${JOB}, ${WORKFLOW}}`;
  const tools = `${JOB}`;
  const quantiles = [0.5, 0.95, 0.99];
  const llmEnd = `{${LOKI_SERVICE}} | ${LOKI.eventType}="llm.end"`;

  return dashboard({
    uid: DASHBOARD_UIDS.overview,
    title: 'Swarmtrail / Swarm overview',
    description: 'Runs, agents, tools and LLM calls of your swarms: rates, outcomes, latency, tokens and estimated cost.',
    variables: [jobVariable(config), workflowVariable(config)],
    panels: [
      stat({ title: 'Runs', description: 'Runs finished in the selected time range.', width: 6, height: 4 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum(increase(${runs}[$__range]))`, instant: true }])),
      stat({ title: 'Failed runs', description: 'Runs that ended with outcome failure in the time range.', width: 6, height: 4 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum(increase(${count(SWARMTRAIL_WORKFLOW_DURATION)}{${JOB}, ${WORKFLOW}, ${L.outcome}="failure"}[$__range])) or vector(0)`, instant: true }]), 'short', { red: 1 }),
      stat({ title: 'Run success ratio', description: 'Share of runs in the time range that succeeded.', width: 6, height: 4 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum(increase(${count(SWARMTRAIL_WORKFLOW_DURATION)}{${JOB}, ${WORKFLOW}, ${L.outcome}="success"}[$__range])) / sum(increase(${runs}[$__range]))`, instant: true }]), 'percentunit'),
      stat({ title: 'Estimated LLM cost', description: 'Estimated spend in the time range from the price table in grafana/src/config.ts (see docs/grafana.md). Models missing from the table are not counted.', width: 6, height: 4 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum(${estimatedCost(config.prices, JOB, '$__range')})`, instant: true }]), 'currencyUSD'),

      timeseries({ title: 'Runs by outcome', description: 'Finished runs per interval, by audit.outcome.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.outcome}) (increase(${runs}[$__interval]))`, legend: `{{${L.outcome}}}` }]), { bars: true, stack: true, min: 0 }),
      timeseries({ title: 'Run duration percentiles', description: 'p50/p95/p99 of run (workflow) duration. Exemplars link to the trace.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, quantiles.map((q) => ({ expr: `histogram_quantile(${q}, sum by (le) (rate(${bucket(SWARMTRAIL_WORKFLOW_DURATION)}{${JOB}, ${WORKFLOW}}[$__rate_interval])))`, legend: `p${Math.round(q * 100)}` }))), { unit: 's' }),

      timeseries({ title: 'Agent calls by agent', description: 'Agent invocations per second, by gen_ai.agent.name.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.agent}) (rate(${count(SWARMTRAIL_AGENT_DURATION)}{${JOB}}[$__rate_interval]))`, legend: `{{${L.agent}}}` }]), { unit: 'reqps' }),
      timeseries({ title: 'Tool calls by tool', description: 'Tool executions per second, by gen_ai.tool.name.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.tool}) (rate(${count(SWARMTRAIL_TOOL_DURATION)}{${tools}}[$__rate_interval]))`, legend: `{{${L.tool}}}` }]), { unit: 'reqps' }),

      timeseries({ title: 'Tool error ratio by tool', description: `Failed tool calls / all tool calls. The alert fires above ${config.thresholds.toolErrorRatio * 100}% over 10 minutes.`, width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.tool}) (rate(${count(SWARMTRAIL_TOOL_DURATION)}{${tools}, ${L.outcome}="failure"}[$__rate_interval])) / sum by (${L.tool}) (rate(${count(SWARMTRAIL_TOOL_DURATION)}{${tools}}[$__rate_interval]))`, legend: `{{${L.tool}}}` }]), { unit: 'percentunit', min: 0 }),
      timeseries({ title: 'Tool latency p95 by tool', description: `95th percentile tool duration. The alert fires above ${config.thresholds.toolLatencyP95Seconds} s.`, width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `histogram_quantile(0.95, sum by (le, ${L.tool}) (rate(${bucket(SWARMTRAIL_TOOL_DURATION)}{${tools}}[$__rate_interval])))`, legend: `{{${L.tool}}}` }]), { unit: 's' }),

      timeseries({ title: 'LLM latency p95 by model', description: '95th percentile of gen_ai.client.operation.duration by request model.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `histogram_quantile(0.95, sum by (le, ${L.requestModel}) (rate(${bucket(GEN_AI_CLIENT_OPERATION_DURATION)}{${JOB}}[$__rate_interval])))`, legend: `{{${L.requestModel}}}` }]), { unit: 's' }),
      timeseries({ title: 'LLM error ratio by model', description: 'LLM calls that recorded an error.type / all LLM calls.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.requestModel}) (rate(${count(GEN_AI_CLIENT_OPERATION_DURATION)}{${JOB}, ${L.errorType}!=""}[$__rate_interval])) / sum by (${L.requestModel}) (rate(${count(GEN_AI_CLIENT_OPERATION_DURATION)}{${JOB}}[$__rate_interval]))`, legend: `{{${L.requestModel}}}` }]), { unit: 'percentunit', min: 0 }),

      timeseries({ title: 'Tokens by model and type', description: 'Tokens per interval from gen_ai.client.token.usage, by request model and token type.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.requestModel}, ${L.tokenType}) (increase(${sum(GEN_AI_CLIENT_TOKEN_USAGE)}{${JOB}}[$__interval]))`, legend: `{{${L.requestModel}}} {{${L.tokenType}}}` }]), { bars: true, stack: true, min: 0 }),
      timeseries({ title: 'Estimated cost by model', description: 'Estimated USD per interval from the documented price table (docs/grafana.md).', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: estimatedCost(config.prices, JOB, '$__interval'), legend: `{{${L.requestModel}}}` }]), { unit: 'currencyUSD', bars: true, stack: true, min: 0 }),

      timeseries({ title: 'LLM latency p95 by agent', description: 'From the llm.end audit records in Loki (audit.duration by gen_ai.agent.name): the GenAI metrics carry no agent attribute.', width: 12, height: 8 }, ds.loki,
        lokiTargets(ds.loki, [{ expr: `quantile_over_time(0.95, ${llmEnd} | unwrap ${LOKI.duration} [$__interval]) by (${LOKI.agent})`, legend: `{{${LOKI.agent}}}` }]), { unit: 's' }),
      timeseries({ title: 'Tokens by agent', description: 'Input + output tokens per interval from the llm.end audit records in Loki, by gen_ai.agent.name.', width: 12, height: 8 }, ds.loki,
        lokiTargets(ds.loki, [
          { expr: `sum by (${LOKI.agent}) (sum_over_time(${llmEnd} | unwrap ${LOKI.inputTokens} [$__interval]))`, legend: `{{${LOKI.agent}}} input` },
          { expr: `sum by (${LOKI.agent}) (sum_over_time(${llmEnd} | unwrap ${LOKI.outputTokens} [$__interval]))`, legend: `{{${LOKI.agent}}} output` },
        ]), { bars: true, stack: true, min: 0 }),

      bargauge({ title: 'Tokens in range by model', description: 'All tokens in the time range, by request model.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.requestModel}) (increase(${sum(GEN_AI_CLIENT_TOKEN_USAGE)}{${JOB}}[$__range]))`, legend: `{{${L.requestModel}}}`, instant: true }])),
      table({ title: 'Tokens without a price', description: 'Models used in the time range that the price table does not list: their cost is missing from the estimates. Add them to grafana/src/config.ts.', width: 12, height: 8 }, ds.prometheus,
        promTargets(ds.prometheus, [{ expr: `sum by (${L.requestModel}) (increase(${sum(GEN_AI_CLIENT_TOKEN_USAGE)}{${JOB}, ${L.requestModel}!~"${unpricedModels(config.prices)}"}[$__range]))`, instant: true, table: true }])),
    ],
  });
}
