import type { KeyObject } from 'node:crypto';
import type { SignedCheckpoint } from './checkpoint.js';

/** Options of the tamper-evident audit trail (`StartOptions.integrity`). */
export interface IntegrityOptions {
  /** Chain and sign audit records. Default `true`. */
  readonly enabled?: boolean;
  /** A checkpoint after this many records of a chain. Default `1000`. */
  readonly checkpointEveryRecords?: number;
  /**
   * Seconds between timer checkpoints: every open chain gets one, even when idle (no new records:
   * the checkpoint restates the head with a fresh time). The timer is unref'd. Default `60`; `0`
   * disables it.
   */
  readonly checkpointIntervalSeconds?: number;
  /**
   * Ed25519 private key: PEM text (PKCS#8), a path to a PEM file, or a `KeyObject`.
   * Environment: `SWARMTRAIL_SIGNING_KEY`. Default: a key generated once and kept in `keyDirectory`.
   */
  readonly signingKey?: string | KeyObject;
  /** Key id put in checkpoints. Environment: `SWARMTRAIL_SIGNING_KEY_ID`. Default `ed25519:<16 hex of SHA-256(public key)>`. */
  readonly signingKeyId?: string;
  /** Where a generated key is kept. Default `<directory>/keys` (next to `<directory>/journal`). */
  readonly keyDirectory?: string;
  /**
   * External anchor: every checkpoint is also appended (one JSON line) to this file, or to
   * `<dir>/anchor-<pid>-<start time>.jsonl` when it is an existing directory.
   * Environment: `SWARMTRAIL_ANCHOR`. Default: none.
   */
  readonly anchor?: string;
  /** Chain every log record, not only audit records (those with `audit.event.type`). Default `false`. */
  readonly chainAllLogRecords?: boolean;
  /** Open chains kept at most; beyond it the oldest is sealed with a final checkpoint. Default `10000`. */
  readonly maxOpenChains?: number;
  /** Called with every checkpoint (e.g. to set it on the run's root span). Exceptions are caught. */
  readonly onCheckpoint?: (checkpoint: SignedCheckpoint) => void;
}

export const DEFAULT_CHECKPOINT_EVERY_RECORDS = 1000;
export const DEFAULT_CHECKPOINT_INTERVAL_SECONDS = 60;
export const DEFAULT_MAX_OPEN_CHAINS = 10_000;
