/** `swarmtrail stats`: totals, error rates, event counts, duration percentiles, tokens by model. */
import {
  addOperationTotals,
  mergeEvents,
  mergeOperations,
  operationsFromAuditEvents,
  type AuditEvent,
  sketchQuantile,
  type OperationStats,
  type OperationTotals,
} from '../journal/JournalIndex.js';
import { JournalReader } from '../journal/JournalReader.js';
import { EXIT_OK, mergeTraces, runsOf, type CommandContext } from './context.js';
import { loadTrace } from './show.js';
import { formatCount, formatDuration, isoTime, percent, table } from './format.js';
import type { CliCommand, ParsedArguments } from './main.js';

const DAY_MS = 86_400_000;

function percentiles(stats: OperationStats): Record<string, number | undefined> {
  const ms = (q: number): number | undefined => {
    const seconds = sketchQuantile(stats.sketch, q);
    return seconds === undefined ? undefined : Math.round(Math.min(seconds, stats.maxSeconds) * 1e6) / 1e3;
  };
  return { p50Ms: ms(0.5), p95Ms: ms(0.95), p99Ms: ms(0.99), maxMs: Math.round(stats.maxSeconds * 1e6) / 1e3 };
}

function operationRows(byName: Record<string, OperationStats>): Array<Record<string, unknown>> {
  return Object.entries(byName)
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .map(([name, stats]) => ({
      name,
      count: stats.count,
      errors: stats.errors,
      errorRate: stats.count === 0 ? 0 : stats.errors / stats.count,
      meanMs: stats.count === 0 ? 0 : Math.round((stats.totalSeconds / stats.count) * 1e6) / 1e3,
      ...percentiles(stats),
    }));
}

