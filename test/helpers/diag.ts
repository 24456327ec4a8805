import type { DiagLogger } from '@opentelemetry/api';

/** A diag logger that keeps what it is told (errors and warnings; `all` keeps every level). */
export function collectingDiagLogger(all = false): { logger: DiagLogger; messages: string[] } {
  const messages: string[] = [];
  const keep = (message: string): void => {
    messages.push(message);
  };
  const ignore = (): void => {};
  return { logger: { error: keep, warn: keep, info: all ? keep : ignore, debug: all ? keep : ignore, verbose: all ? keep : ignore }, messages };
}
