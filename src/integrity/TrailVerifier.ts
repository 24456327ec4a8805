/**
 * Verifies hash-chained audit records, whatever store they were read from.
 *
 * Feed records in storage order with `add` (and unreadable lines with `corruptLine`), then call
 * `finish` for the report. Per chain it finds: modified records, broken links, missing records
 * (gaps), records out of storage order, forks, truncation, records appended after the final
 * checkpoint, bad or untrusted checkpoint signatures; duplicates are counted and ignored.
 *
 * Memory per chain is 33 bytes per sequence number plus what the findings hold, so a million-record
 * trail verifies in a few tens of megabytes.
 */
import { hash as digest, type KeyObject } from 'node:crypto';
import { verifyCheckpointSignature, type CheckpointStatement } from './checkpoint.js';
import { statedCheckpoint } from './checkpointFields.js';
import { publicKeyFromHex, type TrustedKey } from './keys.js';
import { canonicalProjection, GENESIS_HASH, type RecordProjection } from './projection.js';
import {
  ATTR_AUDIT_CHAIN_ID,
  ATTR_AUDIT_CHAIN_PREV_HASH,
  ATTR_AUDIT_CHAIN_SEQ,
  ATTR_AUDIT_EVENT_TYPE,
  AUDIT_EVENT_TYPE_CHECKPOINT,
} from '../semconv.js';

/** What can be wrong with a trail. Each is a failure (exit code 1) except as noted in the docs. */
export type FailureKind =
  /** A record's content does not match its `audit.record.hash` (or its eventName its type). */
  | 'modified'
  /** A record's `audit.chain.prev_hash` is not the hash of the record before it: replaced or inserted records. */
  | 'chain-broken'
  /** Sequence numbers missing inside a chain (deleted records). */
  | 'missing'
  /** A record stored after a record with a higher sequence number. */
  | 'reordered'
  /** Two different, individually intact records with the same chain and sequence number. */
  | 'fork'
  /** Records missing at the end of a chain: a checkpoint or anchor covers more, or no final checkpoint. */
  | 'truncated'
  /** Records after the chain's final checkpoint. */
  | 'appended'
  /** A checkpoint signature is missing or does not verify. */
  | 'bad-signature'
  /** A checkpoint is signed by a key that is not trusted. */
  | 'unknown-key'
  /** A checkpoint (or anchor entry) disagrees with the records it covers. */
  | 'bad-checkpoint'
  /** A stored line or entry cannot be read as OTLP. */
  | 'corrupt'
  /** An audit record without chain attributes. */
  | 'unchained';

export const FAILURE_KINDS: readonly FailureKind[] = [
  'modified', 'chain-broken', 'missing', 'reordered', 'fork', 'truncated', 'appended',
  'bad-signature', 'unknown-key', 'bad-checkpoint', 'corrupt', 'unchained',
];

export interface Finding {
  readonly kind: FailureKind;
  readonly chainId?: string;
  /** First sequence number concerned. */
  readonly seq?: number;
  /** Last sequence number concerned, for ranges. */
  readonly seqEnd?: number;
  /** Where in the store (file:line, or a Loki timestamp). */
  readonly location?: string;
  readonly message: string;
}

export interface ChainReport {
  readonly chainId: string;
  readonly traceId: string | undefined;
  /** Distinct records (duplicates not counted). */
  readonly records: number;
  readonly duplicates: number;
  readonly lastSeq: number;
  readonly checkpoints: number;
  /** Highest sequence number covered by a valid checkpoint or anchor entry. */
  readonly checkpointedSeq: number;
  readonly sealed: boolean;
  readonly ok: boolean;
  readonly findings: Finding[];
}

