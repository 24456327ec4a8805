// Type-level tests: checked by `tsc -p tsconfig.json` (npm run typecheck); the calls also run.
import type { Link, Span, SpanContext } from '@opentelemetry/api';
import { describe, expectTypeOf, it } from 'vitest';
import {
  withAgent,
  withLLM,
  withRun,
  withSpan,
  withTool,
  type LLMCall,
  type LLMHandle,
  type RunHandle,
} from '../../src/index.js';

class ApiPromise<T> extends Promise<T> {
  withResponse(): Promise<{ data: T }> {
    return this.then((data) => ({ data }));
  }
}

describe('wrapper types', () => {
  it('return exactly the type of the function they wrap', async () => {
    expectTypeOf(withSpan('sync', () => 1)).toEqualTypeOf<number>();
    expectTypeOf(withSpan('async', async () => 'a')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(withSpan('void', () => {})).toEqualTypeOf<void>();
    expectTypeOf(withTool('t', () => ({ rows: 3 }))).toEqualTypeOf<{ rows: number }>();
    expectTypeOf(withAgent('a', async () => [1, 2])).toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(withRun('r', ({ runId }) => runId)).toEqualTypeOf<string>();
    // A Promise subclass keeps its own type (and, at run time, its identity and methods).
    const subclass = withLLM({ provider: 'p', model: 'm' }, () => ApiPromise.resolve(1) as ApiPromise<number>);
    expectTypeOf(subclass).toEqualTypeOf<ApiPromise<number>>();
    expectTypeOf(subclass.withResponse()).toEqualTypeOf<Promise<{ data: number }>>();
    await subclass;
    async function* chunks(): AsyncGenerator<string, void, undefined> {
      yield 'chunk';
    }
    expectTypeOf(withLLM({ provider: 'p', model: 'm', stream: true }, () => chunks())).toEqualTypeOf<AsyncGenerator<string, void, undefined>>();
  });

  it('hand each callback what it documents', () => {
    withSpan('s', (span) => expectTypeOf(span).toEqualTypeOf<Span>());
    withTool('t', (span) => expectTypeOf(span).toEqualTypeOf<Span>());
    withAgent('a', (span) => expectTypeOf(span).toEqualTypeOf<Span>());
    withRun('r', (run) => expectTypeOf(run).toEqualTypeOf<RunHandle>());
    withLLM({ provider: 'p', model: 'm' }, (llm) => expectTypeOf(llm).toEqualTypeOf<LLMHandle>());
    expectTypeOf<LLMCall['links']>().toEqualTypeOf<Link[] | undefined>();
    expectTypeOf<Link['context']>().toEqualTypeOf<SpanContext>();
  });
});
