import type { Logger } from '@opentelemetry/api';
import { emitAuditEvent } from '../instrument/audit.js';
import { INSTRUMENTATION_SCOPE_VERSION } from '../instrument/withSpan.js';
import {
  ATTR_AUDIT_SYSTEM_COMPONENTS,
  ATTR_AUDIT_SYSTEM_PRESET,
  ATTR_AUDIT_SYSTEM_UPTIME,
  ATTR_PROCESS_PID,
  ATTR_PROCESS_RUNTIME_VERSION,
  AUDIT_EVENT_TYPE_SYSTEM_START,
  AUDIT_EVENT_TYPE_SYSTEM_STOP,
} from '../semconv.js';
import type { SwarmtrailPreset } from './presets.js';

/** What a started SDK instance says about itself at start and stop (the field notes' "system" events). */
export interface SystemEventsOptions {
  readonly logger: Logger;
  readonly preset: SwarmtrailPreset;
  /** The pipeline stages that are on. */
  readonly components: readonly string[];
}

/** Emits `system.start` now and returns the function that emits `system.stop`. */
export function emitSystemStart(options: SystemEventsOptions): () => void {
  const startedAt = performance.now();
  const known = [
    ATTR_AUDIT_SYSTEM_PRESET, options.preset,
    ATTR_AUDIT_SYSTEM_COMPONENTS, [...options.components],
    ATTR_PROCESS_PID, process.pid,
    ATTR_PROCESS_RUNTIME_VERSION, process.versions.node,
  ];
  emitAuditEvent(AUDIT_EVENT_TYPE_SYSTEM_START, {
    logger: options.logger,
    message: `swarmtrail ${INSTRUMENTATION_SCOPE_VERSION} started (preset ${options.preset}: ${options.components.join(', ')})`,
    known,
  });
  return () => {
    const uptime = (performance.now() - startedAt) / 1000;
    emitAuditEvent(AUDIT_EVENT_TYPE_SYSTEM_STOP, {
      logger: options.logger,
      message: `swarmtrail stopping after ${uptime < 1 ? `${Math.round(uptime * 1000)} ms` : `${uptime.toFixed(1)} s`}`,
      known: [...known, ATTR_AUDIT_SYSTEM_UPTIME, uptime],
    });
  };
}
