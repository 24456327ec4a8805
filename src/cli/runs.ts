/** `swarmtrail runs`: recent runs with their totals. */
import type { RunSummary } from '../journal/JournalIndex.js';
import { EXIT_OK, UsageError, mergeTraces, parseCount, parseRange, runsOf, type CommandContext } from './context.js';
import { formatCount, formatDuration, isoTime, shortTime, statusText, table, type Palette } from './format.js';
import type { CliCommand, ParsedArguments } from './main.js';

/** The JSON shape of a run (`--json`). */
export function runToJson(run: RunSummary): Record<string, unknown> {
  return {
    runId: run.runId,
    workflow: run.workflow,
    service: run.service,
    start: isoTime(run.startMs),
    end: run.status === 'running' ? undefined : isoTime(run.endMs),
    durationMs: Math.round(run.durationMs * 1000) / 1000,
    status: run.status,
    agents: run.agents,
    agentCalls: run.agentCalls,
    toolCalls: run.toolCalls,
    llmCalls: run.llmCalls,
    errors: run.errors,
    inputTokens: run.inputTokens,
    outputTokens: run.outputTokens,
    source: run.source,
  };
}

export function runRow(run: RunSummary, palette: Palette): string[] {
  return [
    palette.cyan(run.runId.slice(0, 16)),
    run.workflow ?? '-',
    shortTime(run.startMs),
    run.status === 'running' ? `${formatDuration(run.durationMs)}+` : formatDuration(run.durationMs),
    statusText(run.status, palette),
    String(run.agents.length),
    String(run.toolCalls),
    String(run.llmCalls),
    run.errors > 0 ? palette.red(String(run.errors)) : '0',
    formatCount(run.inputTokens + run.outputTokens),
  ];
}

export const RUN_COLUMNS = [
  { header: 'RUN' },
  { header: 'WORKFLOW' },
  { header: 'STARTED (UTC)' },
  { header: 'DURATION', right: true },
  { header: 'STATUS' },
  { header: 'AGENTS', right: true },
  { header: 'TOOLS', right: true },
  { header: 'LLM', right: true },
  { header: 'ERRORS', right: true },
  { header: 'TOKENS', right: true },
] as const;

/** The values of `--status`: what {@link RunSummary.status} can be. */
export const RUN_STATUSES: readonly RunSummary['status'][] = ['ok', 'error', 'running'];

async function run(context: CommandContext, args: ParsedArguments): Promise<number> {
  const values = args.values as Record<string, string | undefined>;
  const limit = parseCount(values.limit, 'limit', 20);
  if (values.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(values.status)) {
    throw new UsageError(`--status ${values.status}: expected one of ${RUN_STATUSES.join(', ')}`);
  }
  const range = parseRange(values, context.now());
  const journal = await context.open(['traces', 'logs']);
  let runs = runsOf(mergeTraces(journal.summaries)).filter(
    (candidate) => candidate.startMs >= range.since && candidate.startMs <= range.until,
  );
  if (values.workflow !== undefined) runs = runs.filter((candidate) => candidate.workflow === values.workflow);
  if (values.status !== undefined) runs = runs.filter((candidate) => candidate.status === values.status);
  const total = runs.length;
  if (limit > 0) runs = runs.slice(0, limit);
  if (context.options.json) {
    await context.json(runs.map(runToJson));
    return EXIT_OK;
  }
  if (runs.length === 0) {
    await context.out(`no runs in ${journal.location}\n`);
    return EXIT_OK;
  }
  await context.out(table(RUN_COLUMNS, runs.map((r) => runRow(r, context.palette)), context.palette));
  if (total > runs.length) {
    await context.out(context.palette.dim(`(${runs.length} of ${total} runs; --limit 0 shows all)\n`));
  }
  return EXIT_OK;
}

export const runsCommand: CliCommand = {
  name: 'runs',
  summary: 'recent runs: id, workflow, start, duration, status, agents, tool calls, errors, tokens',
  usage: 'runs [--limit N] [--since T] [--until T] [--workflow NAME] [--status ok|error|running]',
  help: `Options:
      --limit <n>        show the newest n runs (default 20; 0 = all)
      --since <time>     runs started at or after: ISO date-time or a duration ago (1h, 7d)
      --until <time>     runs started at or before
      --workflow <name>  only runs of this workflow
      --status <status>  only runs that are ok, error or running

Examples:
  swarmtrail runs
  swarmtrail runs --since 24h --status error
  swarmtrail runs --json --limit 0 | jq '.[].runId'`,
  options: {
    limit: { type: 'string', short: 'n' },
    since: { type: 'string' },
    until: { type: 'string' },
    workflow: { type: 'string' },
    status: { type: 'string' },
  },
  run,
};