export interface VerificationReport {
  readonly ok: boolean;
  readonly source: string;
  /** Records read (including duplicates and records outside any chain). */
  readonly recordsRead: number;
  readonly chains: ChainReport[];
  /** Findings not tied to one chain (corrupt lines, unchained records, anchored chains not found). */
  readonly findings: Finding[];
  /** Not failures: torn last lines, open chains with `allowOpen`, trust-on-first-use keys. */
  readonly warnings: string[];
  /** Failures by kind (all chains). */
  readonly failures: Partial<Record<FailureKind, number>>;
}

/** One record as a source hands it to the verifier. */
export interface TrailRecord {
  readonly projection: RecordProjection;
  /** `audit.record.hash` as stored. */
  readonly storedHash: string | undefined;
  /** The log record's eventName as stored; `undefined` when the store does not keep it (Loki). */
  readonly eventName: string | undefined;
  /** True when the store keeps eventName, so a missing or wrong one is a modification. */
  readonly eventNameKept: boolean;
  /** Hash of the record's resource over the chain's resource keys, when the source can compute it. */
  readonly resourceHash?: (keys: readonly string[]) => string;
  readonly location: string;
  /**
   * Records of one batch (an OTLP export request) are ordered only within their group (resource +
   * scope): OTLP groups a batch by scope, so order across groups is not meaningful. Default 0.
   */
  readonly orderGroup?: number;
}

/**
 * A checkpoint stored outside the chain it covers: a line of an anchor file, or the copy of a run's
 * final checkpoint on its root span (`origin` `span`).
 */
export interface AnchorEntry extends CheckpointStatement {
  readonly signature: string;
  readonly publicKey: string;
  readonly traceId?: string;
  readonly location: string;
  /** Default `anchor`. */
  readonly origin?: 'anchor' | 'span';
}

export interface TrailVerifierOptions {
  /** Human description of what is verified (a path, a Loki query). */
  readonly source: string;
  /** Whether storage order is meaningful (journal, file: yes; Loki: no). Default true. */
  readonly ordered?: boolean;
  /** Public keys trusted for checkpoint signatures. Empty: the keys embedded in checkpoints (warning). */
  readonly trustedKeys?: readonly TrustedKey[];
  /** Entries of external anchor files. */
  readonly anchors?: readonly AnchorEntry[];
  /**
   * Which anchored chains must be present: `all` (verifying a whole journal or file), a set of trace
   * ids (verifying one run), or `none` (a time range). Default `all`.
   */
  readonly anchorScope?: 'all' | 'none' | RunSelection;
  /** Chains without a final checkpoint are a warning instead of a `truncated` failure. Default false. */
  readonly allowOpen?: boolean;
  /**
   * Audit records without chain attributes (written with integrity off, e.g. the `development`
   * or `minimal` preset) are counted in a warning instead of each being an `unchained` failure.
   * They are then simply not verified. Default false.
   */
  readonly allowUnchained?: boolean;
  /** Only records of these runs (trace ids) are verified; others are skipped. Default: all. */
  readonly traceIds?: RunSelection;
}

/** The runs (trace ids) a verification is restricted to, e.g. a set, or every id with a prefix. */
export interface RunSelection {
  has(traceId: string): boolean;
}

const STATE_ABSENT = 0;
const STATE_OK = 1;
const STATE_MODIFIED = 2;
const HASH_BYTES = 32;
/** How far beyond twice the records seen a seq may be and still be stored densely. */
const DENSE_SLACK = 4096;
const HEX64 = /^[0-9a-f]{64}$/;

interface CheckpointSeen {
  readonly recordSeq: number;
  readonly attributes: Readonly<Record<string, string>>;
  readonly location: string;
}

interface PendingLink {
  readonly seq: number;
  readonly prev: string;
  readonly location: string;
}

