/** HashChainLogRecordProcessor and key handling, through the real OpenTelemetry logs SDK. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diag, DiagLogLevel, ROOT_CONTEXT, SeverityNumber, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { keyListHash, type SignedCheckpoint } from '../../src/integrity/checkpoint.js';
import { GENERATED_PRIVATE_KEY_FILE, GENERATED_PUBLIC_KEY_FILE, resolveSigningKey, SigningKeyError } from '../../src/integrity/keys.js';
import { GENESIS_HASH, hashProjection, projectSdkLogRecord } from '../../src/integrity/projection.js';
import { checkpointSpanAttributes, HashChainLogRecordProcessor, type HashChainLogRecordProcessorOptions } from '../../src/processors/HashChainLogRecordProcessor.js';
import { testSigningKey } from './trail.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'swarmtrail-processor-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  diag.disable();
});

const TRACE_A = 'a'.repeat(32);
const TRACE_B = 'b'.repeat(32);

function runContext(traceId: string): Context {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '1'.repeat(16), traceFlags: TraceFlags.SAMPLED });
}

function pipeline(options: Partial<HashChainLogRecordProcessorOptions> = {}) {
  const exporter = new InMemoryLogRecordExporter();
  const processor = new HashChainLogRecordProcessor({ key: testSigningKey(), checkpointIntervalSeconds: 0, ...options });
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'processor-test' }), processors: [processor, new SimpleLogRecordProcessor({ exporter })] });
  processor.setLoggerProvider(provider);
  const logger = provider.getLogger('swarmtrail', '0.1.0');
  const audit = (type: string, context: Context = runContext(TRACE_A), body: unknown = `${type} body`): void => {
    // Records of a run carry its id (the trace id), as the SDK's records inside withRun do.
    const runId = trace.getSpanContext(context)?.traceId;
    const run = runId === undefined ? {} : { 'audit.run.id': runId };
    logger.emit({ eventName: `audit.${type}`, severityNumber: SeverityNumber.INFO, body: body, attributes: { 'audit.event.type': type, 'audit.event.id': randomUUID(), 'audit.outcome': 'success', ...run }, context });
  };
  const records = (): ReadableLogRecord[] => exporter.getFinishedLogRecords();
  return { processor, provider, logger, audit, records };
}

const type = (record: ReadableLogRecord): unknown => record.attributes['audit.event.type'];

describe('chaining', () => {
  test('audit records get chain id, seq, prev hash and their own hash; plain logs are left alone', async () => {
    const { audit, logger, records, provider } = pipeline();
    audit('decision');
    logger.emit({ body: 'plain log', context: runContext(TRACE_A) });
    audit('tool.end');
    const [first, plain, second] = records();
    expect(Object.keys(first.attributes).sort()).toMatchInlineSnapshot(`
      [
        "audit.chain.id",
        "audit.chain.prev_hash",
        "audit.chain.seq",
        "audit.event.id",
        "audit.event.type",
        "audit.outcome",
        "audit.record.hash",
        "audit.run.id",
      ]
    `);
    expect(first.attributes['audit.chain.seq']).toBe(1);
    expect(first.attributes['audit.chain.prev_hash']).toBe(GENESIS_HASH);
    expect(first.attributes['audit.record.hash']).toBe(hashProjection(projectSdkLogRecord(first)));
    expect(plain.attributes).toEqual({});
    expect(second.attributes['audit.chain.id']).toBe(first.attributes['audit.chain.id']);
    expect(second.attributes['audit.chain.seq']).toBe(2);
    expect(second.attributes['audit.chain.prev_hash']).toBe(first.attributes['audit.record.hash']);
    await provider.shutdown();
  });

  test('with chainAllLogRecords every log record is chained, with a record id given before hashing', async () => {
    const { logger, records, provider } = pipeline({ chainAllLogRecords: true });
    logger.emit({ body: 'plain log' });
    expect(records()[0].attributes['audit.chain.seq']).toBe(1);
    expect(records()[0].attributes['swarmtrail.record.id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(records()[0].attributes['audit.record.hash']).toBe(hashProjection(projectSdkLogRecord(records()[0])));
    await provider.shutdown();
  });

  test('one chain per run; records without a trace share one', async () => {
    const { audit, records, provider } = pipeline();
    audit('decision', runContext(TRACE_A));
    audit('decision', runContext(TRACE_B));
    audit('decision', ROOT_CONTEXT);
    audit('decision', runContext(TRACE_A));
    const ids = records().map((record) => record.attributes['audit.chain.id']);
    expect(new Set(ids).size).toBe(3);
    expect(ids[3]).toBe(ids[0]);
    expect(records()[3].attributes['audit.chain.seq']).toBe(2);
    await provider.shutdown();
  });
});

describe('checkpoints', () => {
  test('every N records, signed, in the same chain, right after the record that made it due', async () => {
    const seen: SignedCheckpoint[] = [];
    const { audit, records, provider } = pipeline({ checkpointEveryRecords: 3, onCheckpoint: (checkpoint) => seen.push(checkpoint) });
    for (let i = 0; i < 7; i += 1) {
      audit('decision');
      await Promise.resolve();
    }
    const types = records().map(type);
    expect(types).toEqual(['decision', 'decision', 'decision', 'checkpoint', 'decision', 'decision', 'decision', 'checkpoint', 'decision']);
    const checkpoint = records()[3];
    expect(checkpoint.eventName).toBe('audit.checkpoint');
    expect(checkpoint.instrumentationScope.name).toBe('swarmtrail');
    expect(checkpoint.attributes['audit.chain.seq']).toBe(4);
    expect(checkpoint.attributes['audit.checkpoint.seq']).toBe(3);
    expect(checkpoint.attributes['audit.checkpoint.head_hash']).toBe(records()[2].attributes['audit.record.hash']);
    expect(checkpoint.attributes['audit.checkpoint.final']).toBe(false);
    expect(checkpoint.attributes['audit.checkpoint.reason']).toBe('count');
    expect(checkpoint.attributes['audit.checkpoint.attribute_keys']).toEqual(['audit.chain.id', 'audit.chain.prev_hash', 'audit.chain.seq', 'audit.event.id', 'audit.event.type', 'audit.outcome', 'audit.record.hash', 'audit.run.id']);
    expect(checkpoint.attributes['audit.checkpoint.resource_keys']).toEqual(['service.name']);
    expect(checkpoint.spanContext?.traceId).toBe(TRACE_A);
    expect(seen.map((c) => c.seq)).toEqual([3, 7]);
    await provider.shutdown();
  });

  test('run.end seals the chain with a final checkpoint; later records of the run start a new chain', async () => {
    const { audit, records, processor, provider } = pipeline();
    audit('decision');
    audit('run.end');
    await Promise.resolve();
    expect(records().map(type)).toEqual(['decision', 'run.end', 'checkpoint']);
    expect(records()[2].attributes['audit.checkpoint.final']).toBe(true);
    expect(records()[2].attributes['audit.checkpoint.reason']).toBe('run.end');
    expect(processor.latestCheckpoint(TRACE_A)?.final).toBe(true);
    audit('decision');
    expect(records()[3].attributes['audit.chain.id']).not.toBe(records()[0].attributes['audit.chain.id']);
    await provider.shutdown();
  });

  test('sealRun emits the final checkpoint synchronously and returns it, for the root span', async () => {
    const { audit, records, processor, provider } = pipeline();
    audit('decision');
    audit('run.end');
    const checkpoint = processor.sealRun(TRACE_A)!;
    expect(records().map(type)).toEqual(['decision', 'run.end', 'checkpoint']);
    expect(checkpoint.seq).toBe(2);
    const sealing = records()[2];
    expect(checkpointSpanAttributes(checkpoint)).toEqual({
      'audit.chain.id': records()[0].attributes['audit.chain.id'],
      'audit.run.id': TRACE_A,
      'audit.checkpoint.seq': 2,
      'audit.checkpoint.head_hash': records()[1].attributes['audit.record.hash'],
      'audit.checkpoint.time': checkpoint.time,
      'audit.checkpoint.key_id': testSigningKey().keyId,
      'audit.checkpoint.signature': checkpoint.signature,
      'audit.checkpoint.public_key': testSigningKey().publicKeyHex,
      'audit.checkpoint.final': true,
      'audit.checkpoint.reason': 'run.end',
      'audit.checkpoint.resource_hash': sealing.attributes['audit.checkpoint.resource_hash'],
      'audit.checkpoint.resource_keys': sealing.attributes['audit.checkpoint.resource_keys'],
      'audit.checkpoint.attribute_keys_hash': keyListHash(sealing.attributes['audit.checkpoint.attribute_keys'] as string[]),
    });
    // The checkpoint record names its run, which the signed statement covers.
    expect(sealing.attributes['audit.run.id']).toBe(TRACE_A);
    await Promise.resolve();
    expect(records()).toHaveLength(3); // the microtask finds the chain sealed
    expect(processor.sealRun(TRACE_A)).toBe(checkpoint);
    expect(processor.sealRun(TRACE_B)).toBeUndefined();
    await provider.shutdown();
  });

  test('the timer checkpoints a chain with new records even when no record follows, and an idle chain again', async () => {
    const { audit, records, provider } = pipeline({ checkpointIntervalSeconds: 0.05, checkpointEveryRecords: 1000 });
    audit('decision');
    const deadline = Date.now() + 3000;
    while (records().length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(records().slice(0, 3).map(type)).toEqual(['decision', 'checkpoint', 'checkpoint']);
    const [, first, second] = records();
    expect(first.attributes['audit.checkpoint.reason']).toBe('interval');
    // Nothing new: the idle chain's checkpoint restates the same head, with a later time.
    expect(second.attributes['audit.checkpoint.reason']).toBe('interval');
    expect(second.attributes['audit.checkpoint.head_hash']).toBe(first.attributes['audit.record.hash']);
    expect(String(second.attributes['audit.checkpoint.time']) >= String(first.attributes['audit.checkpoint.time'])).toBe(true);
    await provider.shutdown();
  });

  test('sealAll before shutdown emits final checkpoints; after shutdown they still reach the anchor and hook', async () => {
    const anchor = join(dir, 'anchor.jsonl');
    const seen: SignedCheckpoint[] = [];
    const { audit, records, processor, provider } = pipeline({ anchor, onCheckpoint: (checkpoint) => seen.push(checkpoint) });
    audit('decision', runContext(TRACE_A));
    processor.sealAll();
    expect(records().map(type)).toEqual(['decision', 'checkpoint']);
    audit('decision', runContext(TRACE_B));
    const exported = records().map(type);
    await provider.shutdown();
    expect(exported).toEqual(['decision', 'checkpoint', 'decision']); // chain B's final checkpoint could not be emitted
    expect(seen.map((checkpoint) => [checkpoint.final, checkpoint.reason])).toEqual([[true, 'shutdown'], [true, 'shutdown']]);
    expect(readFileSync(anchor, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(statSync(anchor).mode & 0o777).toBe(0o600);
  });

  test('beyond maxOpenChains the oldest chain is sealed (evicted)', async () => {
    const { audit, records, provider } = pipeline({ maxOpenChains: 1 });
    audit('decision', runContext(TRACE_A));
    audit('decision', runContext(TRACE_B));
    await Promise.resolve();
    const checkpoint = records().find((record) => type(record) === 'checkpoint');
    expect(checkpoint?.attributes['audit.checkpoint.reason']).toBe('evicted');
    expect(checkpoint?.attributes['audit.checkpoint.final']).toBe(true);
    expect(checkpoint?.spanContext?.traceId).toBe(TRACE_A);
    expect(checkpoint?.attributes['audit.chain.id']).toBe(records()[0].attributes['audit.chain.id']);
    await provider.shutdown();
  });

  test('an anchor directory gets one file per process start', async () => {
    const { audit, processor, provider } = pipeline({ anchor: dir });
    audit('decision');
    processor.sealAll();
    await provider.shutdown();
    const files = (await import('node:fs')).readdirSync(dir).filter((name) => name.startsWith('anchor-'));
    expect(files).toHaveLength(1);
  });

  test('failures never reach the caller: a throwing hook, an unserialisable body', async () => {
    const errors: string[] = [];
    diag.setLogger({ error: (message: string) => errors.push(message), warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.ERROR);
    const { audit, processor, provider } = pipeline({ onCheckpoint: () => { throw new Error('hook broke'); } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => audit('decision', runContext(TRACE_A), cyclic)).not.toThrow();
    expect(() => processor.sealAll()).not.toThrow();
    expect(errors.join('\n')).toContain('onCheckpoint threw');
    await provider.shutdown();
  });
});

describe('options and keys', () => {
  test('bad numbers throw at construction, naming the option', () => {
    expect(() => new HashChainLogRecordProcessor({ key: testSigningKey(), checkpointEveryRecords: 0 })).toThrow(/integrity.checkpointEveryRecords/);
    expect(() => new HashChainLogRecordProcessor({ key: testSigningKey(), checkpointIntervalSeconds: -1 })).toThrow(/integrity.checkpointIntervalSeconds/);
    expect(() => new HashChainLogRecordProcessor({ key: testSigningKey(), maxOpenChains: 0 })).toThrow(/integrity.maxOpenChains/);
  });

  test('without a key one is generated in the key directory (0600) with a note, then reused', () => {
    const warnings: string[] = [];
    diag.setLogger({ error: () => {}, warn: (message: string) => warnings.push(message), info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
    const keyDirectory = join(dir, 'keys');
    const first = new HashChainLogRecordProcessor({ keyDirectory, checkpointIntervalSeconds: 0 });
    expect(first.key.source).toBe('generated');
    expect(statSync(join(keyDirectory, GENERATED_PRIVATE_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(existsSync(join(keyDirectory, GENERATED_PUBLIC_KEY_FILE))).toBe(true);
    expect(warnings.join('\n')).toContain('generated Ed25519 key');
    expect(warnings.join('\n')).toContain('SWARMTRAIL_SIGNING_KEY');
    const second = new HashChainLogRecordProcessor({ keyDirectory, checkpointIntervalSeconds: 0 });
    expect(second.key.source).toBe('stored');
    expect(second.key.keyId).toBe(first.key.keyId);
  });

  test('a key from PEM text, a path, with a key id', () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const path = join(dir, 'k.pem');
    writeFileSync(path, pem, { mode: 0o600 });
    const fromText = resolveSigningKey({ signingKey: pem, keyDirectory: dir });
    const fromPath = resolveSigningKey({ signingKey: path, keyId: 'prod-2026', keyDirectory: dir });
    expect(fromText.source).toBe('value');
    expect(fromPath.source).toBe('file');
    expect(fromPath.keyId).toBe('prod-2026');
    expect(fromPath.publicKeyHex).toBe(fromText.publicKeyHex);
    expect(existsSync(join(dir, GENERATED_PRIVATE_KEY_FILE))).toBe(false);
  });

  test('unusable keys throw SigningKeyError with the fix', () => {
    expect(() => resolveSigningKey({ signingKey: join(dir, 'missing.pem'), keyDirectory: dir })).toThrow(SigningKeyError);
    expect(() => resolveSigningKey({ signingKey: join(dir, 'missing.pem'), keyDirectory: dir })).toThrow(/SWARMTRAIL_SIGNING_KEY/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(() => resolveSigningKey({ signingKey: rsa, keyDirectory: dir })).toThrow(/Ed25519/);
    const publicPem = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(() => resolveSigningKey({ signingKey: publicPem, keyDirectory: dir })).toThrow(SigningKeyError);
    expect(() => resolveSigningKey({ signingKey: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----', keyDirectory: dir })).toThrow(/not a readable PEM/);
  });
});
