import { DEFAULT_SERIALIZE_LIMITS, type SerializeLimits } from '../internal/serialize.js';
import { readCaptureContent } from '../setup/environment.js';

/** Settings the instrumentation reads on every call; `start()` sets them once. */
export interface InstrumentationSettings {
  /** Record prompts, completions, tool arguments and results. */
  readonly captureContent: boolean;
  /** Wrappers call the user's function directly and record nothing. */
  readonly disabled: boolean;
  readonly limits: SerializeLimits;
}

let settings: InstrumentationSettings = {
  // Without start() (a user wiring their own OTel SDK), the standard variable still applies.
  captureContent: readCaptureContent(process.env) ?? false,
  disabled: false,
  limits: DEFAULT_SERIALIZE_LIMITS,
};

export function configureInstrumentation(next: Partial<InstrumentationSettings>): void {
  settings = { ...settings, ...next };
}

export function instrumentationSettings(): InstrumentationSettings {
  return settings;
}

/**
 * The one gate for content (prompts, outputs, tool arguments and results): the producer is
 * only called, and its value only serialised, when capture is on.
 */
export function captureContent<T>(produce: T | (() => T)): T | undefined {
  if (!settings.captureContent) return undefined;
  try {
    return typeof produce === 'function' ? (produce as () => T)() : produce;
  } catch {
    return undefined;
  }
}
