/**
 * Adds a hash chain to audit log records and emits signed checkpoints (docs/integrity.md).
 *
 * Place it after redaction and before the journal and exporters, so that what is hashed is exactly
 * what is stored: `[redaction, hashChain, journal, ...exporters]`.
 *
 * Every audit record (a log record with `audit.event.type`; every log record with
 * `chainAllLogRecords`) gets `audit.chain.id`, `audit.chain.seq`, `audit.chain.prev_hash` and then
 * `audit.record.hash` = SHA-256 of the RFC 8785 canonical projection of the record (after the first
 * three are set). There is one chain per run (trace id) and processor instance (writer process);
 * records without a trace share one chain per process.
 *
 * Checkpoints are records of type `checkpoint` in the same chain, emitted through the LoggerProvider
 * given to `setLoggerProvider`: after `checkpointEveryRecords` records, every
 * `checkpointIntervalSeconds` for chains with new records, when a `run.end` record passes (final),
 * and from `sealRun`/`sealAll` (final). A checkpoint due while a record is being emitted is emitted
 * in a microtask, so it follows that record in every downstream processor.
 */
import { context as contextApi, diag, trace, TraceFlags, SeverityNumber, type Context, type Logger, type LoggerProvider } from '@opentelemetry/api';
import { appendFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { randomUUID } from 'node:crypto';
import {
  anchorLine,
  keyListHash,
  signCheckpoint,
  type CheckpointReason,
  type CheckpointStatement,
  type SignedCheckpoint,
} from '../integrity/checkpoint.js';
import {
  DEFAULT_CHECKPOINT_EVERY_RECORDS,
  DEFAULT_CHECKPOINT_INTERVAL_SECONDS,
  DEFAULT_MAX_OPEN_CHAINS,
  type IntegrityOptions,
} from '../integrity/IntegrityOptions.js';
import { resolveSigningKey, type SigningKey } from '../integrity/keys.js';
import { GENESIS_HASH, hashProjection, hashResource, projectSdkLogRecord, stringForm } from '../integrity/projection.js';
import { uuidV7 } from '../internal/ids.js';
import { reportFailure } from '../internal/failures.js';
import { sameStrings } from '../internal/sameStrings.js';
import {
  ATTR_AUDIT_CHAIN_ID,
  ATTR_AUDIT_CHAIN_PREV_HASH,
  ATTR_AUDIT_CHAIN_SEQ,
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
  ATTR_AUDIT_EVENT_ID,
  ATTR_AUDIT_RUN_ID,
  ATTR_AUDIT_EVENT_TYPE,
  ATTR_AUDIT_OUTCOME,
  ATTR_AUDIT_RECORD_HASH,
  AUDIT_EVENT_TYPE_CHECKPOINT,
  AUDIT_EVENT_TYPE_RUN_END,
  AUDIT_OUTCOME_SUCCESS,
  ATTR_SWARMTRAIL_RECORD_ID,
} from '../semconv.js';

export interface HashChainLogRecordProcessorOptions extends IntegrityOptions {
  /** Already resolved key (tests, or a caller that resolved it once); wins over `signingKey`. */
  readonly key?: SigningKey;
  /** The provider checkpoint records are emitted through; also settable later with `setLoggerProvider`. */
  readonly loggerProvider?: LoggerProvider;
}

/** Idle chains restated per timer tick at most. */
const MAX_IDLE_CHECKPOINTS_PER_TICK = 256;

/** The event name of checkpoint records. */
export const CHECKPOINT_EVENT_NAME = `audit.${AUDIT_EVENT_TYPE_CHECKPOINT}`;

interface Chain {
  readonly key: string;
  readonly id: string;
  readonly traceId: string | undefined;
  spanId: string | undefined;
  traceFlags: number;
  /** Instrumentation scope of the chain's latest record: checkpoints use it, so OTLP's grouping by scope keeps them in place. */
  scopeName: string;
  scopeVersion: string | undefined;
  seq: number;
  head: string;
  /** Records since the last checkpoint (checkpoint records not counted). */
  sinceCheckpoint: number;
  lastCheckpointAt: number;
  lastCheckpoint: SignedCheckpoint | undefined;
  resourceKeys: string[];
  resourceHash: string;
  /** Original attribute keys of the records since the last checkpoint. */
  attributeKeys: Set<string>;
  /** The key list of the latest record, already in `attributeKeys`: records of one kind repeat it. */
  lastKeys: readonly string[];
  closed: boolean;
}

interface PendingCheckpoint {
  readonly chain: Chain;
  readonly reason: CheckpointReason;
  readonly final: boolean;
  result?: SignedCheckpoint;
}

/** Root-span attributes for a checkpoint (what the lead sets on the run's root span). */
export function checkpointSpanAttributes(checkpoint: SignedCheckpoint): Record<string, string | number | boolean | string[]> {
  // Every field of the signed statement, so that the trace store alone can check the signature.
  return {
    [ATTR_AUDIT_CHAIN_ID]: checkpoint.chainId,
    [ATTR_AUDIT_RUN_ID]: checkpoint.runId,
    [ATTR_AUDIT_CHECKPOINT_SEQ]: checkpoint.seq,
    [ATTR_AUDIT_CHECKPOINT_HEAD_HASH]: checkpoint.headHash,
    [ATTR_AUDIT_CHECKPOINT_TIME]: checkpoint.time,
    [ATTR_AUDIT_CHECKPOINT_KEY_ID]: checkpoint.keyId,
    [ATTR_AUDIT_CHECKPOINT_SIGNATURE]: checkpoint.signature,
    [ATTR_AUDIT_CHECKPOINT_PUBLIC_KEY]: checkpoint.publicKey,
    [ATTR_AUDIT_CHECKPOINT_FINAL]: checkpoint.final,
    [ATTR_AUDIT_CHECKPOINT_REASON]: checkpoint.reason,
    [ATTR_AUDIT_CHECKPOINT_RESOURCE_HASH]: checkpoint.resourceHash,
    [ATTR_AUDIT_CHECKPOINT_RESOURCE_KEYS]: [...checkpoint.resourceKeys],
    [ATTR_AUDIT_CHECKPOINT_ATTRIBUTE_KEYS_HASH]: checkpoint.attributeKeysHash,
  };
}

export class HashChainLogRecordProcessor implements LogRecordProcessor {
  readonly key: SigningKey;
  private readonly _everyRecords: number;
  private readonly _intervalMs: number;
  private readonly _chainAll: boolean;
  private readonly _maxOpenChains: number;
  private readonly _anchorPath: string | undefined;
  private readonly _onCheckpoint: ((checkpoint: SignedCheckpoint) => void) | undefined;
  private readonly _chains = new Map<string, Chain>();
  private readonly _latest = new Map<string, SignedCheckpoint>();
  private readonly _scheduled = new Map<Chain, PendingCheckpoint>();
  private _loggerProvider: LoggerProvider | undefined;
  private readonly _loggers = new Map<string, Logger>();
  private _emitting: PendingCheckpoint | undefined;
  private _microtaskQueued = false;
  private _timer: NodeJS.Timeout | undefined;
  private _shutdown = false;

  /** Throws (with the option named) when the signing key is unusable or a number is out of range. */
  constructor(options: HashChainLogRecordProcessorOptions = {}) {
    const every = options.checkpointEveryRecords ?? DEFAULT_CHECKPOINT_EVERY_RECORDS;
    if (!Number.isInteger(every) || every < 1) throw new RangeError(`integrity.checkpointEveryRecords must be an integer >= 1, got ${every}`);
    const interval = options.checkpointIntervalSeconds ?? DEFAULT_CHECKPOINT_INTERVAL_SECONDS;
    if (!Number.isFinite(interval) || interval < 0) throw new RangeError(`integrity.checkpointIntervalSeconds must be >= 0 (0 disables the timer), got ${interval}`);
    const maxOpen = options.maxOpenChains ?? DEFAULT_MAX_OPEN_CHAINS;
    if (!Number.isInteger(maxOpen) || maxOpen < 1) throw new RangeError(`integrity.maxOpenChains must be an integer >= 1, got ${maxOpen}`);
    this._everyRecords = every;
    this._intervalMs = interval * 1000;
    this._chainAll = options.chainAllLogRecords ?? false;
    this._maxOpenChains = maxOpen;
    this._onCheckpoint = options.onCheckpoint;
    this._loggerProvider = options.loggerProvider;
    this.key =
      options.key ??
      resolveSigningKey({
        ...(options.signingKey === undefined ? {} : { signingKey: options.signingKey }),
        ...(options.signingKeyId === undefined ? {} : { keyId: options.signingKeyId }),
        keyDirectory: options.keyDirectory ?? join('.swarmtrail', 'keys'),
      });
    this._anchorPath = options.anchor === undefined ? undefined : anchorFile(options.anchor);
    if (this._intervalMs > 0) {
      this._timer = setInterval(() => this._onTimer(), this._intervalMs);
      this._timer.unref();
    }
  }

  /**
   * Sets the LoggerProvider this processor belongs to: checkpoint records are emitted through it,
   * with the instrumentation scope of the chain's latest record.
   */
  setLoggerProvider(provider: LoggerProvider): void {
    this._loggerProvider = provider;
    this._loggers.clear();
  }

  private _loggerFor(chain: Chain): Logger | undefined {
    if (this._loggerProvider === undefined) return undefined;
    const key = `${chain.scopeName}\u0000${chain.scopeVersion ?? ''}`;
    let logger = this._loggers.get(key);
    if (logger === undefined) {
      logger = this._loggerProvider.getLogger(chain.scopeName, chain.scopeVersion);
      this._loggers.set(key, logger);
    }
    return logger;
  }

  /** The latest checkpoint of the run `traceId` (or of the trace-less chain for `''`). */
  latestCheckpoint(traceId: string): SignedCheckpoint | undefined {
    return this._latest.get(traceId);
  }

  onEmit(record: ReadWriteLogRecord, _context?: Context): void {
    try {
      const emitting = this._emitting;
      if (emitting !== undefined && record.eventName === CHECKPOINT_EVENT_NAME && emitting.result === undefined) {
        emitting.result = this._fillCheckpoint(emitting, record);
        return;
      }
      const type = record.attributes[ATTR_AUDIT_EVENT_TYPE];
      if (type === undefined && !this._chainAll) return;
      // One chain per run; records outside any run (no `audit.run.id`) share the process's chain,
      // so that tools or events traced on their own do not each open, and seal, a chain.
      const runId = record.attributes[ATTR_AUDIT_RUN_ID];
      const traceKey = typeof runId === 'string' ? runId : '';
      let chain = this._chains.get(traceKey);
      if (chain === undefined || chain.closed) chain = this._openChain(traceKey, record);
      if (record.spanContext !== undefined) {
        chain.spanId = record.spanContext.spanId;
        chain.traceFlags = record.spanContext.traceFlags;
      }
      chain.scopeName = record.instrumentationScope.name;
      chain.scopeVersion = record.instrumentationScope.version;
      this._append(chain, record);
      chain.sinceCheckpoint += 1;
      if (type === AUDIT_EVENT_TYPE_RUN_END) this._schedule(chain, 'run.end', true);
      else if (chain.sinceCheckpoint >= this._everyRecords) this._schedule(chain, 'count', false);
    } catch (error) {
      reportFailure('integrity', 'could not chain a log record', error);
    }
  }

  /**
   * Emits the final checkpoint of the run `traceId` now (synchronously) and closes its chain.
   * Call it outside any log processor's `onEmit`, e.g. in the root span's `onEnding` right after
   * the `run.end` record. Returns the checkpoint, or the chain's last one when already sealed.
   */
  sealRun(traceId: string): SignedCheckpoint | undefined {
    const chain = this._chains.get(traceId);
    if (chain === undefined || chain.closed) return this._latest.get(traceId);
    this._scheduled.delete(chain);
    return this._checkpointNow(chain, 'run.end', true);
  }

  /** Emits final checkpoints for every open chain. Call before `LoggerProvider.shutdown()`. */
  sealAll(reason: CheckpointReason = 'shutdown'): void {
    for (const chain of [...this._chains.values()]) {
      this._scheduled.delete(chain);
      if (!chain.closed) this._checkpointNow(chain, reason, true);
    }
  }

  forceFlush(): Promise<void> {
    this._runScheduled();
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    if (this._shutdown) return Promise.resolve();
    this._shutdown = true;
    if (this._timer !== undefined) clearInterval(this._timer);
    // The provider refuses records once it is shutting down: final checkpoints not emitted by
    // sealAll() before are still signed, anchored and handed to onCheckpoint.
    this.sealAll('shutdown');
    return Promise.resolve();
  }

  private _openChain(traceKey: string, record: ReadWriteLogRecord): Chain {
    if (this._chains.size >= this._maxOpenChains) {
      const oldest = this._chains.values().next().value;
      if (oldest !== undefined) {
        this._chains.delete(oldest.key);
        this._schedule(oldest, 'evicted', true);
      }
    }
    const resourceKeys = Object.keys(record.resource.attributes).sort();
    const resourceValues = new Map(resourceKeys.map((key) => [key, stringForm(record.resource.attributes[key])] as const));
    const chain: Chain = {
      key: traceKey,
      id: randomUUID(),
      traceId: record.spanContext?.traceId,
      spanId: record.spanContext?.spanId,
      traceFlags: record.spanContext?.traceFlags ?? TraceFlags.NONE,
      scopeName: record.instrumentationScope.name,
      scopeVersion: record.instrumentationScope.version,
      seq: 0,
      head: GENESIS_HASH,
      sinceCheckpoint: 0,
      lastCheckpointAt: Date.now(),
      lastCheckpoint: undefined,
      resourceKeys,
      resourceHash: hashResource(resourceValues, resourceKeys),
      attributeKeys: new Set(),
      lastKeys: [],
      closed: false,
    };
    this._chains.set(traceKey, chain);
    return chain;
  }

  private _append(chain: Chain, record: ReadWriteLogRecord): void {
    // The journal gives records without an id a `swarmtrail.record.id` for de-duplication; give it
    // here, before hashing, so that no later processor changes a hashed record.
    if (record.attributes[ATTR_AUDIT_EVENT_ID] === undefined && record.attributes[ATTR_SWARMTRAIL_RECORD_ID] === undefined) {
      record.setAttribute(ATTR_SWARMTRAIL_RECORD_ID, randomUUID());
    }
    chain.seq += 1;
    record.setAttribute(ATTR_AUDIT_CHAIN_ID, chain.id);
    record.setAttribute(ATTR_AUDIT_CHAIN_SEQ, chain.seq);
    record.setAttribute(ATTR_AUDIT_CHAIN_PREV_HASH, chain.head);
    const hash = hashProjection(projectSdkLogRecord(record));
    record.setAttribute(ATTR_AUDIT_RECORD_HASH, hash);
    chain.head = hash;
    const keys = Object.keys(record.attributes);
    if (!sameStrings(keys, chain.lastKeys)) {
      for (const key of keys) chain.attributeKeys.add(key);
      chain.lastKeys = keys;
    }
  }

  private _schedule(chain: Chain, reason: CheckpointReason, final: boolean): void {
    const existing = this._scheduled.get(chain);
    if (existing !== undefined && (existing.final || !final)) return;
    this._scheduled.set(chain, { chain, reason, final });
    if (!this._microtaskQueued) {
      this._microtaskQueued = true;
      queueMicrotask(() => {
        this._microtaskQueued = false;
        this._runScheduled();
      });
    }
  }

  private _runScheduled(): void {
    if (this._emitting !== undefined) return;
    const pending = [...this._scheduled.values()];
    this._scheduled.clear();
    for (const item of pending) {
      if (!item.chain.closed) this._checkpointNow(item.chain, item.reason, item.final);
    }
  }

  private _onTimer(): void {
    try {
      const now = Date.now();
      // Every open chain, idle or not (as CloudTrail delivers digests for hours without logs): a
      // checkpoint with nothing new restates the head with a fresh time, so an anchor or a reader
      // can tell a writer that was alive and had nothing to add from a trail whose tail is gone.
      const idle: Chain[] = [];
      for (const chain of this._chains.values()) {
        if (now - chain.lastCheckpointAt < this._intervalMs * 0.9) continue;
        if (chain.sinceCheckpoint > 0) this._schedule(chain, 'interval', false);
        else idle.push(chain);
      }
      // Restating idle heads is bounded per tick (each costs a signature on the event loop); the
      // longest-waiting go first, the rest on the next ticks.
      idle.sort((a, b) => a.lastCheckpointAt - b.lastCheckpointAt);
      for (const chain of idle.slice(0, MAX_IDLE_CHECKPOINTS_PER_TICK)) this._schedule(chain, 'interval', false);
      this._runScheduled();
    } catch (error) {
      reportFailure('integrity', 'timer checkpoint failed', error);
    }
  }

  /** Emits a checkpoint record for `chain` now; signs and anchors it even when it cannot be emitted. */
  private _checkpointNow(chain: Chain, reason: CheckpointReason, final: boolean): SignedCheckpoint | undefined {
    const pending: PendingCheckpoint = { chain, reason, final };
    try {
      const logger = this._shutdown ? undefined : this._loggerFor(chain);
      if (logger !== undefined) {
        const spanContext =
          chain.traceId !== undefined && chain.spanId !== undefined
            ? { traceId: chain.traceId, spanId: chain.spanId, traceFlags: chain.traceFlags, isRemote: false }
            : undefined;
        const emitContext = spanContext === undefined ? contextApi.active() : trace.setSpanContext(contextApi.active(), spanContext);
        this._emitting = pending;
        try {
          logger.emit({
            eventName: CHECKPOINT_EVENT_NAME,
            severityNumber: SeverityNumber.INFO,
            severityText: 'INFO',
            body: `checkpoint of chain ${chain.id} at seq ${chain.seq}`,
            attributes: {
              [ATTR_AUDIT_EVENT_TYPE]: AUDIT_EVENT_TYPE_CHECKPOINT,
              [ATTR_AUDIT_EVENT_ID]: uuidV7(),
              [ATTR_AUDIT_OUTCOME]: AUDIT_OUTCOME_SUCCESS,
            },
            context: spanContext === undefined ? trace.deleteSpan(emitContext) : emitContext,
          });
        } finally {
          this._emitting = undefined;
        }
      }
      if (pending.result === undefined) {
        diag.debug(`swarmtrail: checkpoint of chain ${chain.id} not emitted as a record (no checkpoint logger, or shutting down)`);
        pending.result = this._sign(chain, reason, final);
        this._afterCheckpoint(chain, pending.result);
      }
      return pending.result;
    } catch (error) {
      reportFailure('integrity', 'could not emit a checkpoint', error);
      return undefined;
    }
  }

  private _sign(chain: Chain, reason: CheckpointReason, final: boolean): SignedCheckpoint {
    const statement: CheckpointStatement = {
      chainId: chain.id,
      seq: chain.seq,
      headHash: chain.head,
      time: new Date().toISOString(),
      keyId: this.key.keyId,
      final,
      reason,
      runId: chain.key,
      resourceHash: chain.resourceHash,
      resourceKeys: chain.resourceKeys,
      attributeKeysHash: keyListHash(chain.attributeKeys),
    };
    const base = { ...statement, signature: signCheckpoint(statement, this.key), publicKey: this.key.publicKeyHex };
    return chain.traceId === undefined ? base : { ...base, traceId: chain.traceId };
  }

  /** Runs inside `onEmit` of the checkpoint record: signs the chain head and chains the record. */
  private _fillCheckpoint(pending: PendingCheckpoint, record: ReadWriteLogRecord): SignedCheckpoint {
    const { chain } = pending;
    const checkpoint = this._sign(chain, pending.reason, pending.final);
    if (chain.key !== '') record.setAttribute(ATTR_AUDIT_RUN_ID, chain.key);
    record.setAttributes({
      [ATTR_AUDIT_CHECKPOINT_SEQ]: checkpoint.seq,
      [ATTR_AUDIT_CHECKPOINT_HEAD_HASH]: checkpoint.headHash,
      [ATTR_AUDIT_CHECKPOINT_TIME]: checkpoint.time,
      [ATTR_AUDIT_CHECKPOINT_KEY_ID]: checkpoint.keyId,
      [ATTR_AUDIT_CHECKPOINT_SIGNATURE]: checkpoint.signature,
      [ATTR_AUDIT_CHECKPOINT_PUBLIC_KEY]: checkpoint.publicKey,
      [ATTR_AUDIT_CHECKPOINT_FINAL]: checkpoint.final,
      [ATTR_AUDIT_CHECKPOINT_REASON]: checkpoint.reason,
      [ATTR_AUDIT_CHECKPOINT_RESOURCE_KEYS]: chain.resourceKeys,
      [ATTR_AUDIT_CHECKPOINT_RESOURCE_HASH]: chain.resourceHash,
      [ATTR_AUDIT_CHECKPOINT_ATTRIBUTE_KEYS]: [...chain.attributeKeys].sort(),
    });
    this._append(chain, record);
    this._afterCheckpoint(chain, checkpoint);
    return checkpoint;
  }

  private _afterCheckpoint(chain: Chain, checkpoint: SignedCheckpoint): void {
    chain.sinceCheckpoint = 0;
    chain.attributeKeys.clear();
    chain.lastKeys = [];
    chain.lastCheckpointAt = Date.now();
    chain.lastCheckpoint = checkpoint;
    this._latest.set(chain.key, checkpoint);
    if (this._latest.size > this._maxOpenChains * 2) {
      const oldest = this._latest.keys().next().value;
      if (oldest !== undefined) this._latest.delete(oldest);
    }
    if (checkpoint.final) {
      chain.closed = true;
      if (this._chains.get(chain.key) === chain) this._chains.delete(chain.key);
    }
    if (this._anchorPath !== undefined) {
      try {
        appendFileSync(this._anchorPath, anchorLine(checkpoint), { mode: 0o600 });
      } catch (error) {
        reportFailure('integrity', `could not append to anchor ${this._anchorPath}`, error);
      }
    }
    if (this._onCheckpoint !== undefined) {
      try {
        this._onCheckpoint(checkpoint);
      } catch (error) {
        reportFailure('integrity', 'onCheckpoint threw', error);
      }
    }
  }
}

function anchorFile(anchor: string): string {
  try {
    if (statSync(anchor).isDirectory()) return join(anchor, `anchor-${process.pid}-${Date.now()}.jsonl`);
  } catch {
    // not there yet: a file
  }
  return anchor;
}