class ChainState {
  readonly id: string;
  traceId: string | undefined;
  hashes = Buffer.alloc(HASH_BYTES * 64);
  states = new Uint8Array(64);
  readonly sparse = new Map<number, { hash: string; state: number }>();
  /** The seq last stored and its hash: the in-order fast path of link checks. */
  lastSeq = 0;
  lastHash = '';
  readonly pendingLinks: PendingLink[] = [];
  readonly checkpoints: CheckpointSeen[] = [];
  /** One entry per distinct resource (the source passes the same function for records sharing one). */
  readonly resourceHashes = new Map<(keys: readonly string[]) => string, string>();
  readonly findings: Finding[] = [];
  /** Highest seq stored in earlier batches. */
  maxBefore = 0;
  /** Highest seq per order group in the current batch. */
  readonly batchMax = new Map<number, number>();
  records = 0;
  duplicates = 0;

  constructor(id: string) {
    this.id = id;
  }

  private grow(seq: number): void {
    let capacity = this.states.length;
    while (capacity < seq) capacity *= 2;
    const hashes = Buffer.alloc(HASH_BYTES * capacity);
    this.hashes.copy(hashes);
    const states = new Uint8Array(capacity);
    states.set(this.states);
    this.hashes = hashes;
    this.states = states;
    for (const [sparseSeq, entry] of this.sparse) {
      if (sparseSeq > capacity) continue;
      this.hashes.write(entry.hash, (sparseSeq - 1) * HASH_BYTES, HASH_BYTES, 'hex');
      this.states[sparseSeq - 1] = entry.state;
      this.sparse.delete(sparseSeq);
    }
  }

  state(seq: number): number {
    if (seq <= this.states.length) return this.states[seq - 1];
    return this.sparse.get(seq)?.state ?? STATE_ABSENT;
  }

  /** The (link) hash stored for a present seq, lowercase hex. */
  hash(seq: number): string {
    if (seq === this.lastSeq) return this.lastHash;
    if (seq <= this.states.length) return this.hashes.toString('hex', (seq - 1) * HASH_BYTES, seq * HASH_BYTES);
    return this.sparse.get(seq)!.hash;
  }

  /** Stores a 64-digit lowercase hex hash for `seq`. */
  set(seq: number, hash: string, state: number): void {
    this.lastSeq = seq;
    this.lastHash = hash;
    if (seq > this.states.length) {
      // Dense storage grows with the records seen; a forged huge seq must not allocate gigabytes.
      if (seq > this.records * 2 + DENSE_SLACK) {
        this.sparse.set(seq, { hash, state });
        return;
      }
      this.grow(seq);
    }
    this.hashes.write(hash, (seq - 1) * HASH_BYTES, HASH_BYTES, 'hex');
    this.states[seq - 1] = state;
  }

  /** Calls `onGap(from, to)` for every run of absent seqs below the highest present one; returns that one. */
  scanGaps(onGap: (from: number, to: number) => void): number {
    let previous = 0;
    const visit = (seq: number): void => {
      if (seq > previous + 1) onGap(previous + 1, seq - 1);
      previous = seq;
    };
    for (let i = 0; i < this.states.length; i += 1) if (this.states[i] !== STATE_ABSENT) visit(i + 1);
    for (const seq of [...this.sparse.keys()].sort((a, b) => a - b)) visit(seq);
    return previous;
  }
}

function parseSeq(value: string | undefined): number | undefined {
  if (value === undefined || !/^[1-9][0-9]{0,14}$/.test(value)) return undefined;
  return Number(value);
}

export class TrailVerifier {
  private readonly _options: TrailVerifierOptions;
  private readonly _ordered: boolean;
  private readonly _chains = new Map<string, ChainState>();
  private readonly _findings: Finding[] = [];
  private readonly _warnings: string[] = [];
  private readonly _trustedByHex = new Map<string, TrustedKey>();
  private readonly _embeddedKeys = new Map<string, KeyObject | null>();
  private readonly _touched = new Set<ChainState>();
  private _recordsRead = 0;
  private _tofuUsed = false;
  private readonly _extraAnchors: AnchorEntry[] = [];
  private _unchained = 0;

