import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withAgent, withLLM, withRun, withSpan, withTool } from '../../src/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeEach(() => {
  h = startHarness({ journal: false });
});
afterEach(async () => {
  await h.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const durationMs = (span: { duration: [number, number] }) => span.duration[0] * 1000 + span.duration[1] / 1e6;

/** Like OpenAI's APIPromise: a Promise subclass whose then() parses lazily, with extra methods. */
class LazyApiPromise<T> extends Promise<T> {
  private parsed: Promise<T> | undefined;
  constructor(private readonly response: Promise<T>) {
    super((resolve) => resolve(null as T));
  }
  private parse(): Promise<T> {
    this.parsed ??= this.response;
    return this.parsed;
  }
  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.parse().then(onFulfilled, onRejected);
  }
  withResponse(): Promise<{ data: T; response: string }> {
    return this.parse().then((data) => ({ data, response: 'raw-response' }));
  }
}

describe('the value a wrapper returns', () => {
  it('is a promise settling as the function\'s plain Promise does, and the span ends when it settles', async () => {
    let inner: Promise<string> | undefined;
    const outer = withSpan('same-promise', () => {
      inner = sleep(20).then(() => 'done');
      return inner;
    });
    expect(outer).toBeInstanceOf(Promise);
    expect((await h.collect()).spans).toHaveLength(0);
    expect(await outer).toBe('done');
    const { spans } = await h.collect();
    expect(spans.map((span) => span.name)).toEqual(['same-promise']);
    expect(durationMs(spans[0])).toBeGreaterThanOrEqual(15);
  });

  it('keeps a Promise subclass (an SDK promise with methods) and ends the span when it settles', async () => {
    const call = () => new LazyApiPromise(sleep(20).then(() => ({ id: 'chatcmpl-1' })));
    const promise = withLLM({ provider: 'openai', model: 'gpt-4o' }, () => call());
    expect(promise).toBeInstanceOf(LazyApiPromise);
    expect(await promise.withResponse()).toEqual({ data: { id: 'chatcmpl-1' }, response: 'raw-response' });
    expect(await promise).toEqual({ id: 'chatcmpl-1' });
    const failing = withTool('api', () => new LazyApiPromise<never>(sleep(5).then(() => Promise.reject(new RangeError('429')))));
    expect(failing).toBeInstanceOf(LazyApiPromise);
    await expect(failing).rejects.toThrow(RangeError);
    const { spans } = await h.collect();
    const byName = new Map(spans.map((span) => [span.name, span]));
    // The subclass's own then() decides when it settles: not its (immediately resolved) base promise.
    expect(durationMs(byName.get('chat gpt-4o')!)).toBeGreaterThanOrEqual(15);
    expect(byName.get('chat gpt-4o')!.status.code).toBe(SpanStatusCode.UNSET);
    expect(byName.get('execute_tool api')!.status).toEqual({ code: SpanStatusCode.ERROR, message: '429' });
    expect(byName.get('execute_tool api')!.attributes['error.type']).toBe('RangeError');
  });

  it('recognises a Promise of another realm (a vm context) and returns it as it is', async () => {
    let foreign: Promise<number> | undefined;
    const returned = withTool('sandboxed', () => {
      foreign = runInNewContext('new Promise((resolve) => setTimeout(() => resolve(5), 20))', { setTimeout }) as Promise<number>;
      return foreign;
    });
    expect(foreign).not.toBeInstanceOf(Promise);
    expect(returned).toBe(foreign);
    expect(await foreign).toBe(5);
    const { spans } = await h.collect();
    expect(durationMs(spans[0])).toBeGreaterThanOrEqual(15);
  });

  it('leaves a rejection nobody handles unhandled, as it would be without the wrapper', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const error = new Error('fire and forget');
      void withTool('background', () => sleep(1).then(() => Promise.reject(error)));
      await sleep(30);
      expect(unhandled).toEqual([error]);
    } finally {
      process.off('unhandledRejection', listener);
    }
    const { spans } = await h.collect();
    expect(spans[0].status).toEqual({ code: SpanStatusCode.ERROR, message: 'fire and forget' });
  });

  it('does not raise an unhandled rejection of its own when the user handles theirs', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const error = new Error('user rejection');
      const promise = withAgent('a', () => sleep(1).then(() => Promise.reject(error)));
      await expect(promise).rejects.toBe(error);
      await sleep(20);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
    const { spans } = await h.collect();
    expect(spans[0].status).toEqual({ code: SpanStatusCode.ERROR, message: 'user rejection' });
  });

  it('returns a thenable that is not a Promise untouched, without running it, and ends the span at return', async () => {
    let executions = 0;
    const builder = {
      filters: [] as string[],
      where(filter: string) {
        this.filters.push(filter);
        return this;
      },
      then(resolve: (rows: string[]) => void) {
        executions++;
        resolve(this.filters.map((filter) => `row matching ${filter}`));
      },
    };
    const returned = withTool('db_query', () => builder);
    expect(returned).toBe(builder);
    await sleep(10);
    expect(executions).toBe(0);
    const { spans } = await h.collect();
    expect(spans.map((span) => span.name)).toEqual(['execute_tool db_query']);
    expect(await returned.where('id = 1')).toEqual(['row matching id = 1']);
    expect(executions).toBe(1);
  });

  it('is the very stream object, whose private-field getters and methods keep working', async () => {
    class SdkStream {
      readonly #chunks: string[];
      readonly controller = new AbortController();
      constructor(chunks: string[]) {
        this.#chunks = chunks;
      }
      get size(): number {
        return this.#chunks.length;
      }
      toText(): string {
        return this.#chunks.join('');
      }
      async *[Symbol.asyncIterator](): AsyncGenerator<string> {
        for (const chunk of this.#chunks) {
          await Promise.resolve();
          yield chunk;
        }
      }
    }
    const stream = new SdkStream(['a', 'b']);
    const returned = withLLM({ provider: 'openai', model: 'gpt-4o', stream: true }, () => stream);
    expect(returned).toBe(stream);
    expect(returned.size).toBe(2);
    expect(returned.toText()).toBe('ab');
    expect(returned.controller.signal.aborted).toBe(false);
    expect(Object.keys(returned)).toEqual(['controller']);
    expect((await h.collect()).spans).toHaveLength(0);
    const seen: string[] = [];
    for await (const chunk of returned) seen.push(chunk);
    expect(seen).toEqual(['a', 'b']);
    expect((await h.collect()).spans.map((span) => span.name)).toEqual(['chat gpt-4o']);
  });

  it('keeps a web ReadableStream usable (internal slots) and ends the span when it is read to the end', async () => {
    const stream = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('x');
        controller.enqueue('y');
        controller.close();
      },
    });
    const returned = withSpan('readable', () => stream);
    expect(returned).toBe(stream);
    expect(returned.locked).toBe(false);
    const seen: string[] = [];
    for await (const chunk of returned) seen.push(chunk);
    expect(seen).toEqual(['x', 'y']);
    expect((await h.collect()).spans.map((span) => span.name)).toEqual(['readable']);
  });

  it('is the very stream a promise resolves to, ending the span when the stream ends', async () => {
    async function* chunks() {
      yield 'a';
      await sleep(15);
      yield 'b';
    }
    const generator = chunks();
    const promise = withLLM({ provider: 'openai', model: 'gpt-4o', stream: true }, async () => {
      await sleep(1);
      return generator;
    });
    const stream = await promise;
    expect(stream).toBe(generator);
    expect((await h.collect()).spans).toHaveLength(0);
    expect(await stream.next()).toEqual({ done: false, value: 'a' });
    expect(await stream.next()).toEqual({ done: false, value: 'b' });
    expect((await h.collect()).spans).toHaveLength(0);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    const { spans } = await h.collect();
    expect(spans.map((span) => span.name)).toEqual(['chat gpt-4o']);
    expect(durationMs(spans[0])).toBeGreaterThanOrEqual(10);
  });
});

