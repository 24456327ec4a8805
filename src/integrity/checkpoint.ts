/**
 * Checkpoints: a signed statement "chain C had head hash H at sequence S at time T".
 */
import { hash, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalize } from './jcs.js';
import type { SigningKey } from './keys.js';

export type CheckpointReason = 'count' | 'interval' | 'run.end' | 'shutdown' | 'evicted' | 'requested';

/**
 * What a checkpoint states; the signature covers exactly `checkpointStatementText(statement)`.
 * Everything a verifier relies on is in it: the last checkpoint of a chain is its last record, so
 * no later hash covers that record, and an unsigned field there could be changed at will.
 */
export interface CheckpointStatement {
  readonly chainId: string;
  /** Sequence number of the last record covered (the record right before the checkpoint record). */
  readonly seq: number;
  /** `audit.record.hash` of that record (64 zeros when the chain had no record yet). */
  readonly headHash: string;
  /** RFC 3339 UTC time with milliseconds. */
  readonly time: string;
  readonly keyId: string;
  /** The chain's last checkpoint: records after it, or a chain cut before it, are tampering. */
  readonly final: boolean;
  readonly reason: CheckpointReason;
  /** The run (`audit.run.id`) the chain belongs to; `''` for a process's records outside runs. */
  readonly runId: string;
  /** SHA-256 (hex) of the writer resource restricted to `resourceKeys` (string-form values). */
  readonly resourceHash: string;
  /** The writer's resource attribute keys, sorted. */
  readonly resourceKeys: readonly string[];
  /** SHA-256 (hex) of the canonical JSON array of the chain's attribute keys since the previous checkpoint (sorted). */
  readonly attributeKeysHash: string;
}

/** A signed checkpoint, as emitted, anchored and handed to `onCheckpoint`. */
export interface SignedCheckpoint extends CheckpointStatement {
  /** Ed25519 signature, hex. */
  readonly signature: string;
  /** Raw public key of the signer, hex. */
  readonly publicKey: string;
  /** Trace id of the run the chain belongs to, when it has one. */
  readonly traceId?: string;
}

/** Version of the signed statement, carried in it as `v`. */
export const CHECKPOINT_STATEMENT_VERSION = '2';

/** SHA-256 (hex) of a sorted key list's canonical JSON: what `attributeKeysHash` states. */
export function keyListHash(keys: Iterable<string>): string {
  return hash('sha256', canonicalize([...keys].sort()));
}

/** The canonical (RFC 8785) text that is signed. */
export function checkpointStatementText(statement: CheckpointStatement): string {
  return canonicalize({
    v: CHECKPOINT_STATEMENT_VERSION,
    type: 'swarmtrail.checkpoint',
    chain_id: statement.chainId,
    seq: String(statement.seq),
    head_hash: statement.headHash,
    time: statement.time,
    key_id: statement.keyId,
    final: statement.final ? 'true' : 'false',
    reason: statement.reason,
    run_id: statement.runId,
    resource_hash: statement.resourceHash,
    resource_keys: [...statement.resourceKeys],
    attribute_keys_hash: statement.attributeKeysHash,
  });
}

/** Signs a statement. */
export function signCheckpoint(statement: CheckpointStatement, key: SigningKey): string {
  return sign(null, Buffer.from(checkpointStatementText(statement), 'utf8'), key.privateKey).toString('hex');
}

/** True when `signatureHex` is a valid signature of `statement` by `publicKey`. Never throws. */
export function verifyCheckpointSignature(statement: CheckpointStatement, signatureHex: string, publicKey: KeyObject): boolean {
  if (!/^[0-9a-f]{128}$/i.test(signatureHex)) return false;
  try {
    return verify(null, Buffer.from(checkpointStatementText(statement), 'utf8'), publicKey, Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}

/** One line of an anchor file (JSON Lines): the statement's fields, the signature and the public key. */
export function anchorLine(checkpoint: SignedCheckpoint): string {
  return `${canonicalize({
    v: CHECKPOINT_STATEMENT_VERSION,
    chain_id: checkpoint.chainId,
    seq: String(checkpoint.seq),
    head_hash: checkpoint.headHash,
    time: checkpoint.time,
    key_id: checkpoint.keyId,
    final: checkpoint.final,
    reason: checkpoint.reason,
    run_id: checkpoint.runId,
    resource_hash: checkpoint.resourceHash,
    resource_keys: [...checkpoint.resourceKeys],
    attribute_keys_hash: checkpoint.attributeKeysHash,
    signature: checkpoint.signature,
    public_key: checkpoint.publicKey,
    trace_id: checkpoint.traceId,
  })}\n`;
}