  constructor(options: TrailVerifierOptions) {
    this._options = options;
    this._ordered = options.ordered ?? true;
    for (const key of options.trustedKeys ?? []) this._trustedByHex.set(key.publicKeyHex, key);
  }

  /** A stored line or entry that could not be read. A torn last line is a warning, not a failure. */
  corruptLine(location: string, reason: string, torn = false): void {
    if (torn) this._warnings.push(`${location}: torn last line skipped (${reason}); records in it are treated as absent`);
    else this._findings.push({ kind: 'corrupt', location, message: `unreadable: ${reason}` });
  }

  /** Ends a batch (an export request / journal line): its records now all precede later ones. */
  endBatch(): void {
    for (const chain of this._touched) {
      for (const max of chain.batchMax.values()) if (max > chain.maxBefore) chain.maxBefore = max;
      chain.batchMax.clear();
    }
    this._touched.clear();
  }

  warn(message: string): void {
    this._warnings.push(message);
  }

  /** A checkpoint found outside the chain, e.g. on a run's root span, checked like an anchor entry. */
  addAnchor(entry: AnchorEntry): void {
    if (this._selected(entry.traceId)) this._extraAnchors.push(entry);
  }

  /** Whether a record or checkpoint of trace `traceId` is in the runs verified (`traceIds`). */
  private _selected(traceId: string | undefined): boolean {
    const only = this._options.traceIds;
    return only === undefined || (traceId !== undefined && only.has(traceId));
  }

  add(record: TrailRecord): void {
    if (!this._selected(record.projection.trace_id)) return;
    this._recordsRead += 1;
    const attributes = record.projection.attributes;
    const chainId = attributes[ATTR_AUDIT_CHAIN_ID];
    const type = attributes[ATTR_AUDIT_EVENT_TYPE];
    if (chainId === undefined) {
      if (type !== undefined) {
        if (this._options.allowUnchained === true) this._unchained += 1;
        else this._findings.push({ kind: 'unchained', location: record.location, message: `audit record (type ${type}) without ${ATTR_AUDIT_CHAIN_ID}` });
      }
      return;
    }
    let chain = this._chains.get(chainId);
    if (chain === undefined) {
      chain = new ChainState(chainId);
      this._chains.set(chainId, chain);
    }
    chain.traceId ??= record.projection.trace_id;
    const seq = parseSeq(attributes[ATTR_AUDIT_CHAIN_SEQ]);
    if (seq === undefined) {
      chain.findings.push({ kind: 'modified', chainId, location: record.location, message: `invalid ${ATTR_AUDIT_CHAIN_SEQ} ${JSON.stringify(attributes[ATTR_AUDIT_CHAIN_SEQ])}` });
      return;
    }
    const computed = digest('sha256', canonicalProjection(record.projection));
    const stored = record.storedHash;
    const hashMatches = stored !== undefined && stored === computed;
    let reason: string | undefined;
    if (!hashMatches) {
      reason = stored === undefined ? 'no audit.record.hash' : 'content does not match audit.record.hash';
    } else if (record.eventNameKept && type !== undefined && record.eventName !== `audit.${type}`) {
      reason = `eventName ${JSON.stringify(record.eventName ?? null)} does not match audit.event.type ${JSON.stringify(type)}`;
    }
    const modified = reason !== undefined;
    // For links, a modified record stands for the record it claims to be.
    const linkHash = hashMatches || stored === undefined || !HEX64.test(stored) ? computed : stored;

    const existing = chain.state(seq);
    if (existing !== STATE_ABSENT) {
      if (!modified && existing === STATE_OK && chain.hash(seq) === linkHash) {
        chain.duplicates += 1;
        return;
      }
      if (modified) {
        chain.findings.push({ kind: 'modified', chainId, seq, location: record.location, message: reason! });
        return;
      }
      if (existing === STATE_MODIFIED) {
        chain.set(seq, linkHash, STATE_OK);
      } else {
        chain.findings.push({ kind: 'fork', chainId, seq, location: record.location, message: `a second, different record with seq ${seq}` });
        return;
      }
    } else {
      chain.records += 1;
      chain.set(seq, linkHash, modified ? STATE_MODIFIED : STATE_OK);
    }
    if (this._ordered) {
      const group = record.orderGroup ?? 0;
      const groupMax = chain.batchMax.get(group) ?? 0;
      const bound = Math.max(chain.maxBefore, groupMax);
      if (seq < bound) chain.findings.push({ kind: 'reordered', chainId, seq, location: record.location, message: `seq ${seq} stored after seq ${bound}` });
      if (seq > groupMax) chain.batchMax.set(group, seq);
      this._touched.add(chain);
    }
    if (modified) {
      chain.findings.push({ kind: 'modified', chainId, seq, location: record.location, message: reason! });
      return;
    }
    const prev = attributes[ATTR_AUDIT_CHAIN_PREV_HASH] ?? '';
    if (seq === 1) {
      if (prev !== GENESIS_HASH) chain.findings.push({ kind: 'chain-broken', chainId, seq, location: record.location, message: 'first record does not start from the genesis hash' });
    } else if (chain.state(seq - 1) !== STATE_ABSENT) {
      if (chain.hash(seq - 1) !== prev) {
        chain.findings.push({ kind: 'chain-broken', chainId, seq, location: record.location, message: `prev_hash does not match the hash of seq ${seq - 1}` });
      }
    } else {
      chain.pendingLinks.push({ seq, prev, location: record.location });
    }
    if (type === AUDIT_EVENT_TYPE_CHECKPOINT) chain.checkpoints.push({ recordSeq: seq, attributes, location: record.location });
    if (record.resourceHash !== undefined && !chain.resourceHashes.has(record.resourceHash)) {
      chain.resourceHashes.set(record.resourceHash, record.location);
    }
  }

