/**
 * End to end with swarmtrail's own instrumentation: withRun/withAgent/withTool/withLLM and
 * audit.decision, the AuditSpanProcessor's span-end records, and the journal writer. The CLI must
 * tell the same story from the spans and, with the trace segments gone, from the audit log alone.
 */
import { unlink, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { context, logs, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, expect, test } from 'vitest';
import { audit } from '../../src/instrument/auditEvents.js';
import { resetInstrumentationCaches } from '../../src/instrument/caches.js';
import { withAgent } from '../../src/instrument/withAgent.js';
import { withLLM } from '../../src/instrument/withLLM.js';
import { withRun } from '../../src/instrument/withRun.js';
import { withTool } from '../../src/instrument/withTool.js';
import { Journal } from '../../src/journal/Journal.js';
import { AuditSpanProcessor } from '../../src/processors/AuditSpanProcessor.js';
import { cli, temporaryDirectory } from './fixtures.js';

afterAll(() => {
  trace.disable();
  logs.disable();
  context.disable();
  resetInstrumentationCaches();
});

test('a run made with the swarmtrail API reads back through the CLI, from spans and from the audit log alone', async () => {
  await using dir = await temporaryDirectory();
  const journal = new Journal({ directory: dir.path, durability: 'none' });
  const resource = resourceFromAttributes({ 'service.name': 'instrumented-test' });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [{ onEmit: (record) => journal.appendLogRecord(record), forceFlush: () => journal.flush(), shutdown: () => Promise.resolve() }],
  });
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [
      new AuditSpanProcessor({ logger: loggerProvider.getLogger('swarmtrail') }),
      { onStart: () => undefined, onEnd: (span) => journal.appendSpan(span), forceFlush: () => journal.flush(), shutdown: () => Promise.resolve() },
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  logs.setGlobalLoggerProvider(loggerProvider);
  resetInstrumentationCaches();

  const runId = await withRun('research', async ({ runId }) => {
    await withAgent('planner', async () => {
      await withLLM({ model: 'gpt-test', provider: 'openai' }, async (llm) => {
        llm.recordResponse({ usage: { inputTokens: 12, outputTokens: 5 } });
      });
      await withTool('search', async () => 'found');
      audit.decision({ summary: 'use the search results', reasoning: 'they are recent' });
    });
    await withAgent('writer', async () => {
      await withTool('fetch', async () => {
        throw new Error('unreachable host');
      }).catch(() => undefined);
    });
    return runId;
  });
  await tracerProvider.forceFlush();
  await loggerProvider.forceFlush();
  await journal.shutdown();

  const fromSpans = JSON.parse((await cli(['runs', '--json', '--dir', dir.path])).stdout);
  expect(fromSpans).toHaveLength(1);
  expect(fromSpans[0]).toMatchObject({
    runId,
    workflow: 'research',
    service: 'instrumented-test',
    status: 'ok',
    agents: ['planner', 'writer'],
    agentCalls: 2,
    toolCalls: 2,
    llmCalls: 1,
    errors: 1,
    inputTokens: 12,
    outputTokens: 5,
    source: 'spans',
  });
  const shown = JSON.parse((await cli(['show', runId.slice(0, 8), '--json', '--dir', dir.path])).stdout);
  const planner = shown.spans[0].children[0];
  expect(planner.name).toBe('invoke_agent planner');
  expect(planner.children.map((c: { name: string }) => c.name)).toEqual(['chat gpt-test', 'execute_tool search']);
  expect(planner.events.map((e: { type: string }) => e.type)).toEqual(['agent.start', 'decision']);
  const writer = shown.spans[0].children[1];
  expect(writer.children[0]).toMatchObject({ name: 'execute_tool fetch', status: 'error' });
  const failures = JSON.parse((await cli(['events', '--json', '--outcome', 'failure', '--dir', dir.path])).stdout);
  expect(failures.map((e: { type: string; tool: string; agent: string }) => [e.type, e.tool, e.agent])).toEqual([['tool.end', 'fetch', 'writer']]);

  // The audit log alone tells the same story.
  for (const name of await readdir(dir.path)) if (name.startsWith('traces-')) await unlink(join(dir.path, name));
  const fromAudit = JSON.parse((await cli(['runs', '--json', '--dir', dir.path])).stdout);
  const { source: _s1, durationMs: _d1, start: _a1, end: _b1, ...spanView } = fromSpans[0];
  const { source, durationMs, start: _a2, end: _b2, ...auditView } = fromAudit[0];
  expect(source).toBe('audit');
  expect(auditView).toEqual(spanView);
  expect(Math.abs(durationMs - fromSpans[0].durationMs)).toBeLessThan(1);
  const auditShow = await cli(['show', runId, '--dir', dir.path]);
  expect(auditShow.code).toBe(0);
  expect(auditShow.stdout).toContain('execute_tool fetch');
  expect(auditShow.stdout).toContain('decision');
  expect(auditShow.stdout).toContain('rebuilt from its audit records');
  // The same tree as from the spans: each record names its span's parent.
  const rebuilt = JSON.parse((await cli(['show', runId.slice(0, 8), '--json', '--dir', dir.path])).stdout);
  type Node = { name: string; status: string; children: Node[]; events: { type: string }[] };
  const shape = (node: Node): unknown => ({ name: node.name, status: node.status, events: node.events.map((e) => e.type), children: node.children.map(shape) });
  expect(rebuilt.spans.map(shape)).toEqual(shown.spans.map(shape));
});
