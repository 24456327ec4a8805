/**
 * `swarmtrail verify` over real journals on disk, the local key, anchors, and the metric push to a
 * 127.0.0.1 OTLP/HTTP receiver. The command is run as main() would run it (same option parsing and
 * context), so the test does not depend on the command being registered yet.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { EXIT_FAILURE, EXIT_USAGE } from '../../src/cli/context.js';
import { resolveSigningKey } from '../../src/integrity/keys.js';
import { flatten, regroup, runVerifyCommand, stringAttribute, type OtlpJson } from './helpers.js';
import { makeTrail, otherSigningKey, toOtlpLines, writeJournal } from './trail.js';

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'swarmtrail-verify-cli-'));
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

/** A trail as a local writer leaves it: `<base>/journal` and the generated key in `<base>/keys`. */
async function localTrail(options: { anchor?: string } = {}): Promise<{ journal: string; lines: string[]; traceIds: string[] }> {
  const key = resolveSigningKey({ keyDirectory: join(base, 'keys') });
  const trail = await makeTrail({ runs: 2, recordsPerRun: 5, key, ...options });
  const lines = toOtlpLines(trail.records);
  const journal = join(base, 'journal');
  writeJournal(journal, lines);
  return { journal, lines, traceIds: trail.traceIds };
}