describe('a stream returned more than once', () => {
  it('ends every span it was returned through, innermost context first', async () => {
    async function* chunks() {
      yield 1;
      withSpan('inside', () => undefined);
      yield 2;
    }
    const stream = chunks();
    const returned = withAgent('writer', () => withLLM({ provider: 'openai', model: 'gpt-4o' }, () => stream));
    expect(returned).toBe(stream);
    expect((await h.collect()).spans).toHaveLength(0);
    for await (const _ of returned) void _;
    const { spans } = await h.collect();
    const byName = new Map(spans.map((span) => [span.name, span]));
    expect([...byName.keys()].sort()).toEqual(['chat gpt-4o', 'inside', 'invoke_agent writer']);
    expect(byName.get('inside')!.parentSpanContext?.spanId).toBe(byName.get('chat gpt-4o')!.spanContext().spanId);
  });

  it('is instrumented once when shared between calls', async () => {
    const shared = {
      async *[Symbol.asyncIterator]() {
        yield 'same';
      },
    };
    let installed: unknown;
    for (let call = 0; call < 3; call++) {
      const returned = withTool('shared', () => shared);
      installed ??= Object.getOwnPropertyDescriptor(returned, Symbol.asyncIterator)?.value;
      expect(Object.getOwnPropertyDescriptor(returned, Symbol.asyncIterator)?.value).toBe(installed);
      for await (const _ of returned) void _;
    }
    expect(installed).toBeTypeOf('function');
    const { spans } = await h.collect();
    expect(spans.map((span) => span.name)).toEqual(['execute_tool shared', 'execute_tool shared', 'execute_tool shared']);
  });
});

