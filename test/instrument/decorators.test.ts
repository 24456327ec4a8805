/* eslint-disable @typescript-eslint/no-explicit-any -- the compiled fixture is untyped */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { spanShape, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeEach(() => {
  h = startHarness({ journal: false, captureContent: true });
});
afterEach(async () => {
  await h.stop();
});

/** Compiles the fixture the way a user's `tsc` would (standard decorators, no experimentalDecorators). */
async function loadFixture(): Promise<{ Swarm: new () => any; ApiPromise: new (...args: any[]) => any }> {
  const source = fileURLToPath(new URL('./fixtures/decorated.ts', import.meta.url));
  const output = ts.transpileModule(readFileSync(source, 'utf8'), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, experimentalDecorators: false },
  });
  const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
  const compiled = join(mkdtempSync(join(tmpdir(), 'swarmtrail-decorators-')), 'decorated.mjs');
  writeFileSync(compiled, output.outputText.replace('../../../src/index.js', index));
  return import(pathToFileURL(compiled).href);
}

describe('TC39 decorators', () => {
  it('wrap methods, keep this, and record the same spans as the functions', async () => {
    const { Swarm } = await loadFixture();
    const swarm = new Swarm();
    expect(await swarm.go('otel')).toBe('found:2');
    expect(() => swarm.failing()).toThrow(SyntaxError);
    const { spans } = await h.collect();
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(['chat claude-sonnet-4', 'execute_tool search', 'helper-step', 'invoke_agent researcher', 'invoke_workflow decorated-run']);
    expect(byName['execute_tool search'].attributes['gen_ai.tool.call.arguments']).toBe('["otel",2]');
    expect(byName['execute_tool search'].attributes['gen_ai.tool.call.result']).toBe('["otel-0","otel-1"]');
    expect(byName['invoke_agent researcher'].attributes['gen_ai.agent.id']).toBe('r-1');
    expect(byName['chat claude-sonnet-4'].attributes['gen_ai.response.id']).toBe('msg_1');
    expect(byName['chat claude-sonnet-4'].attributes['gen_ai.usage.output_tokens']).toBe(9);
    expect(byName['chat claude-sonnet-4'].parentSpanContext?.spanId).toBe(byName['invoke_agent researcher'].spanContext().spanId);
    expect(byName['helper-step'].attributes['error.type']).toBe('SyntaxError');
    // The whole shapes: the decorated methods record what the wrappers record.
    const names = ['invoke_workflow decorated-run', 'invoke_agent researcher', 'execute_tool search', 'chat claude-sonnet-4', 'helper-step'];
    expect(names.map((name) => spanShape(byName[name]))).toMatchInlineSnapshot(`
      [
        {
          "attributes": {
            "gen_ai.operation.name": "invoke_workflow",
            "gen_ai.workflow.name": "decorated-run",
          },
          "events": [],
          "kind": 0,
          "links": 0,
          "name": "invoke_workflow decorated-run",
          "status": {
            "code": 0,
          },
        },
        {
          "attributes": {
            "gen_ai.agent.id": "r-1",
            "gen_ai.agent.name": "researcher",
            "gen_ai.operation.name": "invoke_agent",
          },
          "events": [],
          "kind": 0,
          "links": 0,
          "name": "invoke_agent researcher",
          "status": {
            "code": 0,
          },
        },
        {
          "attributes": {
            "gen_ai.agent.name": "researcher",
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.call.arguments": "["otel",2]",
            "gen_ai.tool.call.result": "["otel-0","otel-1"]",
            "gen_ai.tool.name": "search",
          },
          "events": [],
          "kind": 0,
          "links": 0,
          "name": "execute_tool search",
          "status": {
            "code": 0,
          },
        },
        {
          "attributes": {
            "gen_ai.agent.name": "researcher",
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "anthropic",
            "gen_ai.request.model": "claude-sonnet-4",
            "gen_ai.response.id": "msg_1",
            "gen_ai.usage.input_tokens": 3,
            "gen_ai.usage.output_tokens": 9,
          },
          "events": [],
          "kind": 2,
          "links": 0,
          "name": "chat claude-sonnet-4",
          "status": {
            "code": 0,
          },
        },
        {
          "attributes": {
            "error.type": "SyntaxError",
          },
          "events": [
            {
              "attributes": [
                "exception.type",
                "exception.message",
                "exception.stacktrace",
              ],
              "name": "exception",
            },
          ],
          "kind": 0,
          "links": 0,
          "name": "helper-step",
          "status": {
            "code": 2,
            "message": "bad input",
          },
        },
      ]
    `);
  });
});

describe('@llm', () => {
  it('returns the method\'s own promise object and records the response before the span ends', async () => {
    const { Swarm, ApiPromise } = await loadFixture();
    const promise = new Swarm().complete();
    expect(promise).toBeInstanceOf(ApiPromise);
    expect(await promise.withResponse()).toEqual({ data: { id: 'chatcmpl-7' }, response: 'raw-response' });
    const { spans } = await h.collect();
    expect(spans.map((s) => [s.name, s.attributes['gen_ai.response.id']])).toEqual([['chat gpt-4o', 'chatcmpl-7']]);
  });
});
