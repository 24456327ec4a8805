/**
 * The mutation suite: a real trail (OTel SDK + HashChainLogRecordProcessor, serialised with the
 * OTLP/JSON serializer) is edited in every way listed in issue 7 and each edit must be reported
 * with the right kind; the untouched trail, with duplicates, must verify cleanly.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadAnchorEntries } from '../../src/integrity/anchor.js';
import type { TrustedKey } from '../../src/integrity/keys.js';
import { hashResource, otlpStringForm } from '../../src/integrity/projection.js';
import { attribute, clone, flatten, isChained, kinds, mutateValue, rehash, stringAttribute, verifyEntries, verifyLines, verifyOnDisk, type Entry, type OtlpJson } from './helpers.js';
import { makeTrail, testSigningKey, toOtlpLines } from './trail.js';

const RECORD_FIELDS = ['timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'severityText', 'body', 'eventName', 'flags', 'traceId', 'spanId'];

let lines: string[];
let entries: Entry[];
let trusted: TrustedKey[];

beforeAll(async () => {
  const trail = await makeTrail({ runs: 3, recordsPerRun: 9 });
  lines = toOtlpLines(trail.records);
  entries = flatten(lines);
  const key = testSigningKey();
  trusted = [{ keyId: key.keyId, publicKeyHex: key.publicKeyHex, publicKey: key.publicKey, path: 'test' }];
});

describe('an untouched trail', () => {
  test('verifies cleanly, with checkpoints and sealed chains', () => {
    const report = verifyLines(lines, { trustedKeys: trusted });
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.chains).toHaveLength(3);
    for (const chain of report.chains) {
      expect(chain.sealed).toBe(true);
      expect(chain.checkpoints).toBeGreaterThanOrEqual(3); // every 4 records, plus the final one
      expect(chain.findings).toEqual([]);
    }
  });

  test('with duplicates from at-least-once delivery verifies cleanly and counts them', () => {
    const replayed = [...lines.slice(0, 4), ...lines.slice(2, 6), ...lines.slice(4), lines[1], lines.at(-1)!];
    const report = verifyLines(replayed, { trustedKeys: trusted });
    expect(report.ok).toBe(true);
    expect(report.chains.reduce((sum, chain) => sum + chain.duplicates, 0)).toBeGreaterThan(10);
  });

  test('regrouping records into other lines changes nothing', () => {
    expect(verifyEntries(entries, { trustedKeys: trusted }).ok).toBe(true);
  });
});

describe('every single-field change is reported as modified', () => {
  test('each record field, attribute, resource attribute and scope field of every chained record', () => {
    let mutations = 0;
    const undetected: string[] = [];
    entries.forEach((entry, index) => {
      if (!isChained(entry)) return;
      const tryMutation = (label: string, edit: (copy: Entry) => void): void => {
        const copy = entries.map(clone);
        edit(copy[index]);
        mutations += 1;
        const report = verifyEntries(copy, { trustedKeys: trusted });
        if (report.ok || !kinds(report).has('modified')) undetected.push(`${index}:${label} -> ${JSON.stringify(report.failures)}`);
      };
      for (const field of RECORD_FIELDS) {
        if (entry.record[field] === undefined) continue;
        tryMutation(field, (copy) => {
          copy.record[field] = mutateValue(copy.record[field]);
        });
      }
      entry.record.attributes.forEach((kv: OtlpJson, position: number) => {
        tryMutation(`attribute ${kv.key}`, (copy) => {
          copy.record.attributes[position].value = mutateValue(kv.value);
        });
      });
      entry.resource.attributes.forEach((kv: OtlpJson, position: number) => {
        tryMutation(`resource ${kv.key}`, (copy) => {
          copy.resource = clone(copy.resource);
          copy.resource.attributes[position].value = mutateValue(kv.value);
        });
      });
      for (const field of ['name', 'version']) {
        tryMutation(`scope ${field}`, (copy) => {
          copy.scope = { ...copy.scope, [field]: mutateValue(copy.scope[field]) };
        });
      }
    });
    expect(undetected).toEqual([]);
    expect(mutations).toBeGreaterThan(500);
  });
});

describe('structural edits', () => {
  test('every single deletion is reported as missing (or truncated for the last record of a chain)', () => {
    entries.forEach((entry, index) => {
      if (!isChained(entry)) return;
      const chainId = stringAttribute(entry, 'audit.chain.id');
      const isLast = !entries.slice(index + 1).some((other) => stringAttribute(other, 'audit.chain.id') === chainId);
      const report = verifyEntries(entries.filter((_, i) => i !== index), { trustedKeys: trusted });
      expect(report.ok, `deleting ${index}`).toBe(false);
      expect([...kinds(report)], `deleting ${index}`).toEqual([isLast ? 'truncated' : 'missing']);
    });
  });

  test('every adjacent swap within a chain is reported as reordered', () => {
    let swaps = 0;
    for (let i = 0; i < entries.length; i += 1) {
      if (!isChained(entries[i])) continue;
      const chainId = stringAttribute(entries[i], 'audit.chain.id');
      const j = entries.findIndex((other, k) => k > i && stringAttribute(other, 'audit.chain.id') === chainId);
      if (j === -1) continue;
      const swapped = [...entries];
      [swapped[i], swapped[j]] = [swapped[j], swapped[i]];
      const report = verifyEntries(swapped, { trustedKeys: trusted });
      expect([...kinds(report)], `swapping ${i} and ${j}`).toEqual(['reordered']);
      swaps += 1;
    }
    expect(swaps).toBeGreaterThan(25);
  });

  test('truncation at every position: reported as truncated; whole chains vanish only without an anchor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmtrail-anchor-'));
    try {
      const anchorPath = join(dir, 'anchor.jsonl');
      const trail = await makeTrail({ runs: 3, recordsPerRun: 5, plainLogs: false, anchor: anchorPath });
      const all = flatten(toOtlpLines(trail.records));
      const anchors = loadAnchorEntries([anchorPath]);
      expect(anchors.length).toBeGreaterThanOrEqual(6);
      for (let keep = 0; keep < all.length; keep += 1) {
        const kept = all.slice(0, keep);
        const anchored = verifyEntries(kept, { trustedKeys: trusted, anchors });
        expect([...kinds(anchored)], `keeping ${keep} with anchor`).toEqual(['truncated']);
        const cutsAChain = keep > 0 && stringAttribute(all[keep - 1], 'audit.chain.id') === stringAttribute(all[keep], 'audit.chain.id');
        const bare = verifyEntries(kept, { trustedKeys: trusted });
        if (cutsAChain) expect([...kinds(bare)], `keeping ${keep}`).toEqual(['truncated']);
        else expect(bare.ok, `keeping ${keep}: whole chains removed, undetectable without an anchor`).toBe(true);
      }
      expect(verifyEntries(all, { trustedKeys: trusted, anchors }).ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a rewritten record (hash recomputed) breaks the link to the next record', () => {
    const index = entries.findIndex((entry) => stringAttribute(entry, 'audit.event.type') === 'decision');
    const copy = entries.map(clone);
    copy[index].record.body = { stringValue: 'a different decision' };
    rehash(copy[index]);
    expect(kinds(verifyEntries(copy, { trustedKeys: trusted }))).toContain('chain-broken');
  });

  test('a second, self-consistent record with the same seq is a fork', () => {
    const index = entries.findIndex((entry) => stringAttribute(entry, 'audit.event.type') === 'decision');
    const forged = clone(entries[index]);
    forged.record.body = { stringValue: 'an alternative history' };
    rehash(forged);
    const report = verifyEntries([...entries, forged], { trustedKeys: trusted });
    expect([...kinds(report)]).toEqual(['fork']);
  });

  test('a record appended after the final checkpoint is reported', () => {
    const last = entries.findLast((entry) => isChained(entry))!;
    const extra = clone(last);
    attribute(extra, 'audit.chain.seq').intValue = Number(stringAttribute(last, 'audit.chain.seq')) + 1;
    attribute(extra, 'audit.chain.prev_hash').stringValue = stringAttribute(last, 'audit.record.hash');
    attribute(extra, 'audit.event.type').stringValue = 'decision';
    extra.record.eventName = 'audit.decision';
    rehash(extra);
    expect([...kinds(verifyEntries([...entries, extra], { trustedKeys: trusted }))]).toEqual(['appended']);
  });

  test('an audit record stripped of its chain attributes is unchained (and leaves a gap)', () => {
    const index = entries.findIndex((entry) => stringAttribute(entry, 'audit.event.type') === 'decision');
    const copy = entries.map(clone);
    copy[index].record.attributes = copy[index].record.attributes.filter((kv: OtlpJson) => !kv.key.startsWith('audit.chain.') && kv.key !== 'audit.record.hash');
    expect([...kinds(verifyEntries(copy, { trustedKeys: trusted }))].sort()).toEqual(['missing', 'unchained']);
    // Allowing unchained records (a journal shared with integrity-off runs) still finds the gap.
    const allowed = verifyEntries(copy, { trustedKeys: trusted, allowUnchained: true });
    expect([...kinds(allowed)]).toEqual(['missing']);
    expect(allowed.warnings.join('\n')).toContain('1 audit record(s) without chain attributes');
  });
});

test('a forged huge sequence number is reported without allocating or scanning up to it', () => {
  const copy = entries.map(clone);
  const target = copy.find((entry) => stringAttribute(entry, 'audit.event.type') === 'decision')!;
  attribute(target, 'audit.chain.seq').intValue = 999_999_999_999;
  rehash(target);
  const started = performance.now();
  const report = verifyEntries(copy, { trustedKeys: trusted });
  expect(performance.now() - started).toBeLessThan(2000);
  expect([...kinds(report)].sort()).toEqual(['appended', 'missing', 'reordered']);
  expect(process.memoryUsage().rss).toBeLessThan(2 * 1024 ** 3);
});

describe('signatures', () => {
  const finalCheckpoint = (list: Entry[]): Entry =>
    list.findLast((entry) => stringAttribute(entry, 'audit.event.type') === 'checkpoint' && stringAttribute(entry, 'audit.checkpoint.final') === 'true')!;

  // A final checkpoint whose signature fails does not seal the chain, so its tail counts as truncated too.
  test('a forged signature (record re-hashed) is a bad signature', () => {
    const copy = entries.map(clone);
    const checkpoint = finalCheckpoint(copy);
    const signature = attribute(checkpoint, 'audit.checkpoint.signature');
    signature.stringValue = signature.stringValue.slice(0, -2) + (signature.stringValue.endsWith('00') ? '11' : '00');
    rehash(checkpoint);
    expect([...kinds(verifyEntries(copy, { trustedKeys: trusted }))].sort()).toEqual(['bad-signature', 'truncated']);
  });

  test('a forged signature on an intermediate checkpoint is only a bad signature', () => {
    const copy = entries.map(clone);
    const checkpoint = copy.find((entry) => stringAttribute(entry, 'audit.event.type') === 'checkpoint')!;
    const signature = attribute(checkpoint, 'audit.checkpoint.signature');
    signature.stringValue = signature.stringValue.slice(0, -2) + (signature.stringValue.endsWith('00') ? '11' : '00');
    rehash(checkpoint);
    const next = copy.find((entry) => stringAttribute(entry, 'audit.chain.id') === stringAttribute(checkpoint, 'audit.chain.id') && stringAttribute(entry, 'audit.chain.prev_hash') !== undefined && Number(stringAttribute(entry, 'audit.chain.seq')) === Number(stringAttribute(checkpoint, 'audit.chain.seq')) + 1)!;
    // The forger also re-links the next record, and so on: here only the next one, which breaks at the one after.
    attribute(next, 'audit.chain.prev_hash').stringValue = stringAttribute(checkpoint, 'audit.record.hash');
    rehash(next);
    expect([...kinds(verifyEntries(copy, { trustedKeys: trusted }))].sort()).toEqual(['bad-signature', 'chain-broken']);
  });

  test('a missing signature is a bad signature', () => {
    const copy = entries.map(clone);
    const checkpoint = finalCheckpoint(copy);
    checkpoint.record.attributes = checkpoint.record.attributes.filter((kv: OtlpJson) => kv.key !== 'audit.checkpoint.signature');
    rehash(checkpoint);
    expect([...kinds(verifyEntries(copy, { trustedKeys: trusted }))].sort()).toEqual(['bad-signature', 'truncated']);
  });

  // The final checkpoint is the chain's last record: nothing later covers its hash, so whatever
  // the verifier relies on in it must be in the signed statement.
  test('cutting a chain after an earlier checkpoint and promoting it to final breaks that checkpoint\'s signature', () => {
    const checkpoints = entries.filter((entry) => stringAttribute(entry, 'audit.event.type') === 'checkpoint' && stringAttribute(entry, 'audit.checkpoint.final') === 'false');
    expect(checkpoints.length).toBeGreaterThan(0);
    const chosen = checkpoints[0];
    const chainId = stringAttribute(chosen, 'audit.chain.id');
    const seq = Number(stringAttribute(chosen, 'audit.chain.seq'));
    const kept = entries
      .filter((entry) => stringAttribute(entry, 'audit.chain.id') !== chainId || Number(stringAttribute(entry, 'audit.chain.seq')) <= seq)
      .map(clone);
    const promoted = kept.find((entry) => stringAttribute(entry, 'audit.chain.id') === chainId && Number(stringAttribute(entry, 'audit.chain.seq')) === seq)!;
    attribute(promoted, 'audit.checkpoint.final').boolValue = true;
    attribute(promoted, 'audit.checkpoint.reason').stringValue = 'run.end';
    rehash(promoted);
    const report = verifyEntries(kept, { trustedKeys: trusted });
    expect(report.ok).toBe(false);
    expect([...kinds(report)].sort()).toEqual(['bad-signature', 'truncated']);
  });

  test('rewriting a resource attribute everywhere and restating resource_hash in the final checkpoints breaks their signatures', () => {
    const copy = entries.map(clone);
    for (const entry of copy) {
      const version = entry.resource.attributes.find((kv: OtlpJson) => kv.key === 'service.version');
      version.value = { stringValue: '9.9.9' };
    }
    const finals = copy.filter((entry) => stringAttribute(entry, 'audit.event.type') === 'checkpoint' && stringAttribute(entry, 'audit.checkpoint.final') === 'true');
    expect(finals.length).toBeGreaterThan(0);
    for (const checkpoint of finals) {
      const keys = attribute(checkpoint, 'audit.checkpoint.resource_keys').arrayValue.values.map((value: OtlpJson) => value.stringValue as string);
      const values = new Map<string, string>(checkpoint.resource.attributes.map((kv: OtlpJson) => [kv.key, otlpStringForm(kv.value)]));
      attribute(checkpoint, 'audit.checkpoint.resource_hash').stringValue = hashResource(values, keys);
      rehash(checkpoint);
    }
    const report = verifyEntries(copy, { trustedKeys: trusted });
    expect(report.ok).toBe(false);
    expect(kinds(report)).toContain('bad-signature');
    // Without restating the hash, the rewrite is a modification of the records.
    const plain = entries.map(clone);
    for (const entry of plain) entry.resource.attributes.find((kv: OtlpJson) => kv.key === 'service.version').value = { stringValue: '9.9.9' };
    expect(kinds(verifyEntries(plain, { trustedKeys: trusted }))).toContain('modified');
  });

  test('checkpoints signed by a key that is not trusted are unknown-key; without trusted keys it is a warning', async () => {
    const other = await makeTrail({ runs: 1, key: (await import('./trail.js')).otherSigningKey() });
    const otherLines = toOtlpLines(other.records);
    expect(kinds(verifyLines(otherLines, { trustedKeys: trusted }))).toEqual(new Set(['unknown-key', 'truncated']));
    const tofu = verifyLines(otherLines);
    expect(tofu.ok).toBe(true);
    expect(tofu.warnings.join('\n')).toContain('trust on first use');
  });
});

describe('torn and corrupt lines', () => {
  test('a torn last line (crash while writing) is a warning; what it held counts as absent', async () => {
    const text = lines.map((line) => `${line}\n`).join('');
    const torn = Buffer.from(text.slice(0, text.length - 40)); // the last line loses its end and newline
    const report = await verifyOnDisk(torn, { trustedKeys: trusted });
    expect(report.warnings.join('\n')).toContain('torn last line');
    expect(report.findings).toEqual([]);
    expect([...kinds(report)]).toEqual(['truncated']);
  });

  test('an unreadable line in the middle is corrupt', async () => {
    const broken = [...lines];
    broken[2] = broken[2].replace('"logRecords"', '"logRecordz"');
    const report = await verifyOnDisk(broken, { trustedKeys: trusted });
    expect(report.findings[0]).toMatchObject({ kind: 'corrupt', location: 'logs-0000000001.jsonl:3', message: 'unreadable: unknown field "logRecordz" in ScopeLogs' });
  });
});

describe('bit flips in the journal files', () => {
  test('a flipped bit at 400 sampled offsets of a plain segment is always detected', async () => {
    const trail = await makeTrail({ runs: 2, recordsPerRun: 5, chainAllLogRecords: true });
    const content = Buffer.from(toOtlpLines(trail.records).map((line) => `${line}\n`).join(''));
    expect((await verifyOnDisk(content, { trustedKeys: trusted })).ok).toBe(true);
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const undetected: string[] = [];
    for (let sample = 0; sample < 400; sample += 1) {
      const offset = Math.floor(random() * content.length);
      const bit = Math.floor(random() * 8);
      const flipped = Buffer.from(content);
      flipped[offset] ^= 1 << bit;
      const report = await verifyOnDisk(flipped, { trustedKeys: trusted });
      if (report.ok) undetected.push(`offset ${offset} bit ${bit}: ${JSON.stringify(content.subarray(Math.max(0, offset - 30), offset + 30).toString())}`);
    }
    expect(undetected).toEqual([]);
  }, 120_000);

  test('a flipped bit in a compressed segment is detected', async () => {
    const content = gzipSync(Buffer.from(lines.map((line) => `${line}\n`).join('')));
    expect((await verifyOnDisk(content, { trustedKeys: trusted }, 'logs-0000000001.jsonl.gz')).ok).toBe(true);
    for (const offset of [12, Math.floor(content.length / 2), content.length - 6]) {
      const flipped = Buffer.from(content);
      flipped[offset] ^= 0x10;
      const report = await verifyOnDisk(flipped, { trustedKeys: trusted }, 'logs-0000000001.jsonl.gz');
      expect(report.ok, `offset ${offset}`).toBe(false);
    }
  });
});

test('the anchor file written by the processor is JSON lines of signed checkpoints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarmtrail-anchor-'));
  try {
    const anchorPath = join(dir, 'anchor.jsonl');
    await makeTrail({ runs: 1, anchor: anchorPath });
    const text = readFileSync(anchorPath, 'utf8');
    const first = JSON.parse(text.split('\n')[0]);
    expect(Object.keys(first).sort()).toEqual([
      'attribute_keys_hash', 'chain_id', 'final', 'head_hash', 'key_id', 'public_key', 'reason', 'resource_hash', 'resource_keys',
      'run_id', 'seq', 'signature', 'time', 'trace_id', 'v',
    ]);
    expect(first.v).toBe('2');
    expect(text.trim().split('\n').at(-1)).toContain('"final":true');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