describe('a stream used as an iterator directly', () => {
  async function* numbers(error?: Error) {
    yield 1;
    yield 2;
    if (error !== undefined) throw error;
  }

  it('ends its span when next() reports done', async () => {
    const stream = withSpan('next-to-the-end', () => numbers());
    const results = [await stream.next(), await stream.next()];
    expect(results.map((result) => result.value)).toEqual([1, 2]);
    expect((await h.collect()).spans).toHaveLength(0);
    expect((await stream.next()).done).toBe(true);
    expect((await h.collect()).spans.map((span) => span.name)).toEqual(['next-to-the-end']);
  });

  it('ends its span when return() closes it', async () => {
    const stream = withSpan('closed', () => numbers());
    await stream.next();
    expect(await stream.return(undefined)).toEqual({ done: true, value: undefined });
    const { spans } = await h.collect();
    expect(spans.map((span) => span.name)).toEqual(['closed']);
    expect(spans[0].status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records an error thrown into it with throw() and rethrows it unchanged', async () => {
    const error = new TypeError('consumer gave up');
    const stream = withSpan('thrown-into', () => numbers());
    await stream.next();
    await expect(stream.throw(error)).rejects.toBe(error);
    const { spans } = await h.collect();
    expect(spans[0].status).toEqual({ code: SpanStatusCode.ERROR, message: 'consumer gave up' });
    expect(spans[0].attributes['error.type']).toBe('TypeError');
  });

  it('records a failure of the stream itself', async () => {
    const error = new RangeError('upstream closed');
    const stream = withSpan('fails', () => numbers(error));
    await stream.next();
    await stream.next();
    await expect(stream.next()).rejects.toBe(error);
    expect((await h.collect()).spans[0].status.code).toBe(SpanStatusCode.ERROR);
  });

  it('keeps the results of an object that is a sync iterator too synchronous', async () => {
    let step = 0;
    const both = {
      next: () => (step < 2 ? { done: false, value: ++step } : { done: true, value: undefined }),
      [Symbol.iterator]() {
        return this;
      },
      async *[Symbol.asyncIterator]() {
        yield 'async';
      },
    };
    const returned = withSpan('both', () => both);
    expect(returned).toBe(both);
    expect([...returned]).toEqual([1, 2]);
    expect((await h.collect()).spans.map((span) => span.name)).toEqual(['both']);
  });

  it('ends its span on break even when the iterator has no return()', async () => {
    let pulled = 0;
    const iterable = {
      [Symbol.asyncIterator]() {
        return {
          next: () => Promise.resolve({ done: false as const, value: ++pulled }),
        };
      },
    };
    for await (const value of withSpan('endless', () => iterable)) {
      if (value === 3) break;
    }
    expect(pulled).toBe(3);
    expect((await h.collect()).spans.map((span) => span.name)).toEqual(['endless']);
  });
});

describe('a stream dropped without being finished', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  it('ends its span, marked abandoned, at its last step once it is garbage-collected', async () => {
    await withRun('gc-run', async () => {
      // In a function of its own, so nothing on this stack keeps the stream alive.
      await (async () => {
        const stream = withTool('pager', () => numbers());
        await stream.next();
      })();
    });
    await sleep(100);
    let spans = (await h.collect()).spans.filter((span) => span.name === 'execute_tool pager');
    for (let attempt = 0; attempt < 50 && spans.length === 0; attempt++) {
      gc();
      await sleep(20);
      spans = (await h.collect()).spans.filter((span) => span.name === 'execute_tool pager');
    }
    expect(spans).toHaveLength(1);
    const [span] = spans;
    expect(span.attributes['swarmtrail.stream.abandoned']).toBe(true);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    // Ended at its last step, right after it started: not when the collector ran, 100 ms or more later.
    expect(durationMs(span)).toBeLessThan(80);
  });

  async function* numbers() {
    yield 1;
    yield 2;
  }
});
