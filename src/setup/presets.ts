import type { JournalDiskCapPolicy, JournalDurability } from '../journal/Journal.js';

/** Named configurations for common situations; explicit options and environment variables still win. */
export type SwarmtrailPreset = 'production' | 'development' | 'compliance' | 'minimal';

export const PRESET_NAMES: readonly SwarmtrailPreset[] = ['production', 'development', 'compliance', 'minimal'];

/** The defaults a preset supplies (the README's Presets table). */
export interface PresetDefaults {
  readonly captureContent: boolean;
  /** Redact IP addresses too (personal data under GDPR). */
  readonly detectIpAddresses: boolean;
  readonly durability: JournalDurability;
  readonly diskCapPolicy: JournalDiskCapPolicy;
  readonly integrity: boolean;
  readonly checkpointEveryRecords: number | undefined;
  readonly checkpointIntervalSeconds: number | undefined;
  readonly auditSpanRecords: boolean;
  /** Warn at start when no signing key or no anchor is configured. */
  readonly requireExternalTrust: boolean;
}

export const PRESETS: Readonly<Record<SwarmtrailPreset, PresetDefaults>> = {
  // The built-in defaults.
  production: {
    captureContent: false,
    detectIpAddresses: false,
    durability: 'batch',
    diskCapPolicy: 'block',
    integrity: true,
    checkpointEveryRecords: undefined,
    checkpointIntervalSeconds: undefined,
    auditSpanRecords: true,
    requireExternalTrust: false,
  },
  // Prompts and outputs visible (still redacted), no fsync, no key files in the working tree.
  development: {
    captureContent: true,
    detectIpAddresses: false,
    durability: 'none',
    diskCapPolicy: 'block',
    integrity: false,
    checkpointEveryRecords: undefined,
    checkpointIntervalSeconds: undefined,
    auditSpanRecords: true,
    requireExternalTrust: false,
  },
  // Nothing lost (fsync per record, never drop), IP addresses redacted too, frequent checkpoints.
  compliance: {
    captureContent: false,
    detectIpAddresses: true,
    durability: 'record',
    diskCapPolicy: 'block',
    integrity: true,
    checkpointEveryRecords: 100,
    checkpointIntervalSeconds: 10,
    auditSpanRecords: true,
    requireExternalTrust: true,
  },
  // Spans and explicit audit events only: no span-end records, no hash chain.
  minimal: {
    captureContent: false,
    detectIpAddresses: false,
    durability: 'batch',
    diskCapPolicy: 'block',
    integrity: false,
    checkpointEveryRecords: undefined,
    checkpointIntervalSeconds: undefined,
    auditSpanRecords: false,
    requireExternalTrust: false,
  },
};
