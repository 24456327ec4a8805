import { withAgent, type AgentSpec } from './withAgent.js';
import { withLLM, type LLMCall, type LLMHandle, type LLMResponse } from './withLLM.js';
import { withRun, type RunOptions } from './withRun.js';
import { withSpan, type SpanWrapperOptions } from './withSpan.js';
import { withTool, type ToolSpec } from './withTool.js';

// TC39 standard decorators (TypeScript 5+, no experimentalDecorators): each returns a
// replacement method that calls the original inside the matching wrapper, keeping `this`.
type Method<This, Args extends unknown[], Return> = (this: This, ...args: Args) => Return;

/** Builds a method decorator from "run `call` (the original method) inside a wrapper". */
function wrapMethod(wrap: (methodName: string, call: () => unknown, args: readonly unknown[]) => unknown) {
  return function <This, Args extends unknown[], Return>(
    target: Method<This, Args, Return>,
    context: ClassMethodDecoratorContext<This, Method<This, Args, Return>>,
  ): Method<This, Args, Return> {
    const methodName = String(context.name);
    return function (this: This, ...args: Args): Return {
      return wrap(methodName, () => target.apply(this, args), args) as Return;
    };
  };
}

/** `@run()` or `@run('workflow-name')`: the method runs a swarm (a new trace). */
export function run(name?: string, options?: RunOptions) {
  return wrapMethod((method, call) => withRun(name ?? method, call, options));
}

/** `@agent()` or `@agent('planner')` / `@agent({ name, id, … })`: the method is an agent invocation. */
export function agent(spec?: string | AgentSpec) {
  return wrapMethod((method, call) => withAgent(spec ?? method, call));
}

/** `@tool()` or `@tool('search')` / `@tool({ name, type })`: the method is a tool; its arguments are the call's arguments. */
export function tool(spec?: string | ToolSpec) {
  return wrapMethod((method, call, args) =>
    withTool(spec ?? method, call, { arguments: () => (args.length === 1 ? args[0] : args) }),
  );
}

/** Options of {@link llm}: the request, plus how to read the response from the method's result. */
export interface LLMDecoratorOptions extends LLMCall {
  /** Extracts the response (model, usage…) from the method's resolved result. Default none. */
  readonly response?: (result: unknown) => LLMResponse | undefined;
}

function recordExtracted(handle: LLMHandle, extract: (result: unknown) => LLMResponse | undefined, value: unknown): void {
  try {
    const response = extract(value);
    if (response !== undefined) handle.recordResponse(response);
  } catch {
    // A faulty extractor must not fail the user's call.
  }
}

function ignore(): void {}

/**
 * `@llm({ provider, model, response })`: the method makes an inference call. The method's value is
 * returned as the very same object; with `response`, a returned Promise is observed on the side.
 */
export function llm(options: LLMDecoratorOptions) {
  return wrapMethod((_method, call) =>
    withLLM(options, (handle) => {
      const result = call();
      const extract = options.response;
      if (extract === undefined) return result;
      if (result instanceof Promise) {
        // Attached before withLLM's own handler, so the response is recorded before the span ends.
        // The rejection handler keeps this side chain from raising an unhandled rejection.
        try {
          void result.then((value: unknown) => recordExtracted(handle, extract, value), ignore);
        } catch {
          // A Promise subclass whose then() throws: the response is not extracted.
        }
        return result;
      }
      recordExtracted(handle, extract, result);
      return result;
    }),
  );
}

/** `@span('name')`: the method runs in a plain span. */
export function span(name?: string, options?: SpanWrapperOptions) {
  return wrapMethod((method, call) => withSpan(name ?? method, call, options));
}
