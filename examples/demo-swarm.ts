/**
 * The demo swarm: a deterministic research run with no network. A planner agent plans, three
 * researchers work in parallel (search tool + a fake LLM client with token usage), one search
 * fails once and is retried, one researcher is denied a secret, and a writer agent streams a
 * report from the fake model and writes it to a file.
 *
 *   npm run demo                      # trail to the local journal (./.swarmtrail/journal)
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 npm run demo   # through a collector
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Link } from '@opentelemetry/api';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { audit, start, withAgent, withLLM, withRun, withTool, type LLMUsage } from '../src/index.js';

const MODEL = 'gpt-4o-mini';
const PROVIDER = 'openai';

/** Counts what the pipeline saw, to print a summary (and to show how to add a processor). */
class CountingProcessors {
  spans = 0;
  records = 0;
  readonly byType = new Map<string, number>();
  readonly span: SpanProcessor = {
    onStart: () => {},
    onEnd: () => {
      this.spans++;
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  readonly log: LogRecordProcessor = {
    onEmit: (record) => {
      this.records++;
      const type = record.attributes['audit.event.type'];
      const key = typeof type === 'string' ? type : 'other';
      this.byType.set(key, (this.byType.get(key) ?? 0) + 1);
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

/** A fake chat model: answers are derived from the prompt, token counts from word counts. */
const fakeModel = {
  usage(prompt: string, answer: string): LLMUsage {
    const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;
    return { inputTokens: 12 + words(prompt) * 2, outputTokens: 4 + words(answer) * 2 };
  },
  complete(prompt: string): { id: string; text: string; usage: LLMUsage } {
    const text = `Summary of "${prompt.slice(0, 40)}": three findings, each backed by two sources.`;
    const id = `chatcmpl-${createHash('sha256').update(prompt).digest('hex').slice(0, 12)}`;
    return { id, text, usage: this.usage(prompt, text) };
  },
  async *stream(prompt: string): AsyncGenerator<string> {
    for (const part of ['# Report\n\n', `Topic: ${prompt}\n\n`, 'Findings are consistent across sources.\n']) {
      await Promise.resolve();
      yield part;
    }
  },
};

class TransientSearchError extends Error {
  override name = 'TransientSearchError';
}

const searchCalls = new Map<string, number>();
async function webSearch(query: string): Promise<string[]> {
  const attempt = (searchCalls.get(query) ?? 0) + 1;
  searchCalls.set(query, attempt);
  await new Promise((done) => setTimeout(done, 5));
  // One deterministic failure: the first search on the second topic times out.
  if (query.includes('pricing') && attempt === 1) throw new TransientSearchError(`search timed out for "${query}"`);
  return [`https://example.org/${encodeURIComponent(query)}/1`, `https://example.org/${encodeURIComponent(query)}/2`];
}

/** One researcher; it adds a link to its own span to `findingLinks`, for the writer's model call. */
async function research(topic: string, index: number, handoff: Link[], findingLinks: Link[]): Promise<string> {
  return withAgent({ name: `researcher-${index + 1}`, id: `agent-researcher-${index + 1}`, description: 'Finds and summarises sources' }, async (researcher) => {
    findingLinks.push({ context: researcher.spanContext(), attributes: { 'swarmtrail.handoff': 'finding' } });
    let results: string[] | undefined;
    for (let attempt = 1; results === undefined; attempt++) {
      try {
        results = await withTool({ name: 'web_search', type: 'function', callId: `call_${index}_${attempt}` }, () => webSearch(topic), {
          arguments: { query: topic },
        });
      } catch (error) {
        audit.error(error, { recovery: attempt < 3 ? 'retried' : 'gave up', context: { topic, attempt } });
        if (attempt >= 3) throw error;
      }
    }
    if (index === 2) {
      // This researcher tries to read a production credential it is not entitled to.
      audit.secretAccess({ alias: 'prod-db-password', outcome: 'denied', store: 'vault', reason: 'agent not in role db-readers' });
    }
    const prompt = `Summarise ${results.length} sources about ${topic}`;
    return withLLM({ provider: PROVIDER, model: MODEL, temperature: 0.2, maxTokens: 512, inputMessages: () => [{ role: 'user', content: prompt }] }, (llm) => {
      const answer = fakeModel.complete(prompt);
      llm.recordResponse({ model: `${MODEL}-2024-07-18`, id: answer.id, finishReasons: ['stop'], usage: answer.usage });
      return answer.text;
    });
  }, { links: handoff });
}

async function writeReport(outputDir: string, findings: string[], handoff: Link[], findingLinks: Link[]): Promise<string> {
  return withAgent({ name: 'writer', id: 'agent-writer', description: 'Writes the report' }, async () => {
    const prompt = findings.join(' ');
    let text = '';
    // The model call that turns the findings into a report links to the researchers that made them.
    const stream = withLLM({ provider: PROVIDER, model: MODEL, stream: true, links: findingLinks }, (llm) => {
      const chunks = fakeModel.stream('agent audit trails');
      return (async function* () {
        for await (const chunk of chunks) {
          text += chunk;
          yield chunk;
        }
        llm.recordResponse({ model: `${MODEL}-2024-07-18`, finishReasons: ['stop'], usage: fakeModel.usage(prompt, text) });
      })();
    });
    for await (const chunk of stream) void chunk;
    const content = `${text}\n${findings.map((finding) => `- ${finding}`).join('\n')}\n`;
    const path = join(outputDir, 'report.md');
    withTool({ name: 'write_file', type: 'function' }, () => {
      mkdirSync(outputDir, { recursive: true });
      writeFileSync(path, content);
    }, { arguments: { path } });
    const sha256 = createHash('sha256').update(content).digest('hex');
    const size = Buffer.byteLength(content);
    audit.fileChange({ operation: 'create', path, sha256After: sha256, sizeAfter: size, diff: () => content });
    audit.artifact({ type: 'report', uri: path, sha256, size });
    audit.command({ command: ['wc', '-w', path], exitCode: 0, output: `${content.split(/\s+/).filter(Boolean).length} ${path}` });
    return path;
  }, { links: handoff });
}

async function main(): Promise<void> {
  const counts = new CountingProcessors();
  const handle = start({
    serviceName: 'swarmtrail-demo',
    resourceAttributes: { 'deployment.environment.name': 'demo' },
    spanProcessors: [counts.span],
    logRecordProcessors: [counts.log],
  });
  const outputDir = resolve(process.env['SWARMTRAIL_DEMO_OUTPUT'] ?? '.swarmtrail/demo-output');
  const topics = ['agent observability', 'llm pricing', 'audit retention'];

  const runId = await withRun('research-report', async ({ runId }) => {
    audit.component({ name: 'web_search', kind: 'tool', action: 'registered', version: '1.0.0' });
    // The researchers and the writer link back to the planner's span: the hand-off.
    let handoff: Link[] = [];
    const plan = withAgent({ name: 'planner', id: 'agent-planner', description: 'Splits the request into topics' }, (planner) => {
      handoff = [{ context: planner.spanContext(), attributes: { 'swarmtrail.handoff': 'plan' } }];
      const prompt = `Plan a report on ${topics.join(', ')}`;
      withLLM({ provider: PROVIDER, model: MODEL, temperature: 0 }, (llm) => {
        const answer = fakeModel.complete(prompt);
        llm.recordResponse({ model: `${MODEL}-2024-07-18`, id: answer.id, finishReasons: ['stop'], usage: answer.usage });
      });
      audit.thought({ content: `Three topics are independent, so research them in parallel.`, step: 1 });
      audit.decision({
        summary: `Research ${topics.length} topics in parallel, then write one report`,
        reasoning: 'Topics do not depend on each other',
        verdict: 'parallel',
        action: 'parallel',
        context: { topics },
      });
      return topics;
    });
    const findingLinks: Link[] = [];
    const findings = await Promise.all(plan.map((topic, index) => research(topic, index, handoff, findingLinks)));
    const path = await writeReport(outputDir, findings, handoff, findingLinks);
    // A publish call whose URL carries a token: the audit record keeps the URL without it.
    const token = ['demo', 'token', '0123456789abcdef'].join('-');
    audit.apiCall({ method: 'post', url: `https://reports.example.org/publish?api_key=${token}&doc=${encodeURIComponent(path)}`, status: 201 });
    audit.financial({ description: 'estimated model spend for this run', amount: 0.0042, currency: 'USD', status: 'simulated' });
    return runId;
  });

  await handle.shutdown();
  const destination = handle.destination;
  const where =
    destination.kind === 'journal'
      ? `local journal ${destination.directory}`
      : destination.kind === 'otlp'
        ? `OTLP ${destination.protocol} ${destination.endpoints.traces.replace(/\/v1\/traces$/, '')}${destination.spool === undefined ? '' : ` (spooled in ${destination.spool})`}`
        : handle.enabled
          ? 'the exporters added in code'
          : 'nothing (the SDK is disabled: OTEL_SDK_DISABLED)';
  const types = [...counts.byType.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => `${type}=${n}`).join(', ');
  console.log(`swarmtrail demo: run ${runId} (research-report) finished`);
  console.log(`  recorded: ${counts.spans} spans, ${counts.records} audit records (${types})`);
  console.log(`  report:   ${join(outputDir, 'report.md')}`);
  console.log(`  trail:    ${where}`);
  const journal = destination.kind === 'journal' ? destination.directory : destination.kind === 'otlp' ? destination.spool : undefined;
  if (journal !== undefined) {
    // The CLI finds the default journal by itself; anywhere else it needs --dir.
    const dir = resolve(journal) === resolve('.swarmtrail/journal') ? '' : ` --dir ${relative(process.cwd(), journal) || '.'}`;
    console.log(`  inspect:  npx swarmtrail runs${dir}    |    npx swarmtrail show ${runId.slice(0, 8)}${dir}`);
  }
}

main().catch((error: unknown) => {
  console.error('demo failed:', error);
  process.exitCode = 1;
});
