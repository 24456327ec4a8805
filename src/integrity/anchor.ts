/** Reads external anchor files (JSON lines written by the hash-chain processor's `anchor` option). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CHECKPOINT_STATEMENT_VERSION, type CheckpointReason } from './checkpoint.js';
import type { AnchorEntry } from './TrailVerifier.js';

/** Thrown when an anchor path cannot be read or holds a line that is not an anchor entry. */
export class AnchorError extends Error {
  override readonly name = 'AnchorError';
}

function parseLine(text: string, location: string): AnchorEntry {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new AnchorError(`${location}: not JSON: ${(error as Error).message}`);
  }
  const field = (name: string): string => {
    const v = value[name];
    if (typeof v !== 'string') throw new AnchorError(`${location}: missing ${name}`);
    return v;
  };
  if (value.v !== CHECKPOINT_STATEMENT_VERSION) {
    throw new AnchorError(`${location}: anchor entry version ${JSON.stringify(value.v)}; this swarmtrail reads version ${CHECKPOINT_STATEMENT_VERSION}`);
  }
  const seq = Number(field('seq'));
  if (!Number.isSafeInteger(seq) || seq < 0) throw new AnchorError(`${location}: invalid seq`);
  const resourceKeys = value.resource_keys;
  if (!Array.isArray(resourceKeys) || !resourceKeys.every((key) => typeof key === 'string')) throw new AnchorError(`${location}: missing resource_keys`);
  const reason = field('reason') as CheckpointReason;
  const entry: AnchorEntry = {
    chainId: field('chain_id'),
    seq,
    headHash: field('head_hash'),
    time: field('time'),
    keyId: field('key_id'),
    final: value.final === true,
    reason,
    runId: field('run_id'),
    resourceHash: field('resource_hash'),
    resourceKeys,
    attributeKeysHash: field('attribute_keys_hash'),
    signature: field('signature'),
    publicKey: field('public_key'),
    location,
  };
  return typeof value.trace_id === 'string' ? { ...entry, traceId: value.trace_id } : entry;
}

/** Loads every entry of the anchor files or directories (`*.jsonl`) given. */
export function loadAnchorEntries(paths: readonly string[]): AnchorEntry[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new AnchorError(`anchor ${path} does not exist`);
    }
    if (isDirectory) for (const name of readdirSync(path).sort()) if (name.endsWith('.jsonl')) files.push(join(path, name));
    if (!isDirectory) files.push(path);
  }
  const entries: AnchorEntry[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, index) => {
      if (text.trim() === '') return;
      entries.push(parseLine(text, `${basename(file)}:${index + 1}`));
    });
  }
  return entries;
}