describe('swarmtrail verify', () => {
  test('an intact journal verifies: exit 0 with the signer pinned, 3 against the key file next to the trail', async () => {
    const { journal } = await localTrail();
    const result = await runVerifyCommand(['--dir', journal], base);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('2 chains');
    expect(result.stdout).toContain('OK: every chain verifies');
    expect(result.stdout).toContain('checked against the locally generated key');
    expect(result.stdout).toContain('the signer is not pinned');
    expect(result.stdout).not.toContain('trust on first use');
    expect(JSON.parse((await runVerifyCommand(['--dir', journal, '--json'], base)).stdout).trust).toBe('local-key');
    const pinned = await runVerifyCommand(['--dir', journal, '--public-key', join(base, 'keys')], base);
    expect(pinned.code).toBe(0);
    expect(pinned.stdout).not.toContain('not pinned');
  });

  test('a tampered journal fails with exit 1 and a JSON report naming the record', async () => {
    const { journal } = await localTrail();
    const path = join(journal, 'logs-0000000001.jsonl');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"stringValue":"success"', '"stringValue":"failure"'));
    const result = await runVerifyCommand(['--dir', journal, '--json'], base);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.failures).toEqual({ modified: 1 });
    const finding = report.chains.flatMap((chain: OtlpJson) => chain.findings)[0];
    expect(finding).toMatchObject({ kind: 'modified', seq: 1, location: 'logs-0000000001.jsonl:1#1', message: 'content does not match audit.record.hash' });
  });

  test('the human report lists findings per chain', async () => {
    const { journal, lines } = await localTrail();
    const entries = flatten(lines);
    writeJournal(journal, regroup(entries.filter((entry) => stringAttribute(entry, 'audit.chain.seq') !== '2')));
    const result = await runVerifyCommand(['--dir', journal], base);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ chain [0-9a-f-]{36} \(run [0-9a-f]{32}\): \d+ records, sealed at seq \d+/);
    expect(result.stdout).toMatch(/missing\s+seq 2\s+record seq 2 is missing/);
    expect(result.stdout).toContain('FAILED: missing 2');
  });

  test('--run verifies one run only', async () => {
    const { journal, lines, traceIds } = await localTrail();
    const entries = flatten(lines);
    // Break the second run; verifying the first still succeeds.
    writeJournal(journal, regroup(entries.filter((entry) => !(entry.record.traceId === traceIds[1] && stringAttribute(entry, 'audit.chain.seq') === '3'))));
    const pin = ['--public-key', join(base, 'keys')];
    expect((await runVerifyCommand(['--dir', journal, '--run', traceIds[0], ...pin], base)).code).toBe(0);
    expect((await runVerifyCommand(['--dir', journal, '--run', traceIds[0].slice(0, 8), ...pin], base)).code).toBe(0);
    expect((await runVerifyCommand(['--dir', journal, '--run', traceIds[1], ...pin], base)).code).toBe(1);
    expect((await runVerifyCommand(['--dir', journal, '--run', 'nope'], base)).code).toBe(EXIT_USAGE);
    expect((await runVerifyCommand(['--dir', journal, '--run', 'ab'], base)).code).toBe(EXIT_USAGE);
    // A run the trail knows nothing of is not "OK: nothing to verify".
    const absent = traceIds.some((id) => id.startsWith('ffff')) ? 'eeee' : 'ffff';
    const unknown = await runVerifyCommand(['--dir', journal, '--run', absent, ...pin, '--json'], base);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).findings).toEqual([expect.objectContaining({ kind: 'missing' })]);
  });

  test('a logs line dressed as a traces line is verified (and corrupt), not skipped', async () => {
    const { journal } = await localTrail();
    const path = join(journal, 'logs-0000000001.jsonl');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    lines[0] = lines[0].replace(/^\{"resourceLogs"/, '{"resourceSpans":[],"resourceLogs"');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const result = await runVerifyCommand(['--dir', journal, '--public-key', join(base, 'keys'), '--json'], base);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'corrupt', location: 'logs-0000000001.jsonl:1', message: expect.stringContaining('resourceSpans') })]),
    );
  });

  test('an unknown run fails even with an anchor of other runs; nothing verified without a pinned key is exit 3', async () => {
    const anchor = join(base, 'anchors-other');
    mkdirSync(anchor);
    const { journal } = await localTrail({ anchor });
    const pin = ['--public-key', join(base, 'keys')];
    expect((await runVerifyCommand(['--dir', journal, '--run', 'ffff', '--anchor', anchor, ...pin], base)).code).toBe(1);
    const empty = join(base, 'empty-journal');
    mkdirSync(empty);
    writeFileSync(join(empty, 'logs-0000000001.jsonl'), '');
    expect((await runVerifyCommand(['--dir', empty], base)).code).toBe(3);
    expect((await runVerifyCommand(['--dir', empty, ...pin], base)).code).toBe(0);
  });

  test("a torn last line of the main directory's newest segment is a warning even when process directories follow it", async () => {
    const { journal } = await localTrail();
    mkdirSync(join(journal, 'process-999'));
    writeFileSync(join(journal, 'process-999', 'logs-0000000001.jsonl'), '');
    const path = join(journal, 'logs-0000000001.jsonl');
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"resourceLogs":[{"reso`);
    const result = await runVerifyCommand(['--dir', journal, '--public-key', join(base, 'keys'), '--json'], base);
    const report = JSON.parse(result.stdout);
    expect(report.findings).toEqual([]);
    expect(report.warnings.join('\n')).toContain('torn last line');
    expect(result.code).toBe(0);
  });

  test('--public-key pins the signer: a trail signed by another key fails', async () => {
    const trail = await makeTrail({ runs: 1, key: otherSigningKey() });
    const journal = join(base, 'other');
    writeJournal(journal, toOtlpLines(trail.records));
    const { journal: _local } = await localTrail();
    const result = await runVerifyCommand(['--dir', journal, '--public-key', join(base, 'keys'), '--json'], base);
    expect(result.code).toBe(1);
    expect(Object.keys(JSON.parse(result.stdout).failures).sort()).toEqual(['truncated', 'unknown-key']);
  });

  test('with an anchor, deleting a whole run is detected', async () => {
    const anchor = join(base, 'anchors');
    mkdirSync(anchor);
    const { journal, lines, traceIds } = await localTrail({ anchor });
    writeJournal(journal, regroup(flatten(lines).filter((entry) => entry.record.traceId !== traceIds[1])));
    // These trails have no spans (no root-span checkpoints): without the anchor the deletion is invisible.
    expect((await runVerifyCommand(['--dir', journal, '--public-key', join(base, 'keys')], base)).code).toBe(0);
    const anchored = await runVerifyCommand(['--dir', journal, '--anchor', anchor, '--json'], base);
    expect(anchored.code).toBe(1);
    expect(JSON.parse(anchored.stdout).findings[0]).toMatchObject({ kind: 'truncated', message: expect.stringContaining('the trail has no records of it') });
  });

  test('a missing journal is an error with what to do; --since without --loki is a usage error', async () => {
    const missing = await runVerifyCommand(['--dir', join(base, 'nowhere')], base);
    expect(missing.code).toBe(EXIT_FAILURE);
    expect(missing.stderr).toContain('--loki');
    const { journal } = await localTrail();
    expect((await runVerifyCommand(['--dir', journal, '--since', '1h'], base)).code).toBe(EXIT_USAGE);
  });

  test('--metrics-endpoint pushes swarmtrail.verify.failures by kind over OTLP/HTTP', async () => {
    const bodies: OtlpJson[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        bodies.push({ url: request.url, type: request.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { journal } = await localTrail();
      const path = join(journal, 'logs-0000000001.jsonl');
      writeFileSync(path, readFileSync(path, 'utf8').replace('"stringValue":"success"', '"stringValue":"failure"'));
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await runVerifyCommand(['--dir', journal, '--metrics-endpoint', endpoint], base);
      expect(result.code).toBe(1);
      expect(bodies).toHaveLength(1);
      expect(bodies[0].url).toBe('/v1/metrics');
      const request = JSON.parse(bodies[0].body);
      const metric = request.resourceMetrics[0].scopeMetrics[0].metrics[0];
      expect(metric.name).toBe('swarmtrail.verify.failures');
      expect(metric.unit).toBe('{failure}');
      const point = metric.sum.dataPoints[0];
      expect(point.attributes).toEqual([{ key: 'swarmtrail.verify.failure.kind', value: { stringValue: 'modified' } }]);
      expect(Number(point.asInt ?? point.asDouble)).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
