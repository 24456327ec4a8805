/**
 * Checkpoints: a signed statement "chain C had head hash H at sequence S at time T".
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalize } from './jcs.js';
import type { SigningKey } from './keys.js';

/** What a checkpoint states; the signature covers exactly `checkpointStatementText(statement)`. */
export interface CheckpointStatement {
  readonly chainId: string;
  /** Sequence number of the last record covered (the record right before the checkpoint record). */
  readonly seq: number;
  /** `audit.record.hash` of that record (64 zeros when the chain had no record yet). */
  readonly headHash: string;
  /** RFC 3339 UTC time with milliseconds. */
  readonly time: string;
  readonly keyId: string;
}

export type CheckpointReason = 'count' | 'interval' | 'run.end' | 'shutdown' | 'evicted' | 'requested';

/** A signed checkpoint, as emitted, anchored and handed to `onCheckpoint`. */
export interface SignedCheckpoint extends CheckpointStatement {
  /** Ed25519 signature, hex. */
  readonly signature: string;
  /** Raw public key of the signer, hex. */
  readonly publicKey: string;
  readonly final: boolean;
  readonly reason: CheckpointReason;
  /** Trace id of the run the chain belongs to, when it has one. */
  readonly traceId?: string;
}

/** The canonical (RFC 8785) text that is signed. */
export function checkpointStatementText(statement: CheckpointStatement): string {
  return canonicalize({
    v: '1',
    type: 'swarmtrail.checkpoint',
    chain_id: statement.chainId,
    seq: String(statement.seq),
    head_hash: statement.headHash,
    time: statement.time,
    key_id: statement.keyId,
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

/** One line of an anchor file (JSON Lines), e.g. `{"v":"1","chain_id":...}`. */
export function anchorLine(checkpoint: SignedCheckpoint): string {
  return `${canonicalize({
    v: '1',
    chain_id: checkpoint.chainId,
    seq: String(checkpoint.seq),
    head_hash: checkpoint.headHash,
    time: checkpoint.time,
    key_id: checkpoint.keyId,
    signature: checkpoint.signature,
    public_key: checkpoint.publicKey,
    final: checkpoint.final,
    reason: checkpoint.reason,
    trace_id: checkpoint.traceId,
  })}\n`;
}