  finish(): VerificationReport {
    this.endBatch();
    const anchorsByChain = new Map<string, AnchorEntry[]>();
    for (const entry of [...(this._options.anchors ?? []), ...this._extraAnchors]) {
      const list = anchorsByChain.get(entry.chainId) ?? [];
      list.push(entry);
      anchorsByChain.set(entry.chainId, list);
    }
    const chains: ChainReport[] = [];
    for (const chain of this._chains.values()) chains.push(this._finishChain(chain, anchorsByChain.get(chain.id) ?? []));
    const scope = this._options.anchorScope ?? 'all';
    for (const [chainId, entries] of anchorsByChain) {
      if (this._chains.has(chainId) || scope === 'none') continue;
      if (scope !== 'all' && !entries.some((entry) => entry.traceId !== undefined && scope.has(entry.traceId))) continue;
      const top = Math.max(...entries.map((entry) => entry.seq));
      const what = entries.every((entry) => entry.origin === 'span') ? "the run's root span holds a checkpoint of this chain" : 'anchored chain';
      this._findings.push({ kind: 'truncated', chainId, seq: 1, seqEnd: top + 1, location: entries[0].location, message: `${what} (up to seq ${top}), but the trail has no records of it` });
    }
    const selectedAnchors = [...anchorsByChain.values()].flat().filter((entry) => this._selected(entry.traceId));
    if (this._options.traceIds !== undefined && this._chains.size === 0 && selectedAnchors.length === 0) {
      this._findings.push({ kind: 'missing', message: 'no audit records, checkpoints or root-span checkpoints of the selected run in the trail' });
    }
    if (this._unchained > 0) {
      this._warnings.push(`${this._unchained} audit record(s) without chain attributes (written with integrity off) were not verified`);
    }
    if (this._tofuUsed) {
      this._warnings.push('no trusted public key given: checkpoint signatures were checked against the keys embedded in the checkpoints (trust on first use); pass --public-key to pin the signer');
    }
    const failures: Partial<Record<FailureKind, number>> = {};
    const count = (finding: Finding): void => {
      failures[finding.kind] = (failures[finding.kind] ?? 0) + 1;
    };
    this._findings.forEach(count);
    for (const chain of chains) chain.findings.forEach(count);
    const ok = this._findings.length === 0 && chains.every((chain) => chain.ok);
    return { ok, source: this._options.source, recordsRead: this._recordsRead, chains, findings: this._findings, warnings: this._warnings, failures };
  }

