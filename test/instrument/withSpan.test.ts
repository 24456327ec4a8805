import { DiagLogLevel, SpanStatusCode, trace, type DiagLogger } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withAgent, withRun, withSpan, withTool } from '../../src/index.js';
import { spanShape, startHarness, type Harness } from '../helpers/harness.js';

class CustomError extends Error {
  readonly code = 42;
}

/** Everything OTel's diagnostic logger said during a test, as `level: message` lines. */
let said: string[];
const diagLogger: DiagLogger = {
  error: (message) => said.push(`error: ${message}`),
  warn: (message) => said.push(`warn: ${message}`),
  info: () => {},
  debug: () => {},
  verbose: () => {},
};
/** The SDK says so (and does nothing else) when end() is called on an ended span. */
const endedTwice = () => said.filter((line) => line.includes('You can only call end() on a span once'));

let h: Harness;
beforeEach(() => {
  said = [];
  h = startHarness({ journal: false, diagLogger, logLevel: DiagLogLevel.WARN });
});
afterEach(async () => {
  await h.stop();
});

describe('withSpan', () => {
  it('keeps a sync function sync and returns its value', async () => {
    const result = withSpan('sync-op', () => 7, { attributes: { 'app.flag': true } });
    expect(result).toBe(7);
    const { spans } = await h.collect();
    expect(spans.map(spanShape)).toMatchInlineSnapshot(`
      [
        {
          "attributes": {
            "app.flag": true,
          },
          "events": [],
          "kind": 0,
          "links": 0,
          "name": "sync-op",
          "status": {
            "code": 0,
          },
        },
      ]
    `);
  });

  it('rethrows a sync throw unchanged and records it', async () => {
    const error = new CustomError('boom');
    let caught: unknown;
    try {
      withSpan('throws', () => {
        throw error;
      });
    } catch (thrown) {
      caught = thrown;
    }
    expect(caught).toBe(error);
    const { spans } = await h.collect();
    expect(spans).toHaveLength(1);
    expect(spanShape(spans[0])).toMatchInlineSnapshot(`
      {
        "attributes": {
          "error.type": "CustomError",
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
        "name": "throws",
        "status": {
          "code": 2,
          "message": "boom",
        },
      }
    `);
  });

  it('waits for a resolved promise', async () => {
    const value = { answer: 1 };
    const promise = withSpan('async-op', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return value;
    });
    expect(promise).toBeInstanceOf(Promise);
    expect((await h.collect()).spans).toHaveLength(0);
    expect(await promise).toBe(value);
    const { spans } = await h.collect();
    expect(spans).toHaveLength(1);
    const [span] = spans;
    const ms = span.duration[0] * 1000 + span.duration[1] / 1e6;
    expect(ms).toBeGreaterThanOrEqual(15);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('passes a rejected promise through with the same error', async () => {
    const error = new CustomError('async boom');
    await expect(withSpan('rejects', () => Promise.reject(error))).rejects.toBe(error);
    const { spans } = await h.collect();
    expect(spans[0].status).toEqual({ code: SpanStatusCode.ERROR, message: 'async boom' });
    expect(spans[0].attributes['error.type']).toBe('CustomError');
    expect(spans[0].events.map((event) => event.name)).toEqual(['exception']);
  });

  it('records non-Error throws with error.type _OTHER', async () => {
    expect(() =>
      withSpan('throws-string', () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- non-Error throws must pass through too
        throw 'plain string';
      }),
    ).toThrow('plain string');
    const { spans } = await h.collect();
    expect(spans[0].attributes['error.type']).toBe('_OTHER');
    expect(spans[0].status).toEqual({ code: SpanStatusCode.ERROR, message: 'plain string' });
  });

  it('ends a streamed result when the stream ends, with children parented inside', async () => {
    async function* stream() {
      yield 1;
      withSpan('inside-stream', () => undefined);
      yield 2;
    }
    const wrapped = withSpan('stream', () => stream());
    const seen: number[] = [];
    for await (const item of wrapped) {
      seen.push(item);
      expect((await h.collect()).spans.map((s) => s.name)).not.toContain('stream');
    }
    expect(seen).toEqual([1, 2]);
    const { spans } = await h.collect();
    const outer = spans.find((s) => s.name === 'stream')!;
    const inner = spans.find((s) => s.name === 'inside-stream')!;
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(outer.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('ends a stream that fails, with the error recorded and rethrown unchanged', async () => {
    const error = new CustomError('stream broke');
    async function* stream() {
      yield 1;
      throw error;
    }
    const consume = async () => {
      for await (const _ of withSpan('failing-stream', () => stream())) void _;
    };
    await expect(consume()).rejects.toBe(error);
    const { spans } = await h.collect();
    expect(spans).toHaveLength(1);
    expect(spans[0].status.code).toBe(SpanStatusCode.ERROR);
  });

  it('ends an abandoned stream (break) exactly once', async () => {
    let finalized = false;
    async function* stream() {
      try {
        yield 1;
        yield 2;
        yield 3;
      } finally {
        finalized = true;
      }
    }
    for await (const item of withSpan('abandoned', () => stream())) {
      if (item === 1) break;
    }
    expect(finalized).toBe(true);
    const { spans } = await h.collect();
    expect(spans).toHaveLength(1);
    expect(spans[0].status.code).toBe(SpanStatusCode.UNSET);
    expect(endedTwice()).toEqual([]);
  });

  it('ends a stream returned through a promise when the stream ends', async () => {
    async function* stream() {
      yield 'a';
      yield 'b';
    }
    const wrapped = await withSpan('promise-of-stream', async () => stream());
    expect((await h.collect()).spans).toHaveLength(0);
    const items: string[] = [];
    for await (const item of wrapped) items.push(item);
    expect(items).toEqual(['a', 'b']);
    expect((await h.collect()).spans.map((s) => s.name)).toEqual(['promise-of-stream']);
  });

  it('keeps the other members of a stream object', async () => {
    const streamObject = {
      controller: 'abort-controller',
      toText: () => 'text',
      async *[Symbol.asyncIterator]() {
        yield 1;
      },
    };
    const wrapped = withSpan('sdk-stream', () => streamObject);
    expect(wrapped.controller).toBe('abort-controller');
    expect(wrapped.toText()).toBe('text');
    for await (const _ of wrapped) void _;
    expect((await h.collect()).spans).toHaveLength(1);
  });

  it('ends the span exactly once even if the callback ends it itself', async () => {
    withSpan('self-ended', (span) => {
      span.end();
    });
    await withSpan('self-ended-async', async (span) => {
      await Promise.resolve();
      span.end();
    });
    const { spans } = await h.collect();
    expect(spans.map((span) => span.name)).toEqual(['self-ended', 'self-ended-async']);
    expect(endedTwice()).toEqual([]);
  });

  it('ends the span exactly once on every path', async () => {
    withSpan('sync', () => 1);
    expect(() =>
      withSpan('sync-throw', () => {
        throw new CustomError('x');
      }),
    ).toThrow(CustomError);
    await withSpan('resolved', async () => 1);
    await expect(withSpan('rejected', async () => Promise.reject(new CustomError('y')))).rejects.toThrow('y');
    async function* two() {
      yield 1;
      yield 2;
    }
    for await (const _ of withSpan('stream-done', () => two())) void _;
    const it = withSpan('stream-next-then-return', () => two());
    await it.next();
    await it.return(undefined);
    await it.return(undefined);
    await it.next();
    const { spans } = await h.collect();
    expect(spans.map((span) => span.name)).toEqual(['sync', 'sync-throw', 'resolved', 'rejected', 'stream-done', 'stream-next-then-return']);
    expect(endedTwice()).toEqual([]);
  });

  it('gives parallel agents under Promise.all the right parents', async () => {
    await withRun('parallel', async () => {
      await Promise.all(
        ['a', 'b', 'c'].map((name) =>
          withAgent(name, async () => {
            await new Promise((resolve) => setTimeout(resolve, name === 'a' ? 15 : 5));
            await withTool(`tool-${name}`, async () => {
              await new Promise((resolve) => setTimeout(resolve, 1));
            });
          }),
        ),
      );
    });
    const { spans } = await h.collect();
    const byName = new Map(spans.map((span) => [span.name, span]));
    const run = byName.get('invoke_workflow parallel')!;
    expect(run.parentSpanContext).toBeUndefined();
    for (const name of ['a', 'b', 'c']) {
      const agent = byName.get(`invoke_agent ${name}`)!;
      const tool = byName.get(`execute_tool tool-${name}`)!;
      expect(agent.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
      expect(tool.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
      expect(tool.attributes['gen_ai.agent.name']).toBe(name);
      expect(tool.spanContext().traceId).toBe(run.spanContext().traceId);
    }
  });

  it('starts a new trace per run even inside another span', async () => {
    const ids = withSpan('outer', () => [withRun('one', (run) => run.runId), withRun('two', (run) => run.runId)]);
    const { spans } = await h.collect();
    const outer = spans.find((span) => span.name === 'outer')!;
    expect(new Set([...ids, outer.spanContext().traceId]).size).toBe(3);
    expect(spans.find((span) => span.name === 'invoke_workflow one')!.spanContext().traceId).toBe(ids[0]);
  });

  it('restores the previous active span after the callback', async () => {
    withSpan('outer', () => {
      const outer = trace.getActiveSpan();
      withSpan('inner', () => undefined);
      expect(trace.getActiveSpan()).toBe(outer);
    });
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
