/**
 * Reads a checkpoint's signed statement back from string-form attributes: those of a checkpoint
 * record (journal, file, Loki) or of a run's root span, which carries a copy of the run's final
 * checkpoint.
 */
import { keyListHash, type CheckpointReason, type CheckpointStatement } from './checkpoint.js';
import {
  ATTR_AUDIT_CHECKPOINT_ATTRIBUTE_KEYS,
  ATTR_AUDIT_CHECKPOINT_ATTRIBUTE_KEYS_HASH,
  ATTR_AUDIT_CHECKPOINT_FINAL,
  ATTR_AUDIT_CHECKPOINT_HEAD_HASH,
  ATTR_AUDIT_CHECKPOINT_KEY_ID,
  ATTR_AUDIT_CHECKPOINT_PUBLIC_KEY,
  ATTR_AUDIT_CHECKPOINT_REASON,
  ATTR_AUDIT_CHECKPOINT_RESOURCE_HASH,
  ATTR_AUDIT_CHECKPOINT_RESOURCE_KEYS,
  ATTR_AUDIT_CHECKPOINT_SEQ,
  ATTR_AUDIT_CHECKPOINT_SIGNATURE,
  ATTR_AUDIT_CHECKPOINT_TIME,
  ATTR_AUDIT_RUN_ID,
} from '../semconv.js';

/** A checkpoint as stated in attributes; `seq` is -1 when the attribute is not a sequence number. */
export interface StatedCheckpoint {
  readonly statement: CheckpointStatement;
  readonly signature: string;
  readonly publicKey: string;
}

function stringList(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

function coveredSeq(text: string | undefined): number {
  return text !== undefined && /^(?:0|[1-9][0-9]{0,14})$/.test(text) ? Number(text) : -1;
}

/** The statement a checkpoint's attributes (in string form: arrays as canonical JSON) state. */
export function statedCheckpoint(chainId: string, a: Readonly<Record<string, string>>): StatedCheckpoint {
  const attributeKeysHash =
    a[ATTR_AUDIT_CHECKPOINT_ATTRIBUTE_KEYS_HASH] ?? keyListHash(stringList(a[ATTR_AUDIT_CHECKPOINT_ATTRIBUTE_KEYS]));
  return {
    statement: {
      chainId,
      seq: coveredSeq(a[ATTR_AUDIT_CHECKPOINT_SEQ]),
      headHash: a[ATTR_AUDIT_CHECKPOINT_HEAD_HASH] ?? '',
      time: a[ATTR_AUDIT_CHECKPOINT_TIME] ?? '',
      keyId: a[ATTR_AUDIT_CHECKPOINT_KEY_ID] ?? '',
      final: a[ATTR_AUDIT_CHECKPOINT_FINAL] === 'true',
      reason: (a[ATTR_AUDIT_CHECKPOINT_REASON] ?? '') as CheckpointReason,
      runId: a[ATTR_AUDIT_RUN_ID] ?? '',
      resourceHash: a[ATTR_AUDIT_CHECKPOINT_RESOURCE_HASH] ?? '',
      resourceKeys: stringList(a[ATTR_AUDIT_CHECKPOINT_RESOURCE_KEYS]),
      attributeKeysHash,
    },
    signature: a[ATTR_AUDIT_CHECKPOINT_SIGNATURE] ?? '',
    publicKey: a[ATTR_AUDIT_CHECKPOINT_PUBLIC_KEY] ?? '',
  };
}