async function run(context: CommandContext, _args: ParsedArguments): Promise<number> {
  const journal = await context.open(['traces', 'logs']);
  const now = context.now();
  const traces = mergeTraces(journal.summaries);
  const runs = runsOf(traces);
  const traceSummaries = journal.summaries.filter((summary) => summary.signal === 'traces');
  const logSummaries = journal.summaries.filter((summary) => summary.signal === 'logs');
  // Per trace, operations count from its spans when the journal has them, else from its span-end
  // audit records: never both, so nothing is counted twice.
  const fromSpans = mergeOperations(traceSummaries);
  let operations: OperationTotals;
  let source: 'spans' | 'audit' | 'spans+audit';
  if (fromSpans.operations === 0) {
    operations = mergeOperations(logSummaries);
    source = 'audit';
  } else {
    const auditOnly = [...traces].filter(([, trace]) => (trace.spans?.records ?? 0) === 0 && trace.audit !== undefined);
    source = 'spans';
    operations = fromSpans;
    if (auditOnly.length > 0) {
      // Mixed journal (e.g. trace segments pruned earlier than log segments): read those traces' records.
      const reader = new JournalReader(journal.location, { onSkippedLine: context.onSkippedLine });
      const events: AuditEvent[] = [];
      for (const [traceId] of auditOnly) events.push(...(await loadTrace(journal, traceId, reader)).events);
      operations = addOperationTotals([fromSpans, operationsFromAuditEvents(events)]);
      source = 'spans+audit';
    }
  }
  const events = mergeEvents(logSummaries);
  const firstMinute = Math.floor((now - DAY_MS) / 60_000);
  let last24h = 0;
  for (const [minute, count] of Object.entries(events.perMinute)) if (Number(minute) >= firstMinute) last24h += count;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let records = 0;
  for (const summary of journal.summaries) {
    records += summary.records;
    if (summary.records > 0) {
      first = Math.min(first, summary.minMs);
      last = Math.max(last, summary.maxMs);
    }
  }
  const failedRuns = runs.filter((r) => r.status === 'error').length;
  const finishedRuns = runs.filter((r) => r.status !== 'running').length;
  const result = {
    journal: journal.location,
    segments: journal.segments.length,
    records,
    firstRecord: Number.isFinite(first) ? isoTime(first) : undefined,
    lastRecord: Number.isFinite(last) ? isoTime(last) : undefined,
    runs: {
      total: runs.length,
      ok: runs.filter((r) => r.status === 'ok').length,
      error: failedRuns,
      running: runs.length - finishedRuns,
      errorRate: finishedRuns === 0 ? 0 : failedRuns / finishedRuns,
    },
    operations: {
      source,
      total: operations.operations,
      errors: operations.errors,
      errorRate: operations.operations === 0 ? 0 : operations.errors / operations.operations,
      byKind: operations.byKind,
    },
    events: {
      total: events.total,
      last24Hours: last24h,
      byType: Object.fromEntries(Object.entries(events.types).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
      byOutcome: Object.fromEntries(Object.entries(events.outcomes).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    },
    tools: operationRows(operations.tools),
    agents: operationRows(operations.agents),
    workflows: operationRows(operations.workflows),
    models: Object.entries(operations.models)
      .sort((a, b) => b[1].calls - a[1].calls || a[0].localeCompare(b[0]))
      .map(([model, stats]) => ({ model, ...stats })),
  };
  if (context.options.json) {
    await context.json(result);
    return EXIT_OK;
  }
  const p = context.palette;
  const out: string[] = [];
  out.push(`${p.bold('Journal')}   ${result.journal}: ${result.segments} segments, ${formatCount(records)} records${result.firstRecord !== undefined ? `, ${result.firstRecord} .. ${result.lastRecord}` : ''}`);
  out.push(
    `${p.bold('Runs')}      ${formatCount(result.runs.total)} (ok ${result.runs.ok}, error ${p.red(String(failedRuns))}, running ${result.runs.running}); error rate ${percent(failedRuns, finishedRuns)}`,
  );
  out.push(
    `${p.bold('Operations')} ${formatCount(operations.operations)} from ${source === 'spans+audit' ? 'spans (audit records for runs without spans)' : source}; errors ${formatCount(operations.errors)} (${percent(operations.errors, operations.operations)})`,
  );
  out.push(`${p.bold('Events')}    ${formatCount(events.total)} audit events, ${formatCount(last24h)} in the last 24 hours`);
  const typeRows = Object.entries(result.events.byType).map(([type, count]) => [type, formatCount(count), percent(count, events.total)]);
  if (typeRows.length > 0) {
    out.push('', p.bold('Events by type'));
    out.push(table([{ header: 'TYPE' }, { header: 'COUNT', right: true }, { header: 'SHARE', right: true }], typeRows, p).trimEnd());
  }
  const durationTable = (title: string, rows: Array<Record<string, unknown>>): void => {
    if (rows.length === 0) return;
    const ms = (value: unknown): string => (typeof value === 'number' ? formatDuration(value) : '-');
    out.push('', p.bold(title));
    out.push(
      table(
        [
          { header: 'NAME' },
          { header: 'COUNT', right: true },
          { header: 'ERRORS', right: true },
          { header: 'P50', right: true },
          { header: 'P95', right: true },
          { header: 'P99', right: true },
          { header: 'MAX', right: true },
        ],
        rows.map((row) => [
          String(row.name),
          formatCount(row.count as number),
          (row.errors as number) > 0 ? p.red(formatCount(row.errors as number)) : '0',
          ms(row.p50Ms),
          ms(row.p95Ms),
          ms(row.p99Ms),
          ms(row.maxMs),
        ]),
        p,
      ).trimEnd(),
    );
  };
  durationTable('Tools (duration percentiles)', result.tools);
  durationTable('Agents (duration percentiles)', result.agents);
  if (result.models.length > 0) {
    out.push('', p.bold('Tokens by model'));
    out.push(
      table(
        [{ header: 'MODEL' }, { header: 'CALLS', right: true }, { header: 'INPUT', right: true }, { header: 'OUTPUT', right: true }],
        result.models.map((m) => [m.model, formatCount(m.calls), formatCount(m.inputTokens), formatCount(m.outputTokens)]),
        p,
      ).trimEnd(),
    );
  }
  await context.out(`${out.join('\n')}\n`);
  return EXIT_OK;
}

export const statsCommand: CliCommand = {
  name: 'stats',
  summary: 'totals, error rates, events in the last 24 hours, counts by type, percentiles, tokens by model',
  usage: 'stats',
  help: `Over the whole journal. Durations, errors and tokens come from spans when the journal has
spans, and for runs without spans from their span-end audit records (run.end, agent.end,
tool.end, llm.end); never both.
Percentiles are estimated from a log-bucketed histogram (within about 1%).

Examples:
  swarmtrail stats
  swarmtrail stats --json | jq '.tools[] | select(.p95Ms > 5000)'`,
  options: {},
  run,
};
