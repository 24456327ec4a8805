/**
 * Golden vectors (test/integrity/vectors.json) pin the canonical form, the record hash and the
 * checkpoint signature. The hashes are cross-checked with `sha256sum`, the signature was made with
 * `openssl pkeyutl -sign -rawin` (Ed25519 is deterministic), so the format does not merely agree
 * with itself.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ROOT_CONTEXT, SeverityNumber, TraceFlags, trace } from '@opentelemetry/api';
import { JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { describe, expect, test } from 'vitest';
import { checkpointStatementText, keyListHash, signCheckpoint, verifyCheckpointSignature } from '../../src/integrity/checkpoint.js';
import { canonicalize, CanonicalizationError } from '../../src/integrity/jcs.js';
import { defaultKeyId, publicKeyFromHex, rawPublicKeyHex, resolveSigningKey } from '../../src/integrity/keys.js';
import { canonicalProjection, hashProjection, normalizeKey, projectOtlpLogRecord, projectSdkLogRecord } from '../../src/integrity/projection.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'));

describe('RFC 8785 canonicalization', () => {
  test('the RFC 8785 section 3.2.2 example', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    expect(canonicalize(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  test('members are sorted by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  test('non-JSON values are refused', () => {
    expect(() => canonicalize(Number.NaN)).toThrow(CanonicalizationError);
    expect(() => canonicalize({ a: Infinity })).toThrow(CanonicalizationError);
    expect(() => canonicalize(10n)).toThrow(CanonicalizationError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalize(cyclic)).toThrow(CanonicalizationError);
    expect(canonicalize({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
  });
});

describe('projection golden vectors', () => {
  for (const vector of vectors.projection) {
    test(vector.name, () => {
      const view = projectOtlpLogRecord(vector.logRecord, vector.resource, vector.scope);
      expect(canonicalProjection(view.projection)).toBe(vector.canonical);
      expect(hashProjection(view.projection)).toBe(vector.sha256);
      const bySha256sum = execFileSync('sha256sum', { input: Buffer.from(vector.canonical, 'utf8') }).toString().split(' ')[0];
      expect(bySha256sum).toBe(vector.sha256);
    });
  }

  test('the SDK record and its OTLP/JSON serialisation project identically (vector 1)', async () => {
    const vector = vectors.projection[0];
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'payments-swarm', 'service.version': '2.0.0' }),
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
    const attributes: Record<string, string | number> = {};
    for (const kv of vector.logRecord.attributes) attributes[kv.key] = kv.value.stringValue ?? Number(kv.value.intValue);
    provider.getLogger('swarmtrail', '0.1.0').emit({
      eventName: 'audit.tool.end',
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: 'tool search finished',
      timestamp: [1767225600, 123000000],
      observedTimestamp: [1767225600, 123456789],
      attributes,
      context,
    });
    const [record] = exporter.getFinishedLogRecords();
    expect(canonicalProjection(projectSdkLogRecord(record))).toBe(vector.canonical);
    const request = JSON.parse(Buffer.from(JsonLogsSerializer.serializeRequest([record])!).toString('utf8'));
    const otlp = request.resourceLogs[0];
    expect(canonicalProjection(projectOtlpLogRecord(otlp.scopeLogs[0].logRecords[0], otlp.resource.attributes, otlp.scopeLogs[0].scope).projection)).toBe(vector.canonical);
    await provider.shutdown();
  });

  test('the specialised canonical form orders keys by UTF-16 code units, integer-like keys included', () => {
    const projection = {
      v: '1',
      time: '1',
      body: 'b\u2028"\\',
      attributes: { b: '1', '10': 'ten', '9': 'nine', a: 'x', 'Z': 'upper', '\u00e9': 'e-acute', '\ud83d\ude00': 'emoji', '\uff61': 'halfwidth', '': 'empty' },
    };
    expect(canonicalProjection(projection)).toBe(canonicalize(projection));
    expect(canonicalProjection(projection).indexOf('"10"')).toBeLessThan(canonicalProjection(projection).indexOf('"9"'));
    const plain = { ...projection, attributes: { b: '1', a: 'x', '\ud83d\ude00': 'emoji', '\uff61': 'halfwidth' } };
    expect(canonicalProjection(plain)).toBe(canonicalize(plain));
  });

  test('the canonical form stays right when more key lists than the order cache holds alternate', () => {
    const projections = Array.from({ length: 20 }, (_, i) => ({
      v: '1',
      time: String(i),
      body: 'b',
      attributes: Object.fromEntries(Array.from({ length: (i % 5) + 1 }, (_, j) => [`k${(i * 7 + j * 3) % 11}.${j}`, `v${j}`])),
    }));
    for (let pass = 0; pass < 3; pass += 1) {
      for (const projection of projections) expect(canonicalProjection(projection)).toBe(canonicalize(projection));
    }
  });

  test('the specialised canonical form equals generic RFC 8785 canonicalization on a real trail', async () => {
    const { makeTrail } = await import('./trail.js');
    const trail = await makeTrail({ runs: 2, recordsPerRun: 6, chainAllLogRecords: true });
    for (const record of trail.records) {
      const projection = projectSdkLogRecord(record);
      expect(canonicalProjection(projection)).toBe(canonicalize(projection));
    }
    for (const vector of vectors.projection) {
      const projection = projectOtlpLogRecord(vector.logRecord, vector.resource, vector.scope).projection;
      expect(canonicalProjection(projection)).toBe(canonicalize(projection));
    }
  });

  test('attribute keys normalise the way Loki names labels', () => {
    expect(normalizeKey('audit.event.type')).toBe('audit_event_type');
    expect(normalizeKey('gen_ai.usage.input_tokens')).toBe('gen_ai_usage_input_tokens');
    expect(normalizeKey('9lives')).toBe('key_9lives');
    expect(normalizeKey('_private')).toBe('key_private');
    expect(normalizeKey('__reserved')).toBe('__reserved');
  });
});

describe('checkpoint signature golden vector', () => {
  const vector = vectors.checkpoint;
  test('the statement text is the pinned canonical JSON; the key-list hash is sha256sum of its JSON', () => {
    expect(checkpointStatementText(vector.statement)).toBe(vector.text);
    const keys = ['gen_ai.tool.name', 'audit.outcome', 'audit.event.type', 'audit.event.id', 'audit.chain.seq', 'audit.chain.prev_hash', 'audit.chain.id', 'audit.record.hash'];
    const json = JSON.stringify([...keys].sort());
    expect(keyListHash(keys)).toBe(execFileSync('sha256sum', { input: json }).toString().split(' ')[0]);
    expect(keyListHash(keys)).toBe(vector.statement.attributeKeysHash);
  });

  test('signing reproduces the signature openssl made, and it verifies', () => {
    const key = resolveSigningKey({ signingKey: vector.privateKeyPem, keyId: 'ed25519:test', keyDirectory: '/nonexistent' });
    expect(key.source).toBe('value');
    expect(signCheckpoint(vector.statement, key)).toBe(vector.signature);
    expect(verifyCheckpointSignature(vector.statement, vector.signature, createPublicKey(vector.publicKeyPem))).toBe(true);
    expect(verifyCheckpointSignature({ ...vector.statement, seq: 2 }, vector.signature, createPublicKey(vector.publicKeyPem))).toBe(false);
    // Everything a verifier relies on is signed: promoting a checkpoint to final, or stating
    // another resource or run, breaks the signature.
    for (const change of [{ final: false }, { reason: 'count' }, { runId: '' }, { resourceHash: '0'.repeat(64) }, { resourceKeys: ['service.name'] }, { attributeKeysHash: '0'.repeat(64) }]) {
      expect(verifyCheckpointSignature({ ...vector.statement, ...change }, vector.signature, createPublicKey(vector.publicKeyPem)), JSON.stringify(change)).toBe(false);
    }
    expect(verifyCheckpointSignature(vector.statement, 'zz', createPublicKey(vector.publicKeyPem))).toBe(false);
  });

  test('raw public keys round-trip and give the default key id', () => {
    const hex = rawPublicKeyHex(createPrivateKey(vector.privateKeyPem));
    expect(rawPublicKeyHex(publicKeyFromHex(hex))).toBe(hex);
    expect(defaultKeyId(hex)).toMatch(/^ed25519:[0-9a-f]{16}$/);
    expect(() => publicKeyFromHex('abcd')).toThrow(/32 bytes/);
  });
});