  private _keyFor(keyId: string, publicKeyHex: string): { key: KeyObject } | { problem: FailureKind; message: string } {
    if (this._trustedByHex.size > 0) {
      const trusted = this._trustedByHex.get(publicKeyHex.toLowerCase());
      if (trusted !== undefined) return { key: trusted.publicKey };
      const byId = [...this._trustedByHex.values()].find((key) => key.keyId === keyId);
      if (byId !== undefined) return { key: byId.publicKey };
      return { problem: 'unknown-key', message: `signed by key ${keyId}, which is not among the trusted public keys` };
    }
    let key = this._embeddedKeys.get(publicKeyHex);
    if (key === undefined) {
      try {
        key = publicKeyFromHex(publicKeyHex);
      } catch {
        key = null;
      }
      this._embeddedKeys.set(publicKeyHex, key);
    }
    if (key === null) return { problem: 'unknown-key', message: `key ${keyId} has no usable embedded public key and no trusted key was given` };
    this._tofuUsed = true;
    return { key };
  }

  private _checkSignature(chain: ChainState, statement: CheckpointStatement, signature: string, publicKeyHex: string, where: string, seq: number): boolean {
    if (signature === '') {
      chain.findings.push({ kind: 'bad-signature', chainId: chain.id, seq, location: where, message: 'checkpoint has no signature' });
      return false;
    }
    const resolved = this._keyFor(statement.keyId, publicKeyHex);
    if ('problem' in resolved) {
      chain.findings.push({ kind: resolved.problem, chainId: chain.id, seq, location: where, message: resolved.message });
      return false;
    }
    if (!verifyCheckpointSignature(statement, signature, resolved.key)) {
      chain.findings.push({ kind: 'bad-signature', chainId: chain.id, seq, location: where, message: `signature does not verify with key ${statement.keyId}` });
      return false;
    }
    return true;
  }

