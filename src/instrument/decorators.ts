import type { Span } from '@opentelemetry/api';
import { withAgent, type AgentSpec } from './withAgent.js';
import { withLLM, type LLMCall, type LLMResponse } from './withLLM.js';
import { withRun, type RunOptions } from './withRun.js';
import { withSpan, type SpanWrapperOptions } from './withSpan.js';
import { withTool, type ToolSpec } from './withTool.js';

// TC39 standard decorators (TypeScript 5+, no experimentalDecorators): each returns a
// replacement method that calls the original inside the matching wrapper, keeping `this`.
type Method<This, Args extends unknown[], Return> = (this: This, ...args: Args) => Return;

function nameOf(context: { readonly name: string | symbol }): string {
  return String(context.name);
}

/** `@run()` or `@run('workflow-name')`: the method runs a swarm (a new trace). */
export function run(name?: string, options?: RunOptions) {
  return function <This, Args extends unknown[], Return>(
    target: Method<This, Args, Return>,
    context: ClassMethodDecoratorContext<This, Method<This, Args, Return>>,
  ): Method<This, Args, Return> {
    const workflow = name ?? nameOf(context);
    return function (this: This, ...args: Args): Return {
      return withRun(workflow, () => target.apply(this, args), options);
    };
  };
}

/** `@agent()` or `@agent('planner')` / `@agent({ name, id, … })`: the method is an agent invocation. */
export function agent(spec?: string | AgentSpec) {
  return function <This, Args extends unknown[], Return>(
    target: Method<This, Args, Return>,
    context: ClassMethodDecoratorContext<This, Method<This, Args, Return>>,
  ): Method<This, Args, Return> {
    const resolved = spec ?? nameOf(context);
    return function (this: This, ...args: Args): Return {
      return withAgent(resolved, () => target.apply(this, args));
    };
  };
}

/** `@tool()` or `@tool('search')` / `@tool({ name, type })`: the method is a tool; its arguments are the call's arguments. */
export function tool(spec?: string | ToolSpec) {
  return function <This, Args extends unknown[], Return>(
    target: Method<This, Args, Return>,
    context: ClassMethodDecoratorContext<This, Method<This, Args, Return>>,
  ): Method<This, Args, Return> {
    const resolved = spec ?? nameOf(context);
    return function (this: This, ...args: Args): Return {
      return withTool(resolved, () => target.apply(this, args), {
        arguments: () => (args.length === 1 ? args[0] : args),
      });
    };
  };
}

/** Options of {@link llm}: the request, plus how to read the response from the method's result. */
export interface LLMDecoratorOptions extends LLMCall {
  /** Extracts the response (model, usage…) from the method's resolved result. Default none. */
  readonly response?: (result: unknown) => LLMResponse | undefined;
}

/** `@llm({ provider, model, response })`: the method makes an inference call. */
export function llm(options: LLMDecoratorOptions) {
  return function <This, Args extends unknown[], Return>(
    target: Method<This, Args, Return>,
    _context: ClassMethodDecoratorContext<This, Method<This, Args, Return>>,
  ): Method<This, Args, Return> {
    return function (this: This, ...args: Args): Return {
      return withLLM(options, (handle) => {
        const result = target.apply(this, args);
        const extract = options.response;
        if (extract === undefined) return result;
        const record = (value: unknown): void => {
          const response = extract(value);
          if (response !== undefined) handle.recordResponse(response);
        };
        if (result instanceof Promise) {
          return result.then((value: unknown) => {
            try {
              record(value);
            } catch {
              // A faulty extractor must not fail the user's call.
            }
            return value;
          }) as Return;
        }
        try {
          record(result);
        } catch {
          // As above.
        }
        return result;
      });
    };
  };
}

/** `@span('name')`: the method runs in a plain span. */
export function span(name?: string, options?: SpanWrapperOptions) {
  return function <This, Args extends unknown[], Return>(
    target: Method<This, Args, Return>,
    context: ClassMethodDecoratorContext<This, Method<This, Args, Return>>,
  ): Method<This, Args, Return> {
    const spanName = name ?? nameOf(context);
    return function (this: This, ...args: Args): Return {
      return withSpan(spanName, (_span: Span) => target.apply(this, args), options);
    };
  };
}
