import { resetLoggerCache } from './audit.js';
import { resetTracerCache } from './withSpan.js';

/** @internal After the global providers change, the cached tracer and logger must be fetched again. */
export function resetInstrumentationCaches(): void {
  resetTracerCache();
  resetLoggerCache();
}