  private _finishChain(chain: ChainState, anchors: readonly AnchorEntry[]): ChainReport {
    for (const link of chain.pendingLinks) {
      if (chain.state(link.seq - 1) === STATE_ABSENT) continue; // the gap is reported below
      if (chain.hash(link.seq - 1) !== link.prev) {
        chain.findings.push({ kind: 'chain-broken', chainId: chain.id, seq: link.seq, location: link.location, message: `prev_hash does not match the hash of seq ${link.seq - 1}` });
      }
    }
    const lastPresent = chain.scanGaps(() => undefined);
    let checkpointedSeq = 0;
    let finalSeq: number | undefined;
    let resourceHash: string | undefined;
    let resourceKeys: readonly string[] | undefined;
    for (const checkpoint of chain.checkpoints) {
      // Every field used below is covered by the signature (statement v2): an edited final
      // checkpoint (promoted to final, another resource hash) no longer verifies.
      const { statement, signature, publicKey } = statedCheckpoint(chain.id, checkpoint.attributes);
      const covered = statement.seq;
      const signed = this._checkSignature(chain, statement, signature, publicKey, checkpoint.location, checkpoint.recordSeq);
      if (covered !== checkpoint.recordSeq - 1) {
        chain.findings.push({ kind: 'bad-checkpoint', chainId: chain.id, seq: checkpoint.recordSeq, location: checkpoint.location, message: `checkpoint at seq ${checkpoint.recordSeq} claims to cover seq ${covered < 0 ? 'undefined' : String(covered)}` });
        continue;
      }
      const head = covered === 0 ? GENESIS_HASH : chain.state(covered) === STATE_ABSENT ? undefined : chain.hash(covered);
      if (head !== undefined && head !== statement.headHash) {
        chain.findings.push({ kind: 'bad-checkpoint', chainId: chain.id, seq: checkpoint.recordSeq, location: checkpoint.location, message: `head hash does not match the record at seq ${covered}` });
        continue;
      }
      if (!signed) continue;
      checkpointedSeq = Math.max(checkpointedSeq, checkpoint.recordSeq);
      if (statement.final) finalSeq = finalSeq === undefined ? checkpoint.recordSeq : Math.min(finalSeq, checkpoint.recordSeq);
      if (statement.resourceHash !== '' && resourceHash === undefined) {
        resourceHash = statement.resourceHash;
        resourceKeys = statement.resourceKeys;
      }
    }
    let anchoredSeq = 0;
    for (const entry of anchors) {
      const signed = this._checkSignature(chain, entry, entry.signature, entry.publicKey, entry.location, entry.seq + 1);
      if (!signed) continue;
      anchoredSeq = Math.max(anchoredSeq, entry.seq + 1);
      if (entry.final) finalSeq ??= entry.seq + 1;
      if (entry.seq >= 1 && entry.seq <= lastPresent && chain.state(entry.seq) !== STATE_ABSENT && chain.hash(entry.seq) !== entry.headHash) {
        chain.findings.push({ kind: 'bad-checkpoint', chainId: chain.id, seq: entry.seq, location: entry.location, message: `anchored head hash differs from the record at seq ${entry.seq}` });
      }
    }
    if (resourceHash !== undefined && resourceKeys !== undefined) {
      for (const [compute, location] of chain.resourceHashes) {
        if (compute(resourceKeys) !== resourceHash) {
          chain.findings.push({ kind: 'modified', chainId: chain.id, location, message: 'resource attributes differ from the ones the chain\'s checkpoints state' });
          break;
        }
      }
    }
    // Gaps inside the stored range.
    chain.scanGaps((from, to) => {
      chain.findings.push({ kind: 'missing', chainId: chain.id, seq: from, seqEnd: to, message: from === to ? `record seq ${from} is missing` : `records seq ${from}-${to} are missing` });
    });
    const claimedEnd = Math.max(anchoredSeq, finalSeq ?? 0);
    if (claimedEnd > lastPresent) {
      chain.findings.push({ kind: 'truncated', chainId: chain.id, seq: lastPresent + 1, seqEnd: claimedEnd, message: `records seq ${lastPresent + 1}-${claimedEnd} are missing at the end (a checkpoint or anchor covers them)` });
    } else if (finalSeq === undefined) {
      const message = `no final checkpoint: records after seq ${lastPresent} may have been removed (last valid checkpoint at seq ${checkpointedSeq})`;
      if (this._options.allowOpen === true) this._warnings.push(`chain ${chain.id}: open chain, ${message}`);
      else chain.findings.push({ kind: 'truncated', chainId: chain.id, seq: lastPresent + 1, message });
    } else if (lastPresent > finalSeq) {
      chain.findings.push({ kind: 'appended', chainId: chain.id, seq: finalSeq + 1, seqEnd: lastPresent, message: `records after the final checkpoint (seq ${finalSeq})` });
    }
    const order = (finding: Finding): number => finding.seq ?? 0;
    chain.findings.sort((a, b) => order(a) - order(b));
    return {
      chainId: chain.id,
      traceId: chain.traceId,
      records: chain.records,
      duplicates: chain.duplicates,
      lastSeq: lastPresent,
      checkpoints: chain.checkpoints.length,
      checkpointedSeq: Math.max(checkpointedSeq, anchoredSeq),
      sealed: finalSeq !== undefined,
      ok: chain.findings.length === 0,
      findings: chain.findings,
    };
  }
}
