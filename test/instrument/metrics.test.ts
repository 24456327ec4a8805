import type { DataPoint, Histogram, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { audit, withAgent, withLLM, withRun, withTool } from '../../src/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
});

function metric(all: ResourceMetrics[], name: string) {
  const last = all.at(-1)!;
  for (const scope of last.scopeMetrics) for (const m of scope.metrics) if (m.descriptor.name === name) return m;
  return undefined;
}

describe('metrics', () => {
  it('records GenAI token usage and durations with semconv units and buckets, and audit counts', async () => {
    h = startHarness({ journal: false });
    await withRun('m', async () => {
      await withAgent('a1', async () => {
        withLLM({ provider: 'openai', model: 'gpt-4o' }, (llm) => llm.recordResponse({ model: 'gpt-4o-x', usage: { inputTokens: 100, outputTokens: 40 } }));
        await withTool('search', async () => 1);
        await withTool('search', () => Promise.reject(new TypeError('bad'))).catch(() => undefined);
        audit.secretAccess({ alias: 'db', outcome: 'denied' });
      });
    });
    await h.collect();
    const all = h.metrics.getMetrics();
    const tokens = metric(all, 'gen_ai.client.token.usage')!;
    expect(tokens.descriptor.unit).toBe('{token}');
    const points = tokens.dataPoints as DataPoint<Histogram>[];
    expect(points.map((p) => [p.attributes['gen_ai.token.type'], p.value.sum, p.attributes['gen_ai.request.model'], p.attributes['gen_ai.response.model'], p.attributes['gen_ai.agent.name']]).sort()).toEqual([
      ['input', 100, 'gpt-4o', 'gpt-4o-x', 'a1'],
      ['output', 40, 'gpt-4o', 'gpt-4o-x', 'a1'],
    ]);
    expect(points[0].value.buckets.boundaries).toEqual([1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]);
    const duration = metric(all, 'gen_ai.client.operation.duration')!;
    expect(duration.descriptor.unit).toBe('s');
    expect((duration.dataPoints[0] as DataPoint<Histogram>).value.buckets.boundaries[0]).toBe(0.01);
    const tool = metric(all, 'swarmtrail.tool.duration')!;
    expect(
      (tool.dataPoints as DataPoint<Histogram>[]).map((p) => [p.attributes['gen_ai.tool.name'], p.attributes['audit.outcome'], p.attributes['error.type'], p.value.count]).sort(),
    ).toEqual([
      ['search', 'failure', 'TypeError', 1],
      ['search', 'success', undefined, 1],
    ]);
    expect(metric(all, 'swarmtrail.workflow.duration')!.dataPoints).toHaveLength(1);
    expect(metric(all, 'swarmtrail.agent.duration')!.dataPoints[0].attributes['gen_ai.agent.name']).toBe('a1');
    const events = metric(all, 'swarmtrail.audit.events')!;
    const counts = Object.fromEntries(events.dataPoints.map((p) => [`${String(p.attributes['audit.event.type'])}/${String(p.attributes['audit.outcome'])}`, p.value]));
    expect(counts).toEqual({
      'llm.end/success': 1,
      'tool.end/success': 1,
      'tool.end/failure': 1,
      'secret.access/denied': 1,
      'agent.end/success': 1,
      'run.end/success': 1,
    });
  });
});
