import { SpanKind, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { withAgent, withLLM, withRun, withTool } from '../../src/index.js';
import { recordShape, spanShape, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function swarm(): Promise<string> {
  return withRun(
    'triage',
    async ({ runId }) => {
      await withAgent({ name: 'planner', id: 'agent-1', description: 'Plans work', version: '2.1.0', provider: 'openai' }, async (agentSpan) => {
        await withTool(
          { name: 'lookup', type: 'function', callId: 'call_1', description: 'Looks things up' },
          async () => ({ rows: 3 }),
          { arguments: { query: 'open tickets' }, links: [{ context: agentSpan.spanContext() }] },
        );
        withLLM(
          {
            provider: 'openai',
            model: 'gpt-4o',
            temperature: 0.1,
            maxTokens: 256,
            topP: 0.9,
            seed: 7,
            stopSequences: ['\n\n'],
            serverAddress: 'api.openai.com',
            serverPort: 443,
            inputMessages: () => [{ role: 'user', content: 'hello' }],
            systemInstructions: 'be brief',
          },
          (llm) =>
            llm.recordResponse({
              model: 'gpt-4o-2024-08-06',
              id: 'chatcmpl-123',
              finishReasons: ['stop'],
              usage: { inputTokens: 10, outputTokens: 20, cacheReadInputTokens: 4, reasoningOutputTokens: 5 },
              outputMessages: [{ role: 'assistant', content: 'hi' }],
            }),
        );
      });
      return runId;
    },
    { conversationId: 'conv-9', attributes: { 'app.tenant': 'acme' } },
  );
}

describe('GenAI wrappers', () => {
  it('emit spans named and attributed by the GenAI conventions (content off)', async () => {
    h = startHarness({ journal: false });
    const runId = await swarm();
    const { spans, records } = await h.collect();
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(spans.map((span) => span.spanContext().traceId))).toEqual(new Set([runId]));
    expect(spans.map(spanShape)).toMatchInlineSnapshot(`
      [
        {
          "attributes": {
            "gen_ai.agent.name": "planner",
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.call.id": "call_1",
            "gen_ai.tool.description": "Looks things up",
            "gen_ai.tool.name": "lookup",
            "gen_ai.tool.type": "function",
          },
          "events": [],
          "kind": 0,
          "links": 1,
          "name": "execute_tool lookup",
          "status": {
            "code": 0,
          },
        },
        {
          "attributes": {
            "gen_ai.agent.name": "planner",
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.max_tokens": 256,
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.request.seed": 7,
            "gen_ai.request.stop_sequences": [
              "

      ",
            ],
            "gen_ai.request.temperature": 0.1,
            "gen_ai.request.top_p": 0.9,
            "gen_ai.response.finish_reasons": [
              "stop",
            ],
            "gen_ai.response.id": "chatcmpl-123",
            "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.usage.cache_read.input_tokens": 4,
            "gen_ai.usage.input_tokens": 10,
            "gen_ai.usage.output_tokens": 20,
            "gen_ai.usage.reasoning.output_tokens": 5,
            "server.address": "api.openai.com",
            "server.port": 443,
          },
          "events": [],
          "kind": 2,
          "links": 0,
          "name": "chat gpt-4o",
          "status": {
            "code": 0,
          },
        },
        {
          "attributes": {
            "gen_ai.agent.description": "Plans work",
            "gen_ai.agent.id": "agent-1",
            "gen_ai.agent.name": "planner",
            "gen_ai.agent.version": "2.1.0",
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.provider.name": "openai",
          },
          "events": [],
          "kind": 0,
          "links": 0,
          "name": "invoke_agent planner",
          "status": {
            "code": 0,
          },
        },
        {
          "attributes": {
            "app.tenant": "acme",
            "gen_ai.conversation.id": "conv-9",
            "gen_ai.operation.name": "invoke_workflow",
            "gen_ai.workflow.name": "triage",
          },
          "events": [],
          "kind": 0,
          "links": 0,
          "name": "invoke_workflow triage",
          "status": {
            "code": 0,
          },
        },
      ]
    `);
    expect(spans.find((span) => span.name === 'chat gpt-4o')!.kind).toBe(SpanKind.CLIENT);
    expect(records.map(recordShape)).toMatchInlineSnapshot(`
      [
        {
          "attributes": {
            "audit.duration": "number",
            "audit.event.id": "string",
            "audit.event.type": "tool.end",
            "audit.outcome": "success",
            "audit.run.id": "string",
            "audit.span.name": "execute_tool lookup",
            "audit.span.parent_id": "string",
            "gen_ai.agent.id": "agent-1",
            "gen_ai.agent.name": "planner",
            "gen_ai.conversation.id": "conv-9",
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.call.id": "call_1",
            "gen_ai.tool.description": "Looks things up",
            "gen_ai.tool.name": "lookup",
            "gen_ai.tool.type": "function",
            "gen_ai.workflow.name": "triage",
          },
          "body": "tool lookup succeeded in <duration>",
          "eventName": "audit.tool.end",
          "hasSpanContext": true,
          "severityNumber": 9,
          "severityText": "INFO",
        },
        {
          "attributes": {
            "audit.duration": "number",
            "audit.event.id": "string",
            "audit.event.type": "llm.end",
            "audit.outcome": "success",
            "audit.run.id": "string",
            "audit.span.name": "chat gpt-4o",
            "audit.span.parent_id": "string",
            "gen_ai.agent.id": "agent-1",
            "gen_ai.agent.name": "planner",
            "gen_ai.conversation.id": "conv-9",
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.max_tokens": 256,
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.request.seed": 7,
            "gen_ai.request.stop_sequences": [
              "

      ",
            ],
            "gen_ai.request.temperature": 0.1,
            "gen_ai.request.top_p": 0.9,
            "gen_ai.response.finish_reasons": [
              "stop",
            ],
            "gen_ai.response.id": "chatcmpl-123",
            "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.usage.cache_read.input_tokens": 4,
            "gen_ai.usage.input_tokens": 10,
            "gen_ai.usage.output_tokens": 20,
            "gen_ai.usage.reasoning.output_tokens": 5,
            "gen_ai.workflow.name": "triage",
          },
          "body": "chat gpt-4o succeeded in <duration>",
          "eventName": "audit.llm.end",
          "hasSpanContext": true,
          "severityNumber": 9,
          "severityText": "INFO",
        },
        {
          "attributes": {
            "audit.duration": "number",
            "audit.event.id": "string",
            "audit.event.type": "agent.end",
            "audit.outcome": "success",
            "audit.run.id": "string",
            "audit.span.name": "invoke_agent planner",
            "audit.span.parent_id": "string",
            "gen_ai.agent.description": "Plans work",
            "gen_ai.agent.id": "agent-1",
            "gen_ai.agent.name": "planner",
            "gen_ai.agent.version": "2.1.0",
            "gen_ai.conversation.id": "conv-9",
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.provider.name": "openai",
            "gen_ai.workflow.name": "triage",
          },
          "body": "agent planner succeeded in <duration>",
          "eventName": "audit.agent.end",
          "hasSpanContext": true,
          "severityNumber": 9,
          "severityText": "INFO",
        },
        {
          "attributes": {
            "audit.duration": "number",
            "audit.event.id": "string",
            "audit.event.type": "run.end",
            "audit.outcome": "success",
            "audit.run.id": "string",
            "audit.span.name": "invoke_workflow triage",
            "gen_ai.conversation.id": "conv-9",
            "gen_ai.operation.name": "invoke_workflow",
            "gen_ai.workflow.name": "triage",
          },
          "body": "run triage succeeded in <duration>",
          "eventName": "audit.run.end",
          "hasSpanContext": true,
          "severityNumber": 9,
          "severityText": "INFO",
        },
      ]
    `);
    for (const record of records) {
      expect(record.spanContext?.traceId).toBe(runId);
      expect(record.attributes['audit.run.id']).toBe(runId);
    }
  });

  it('record tool arguments/results and prompts/completions only with content capture on', async () => {
    h = startHarness({ journal: false, captureContent: true });
    await swarm();
    const { spans, records } = await h.collect();
    const tool = spans.find((span) => span.name === 'execute_tool lookup')!;
    expect(tool.attributes['gen_ai.tool.call.arguments']).toBe('{"query":"open tickets"}');
    expect(tool.attributes['gen_ai.tool.call.result']).toBe('{"rows":3}');
    const chat = spans.find((span) => span.name === 'chat gpt-4o')!;
    expect(chat.attributes['gen_ai.input.messages']).toBe('[{"role":"user","content":"hello"}]');
    expect(chat.attributes['gen_ai.output.messages']).toBe('[{"role":"assistant","content":"hi"}]');
    expect(chat.attributes['gen_ai.system_instructions']).toBe('be brief');
    // The compact audit records never copy content.
    for (const record of records) {
      expect(Object.keys(record.attributes).filter((key) => /messages|arguments|result|instructions/.test(key))).toEqual([]);
    }
  });

  it('never calls content producers when capture is off', async () => {
    h = startHarness({ journal: false, captureContent: false });
    let called = 0;
    withLLM({ provider: 'anthropic', model: 'claude', inputMessages: () => called++ }, () => undefined);
    withTool('t', () => undefined, { arguments: () => called++ });
    await h.collect();
    expect(called).toBe(0);
  });

  it('turn failing runs, agents, tools and LLM calls into failure audit records', async () => {
    h = startHarness({ journal: false });
    class RateLimitError extends Error {}
    await expect(
      withRun('doomed', () =>
        withAgent('worker', () => withLLM({ provider: 'openai', model: 'gpt-4o' }, () => Promise.reject(new RateLimitError('429')))),
      ),
    ).rejects.toBeInstanceOf(RateLimitError);
    const { records } = await h.collect();
    expect(records.map((record) => [record.eventName, record.attributes['audit.outcome'], record.attributes['error.type'], record.severityText])).toEqual([
      ['audit.llm.end', 'failure', 'RateLimitError', 'ERROR'],
      ['audit.agent.end', 'failure', 'RateLimitError', 'ERROR'],
      ['audit.run.end', 'failure', 'RateLimitError', 'ERROR'],
    ]);
    expect(records[0].body).toMatch(/^chat gpt-4o failed \(RateLimitError\) after \d/);
  });

  it("copy only metadata into another instrumentation's span-end record, never its content attributes", async () => {
    h = startHarness({ journal: false, redaction: false });
    const span = trace.getTracer('openllmetry-like').startSpan('chat gpt-4o', {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.request.temperature': 0.2,
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.conversation.id': 'conv-1',
        'gen_ai.prompt.0.role': 'user',
        'gen_ai.prompt.0.content': 'FREE-TEXT-PROMPT',
        'gen_ai.completion.0.content': 'FREE-TEXT-COMPLETION',
        'gen_ai.input.messages': '[{"role":"user"}]',
        'gen_ai.request.functions': '[{"name":"f","description":"FREE-TEXT"}]',
        'gen_ai.tool.call.arguments': '{"q":"FREE-TEXT"}',
        'llm.input_messages.0.message.content': 'FREE-TEXT-OPENINFERENCE',
      },
    });
    span.end();
    const { records } = await h.collect();
    expect(records).toHaveLength(1);
    expect(records[0].attributes).toMatchObject({
      'audit.event.type': 'llm.end',
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.conversation.id': 'conv-1',
    });
    expect(JSON.stringify(records[0].attributes)).not.toContain('FREE-TEXT');
    expect(Object.keys(records[0].attributes).filter((key) => key.includes('prompt') || key.includes('completion') || key.startsWith('llm.'))).toEqual([]);
  });

  it('can turn the span audit records off', async () => {
    h = startHarness({ journal: false, auditSpanRecords: false });
    await swarm();
    const { spans, records } = await h.collect();
    expect(spans).toHaveLength(4);
    expect(records).toHaveLength(0);
  });

  it('link every wrapper to the spans that handed work over, withLLM included', async () => {
    h = startHarness({ journal: false });
    const planner = withRun('handoff', () => withAgent('planner', (span) => span.spanContext()));
    const link = { context: planner, attributes: { 'swarmtrail.handoff': 'plan' } };
    withRun('next-run', () => undefined, { links: [link] });
    withAgent('researcher', () => undefined, { links: [link] });
    withTool('search', () => undefined, { links: [link] });
    withLLM({ provider: 'openai', model: 'gpt-4o', links: [link] }, () => undefined);
    const { spans } = await h.collect();
    const linked = spans.filter((span) => span.links.length > 0);
    expect(linked.map((span) => span.name)).toEqual(['invoke_workflow next-run', 'invoke_agent researcher', 'execute_tool search', 'chat gpt-4o']);
    for (const span of linked) {
      expect(span.links).toEqual([{ context: planner, attributes: { 'swarmtrail.handoff': 'plan' }, droppedAttributesCount: 0 }]);
    }
  });

  it('streams an LLM response and ends the span when the stream ends', async () => {
    h = startHarness({ journal: false });
    const stream = withLLM({ provider: 'openai', model: 'gpt-4o', stream: true }, (llm) =>
      (async function* () {
        yield 'a';
        yield 'b';
        llm.recordResponse({ usage: { inputTokens: 1, outputTokens: 2 } });
      })(),
    );
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toEqual(['a', 'b']);
    const { spans } = await h.collect();
    expect(spans[0].attributes['gen_ai.usage.output_tokens']).toBe(2);
    expect(spans[0].attributes['gen_ai.request.stream']).toBe(true);
  });
});
