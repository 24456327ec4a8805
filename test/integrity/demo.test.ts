/**
 * The mutation suite over the demo swarm's own trail: `dist/examples/demo-swarm.js` (built by
 * `npm run build`, which `npm ci` runs through `prepare`) writes its journal with start()'s real
 * pipeline (redaction -> hash chain -> journal); every single-field change, deletion, adjacent swap,
 * truncation and sampled bit flip of that journal must be reported with the right kind.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadTrustedKeys, type TrustedKey } from '../../src/integrity/keys.js';
import { clone, flatten, isChained, kinds, mutateValue, regroup, runVerifyCommand, stringAttribute, verifyEntries, verifyOnDisk, type Entry, type OtlpJson } from './helpers.js';

const demo = fileURLToPath(new URL('../../dist/examples/demo-swarm.js', import.meta.url));
let dir: string;
let content: Buffer;
let entries: Entry[];
let trusted: TrustedKey[];

beforeAll(() => {
  if (!existsSync(demo)) throw new Error(`${demo} is missing: run \`npm run build\` first`);
  dir = mkdtempSync(join(tmpdir(), 'swarmtrail-demo-integrity-'));
  execFileSync(process.execPath, [demo], {
    env: { ...process.env, SWARMTRAIL_DIR: dir, OTEL_EXPORTER_OTLP_ENDPOINT: '', SWARMTRAIL_SIGNING_KEY: '' },
    cwd: dir,
    stdio: 'pipe',
    timeout: 60_000,
  });
  content = readFileSync(join(dir, 'journal', 'logs-0000000001.jsonl'));
  entries = flatten(content.toString('utf8').trimEnd().split('\n'));
  trusted = loadTrustedKeys([join(dir, 'keys', 'signing-key.pub.pem')]);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the demo swarm trail', () => {
  test('is chained, sealed and verifies from disk', async () => {
    const chained = entries.filter(isChained);
    expect(chained.length).toBeGreaterThan(20);
    expect(chained.some((entry) => stringAttribute(entry, 'audit.event.type') === 'run.end')).toBe(true);
    const report = await verifyOnDisk(content, { trustedKeys: trusted });
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.chains.every((chain) => chain.sealed)).toBe(true);
  });

  test('every single-field change is modified', () => {
    const undetected: string[] = [];
    let mutations = 0;
    entries.forEach((entry, index) => {
      if (!isChained(entry)) return;
      const attempt = (label: string, edit: (copy: Entry) => void): void => {
        const copy = entries.map(clone);
        edit(copy[index]);
        mutations += 1;
        const report = verifyEntries(copy, { trustedKeys: trusted });
        if (report.ok || !kinds(report).has('modified')) undetected.push(`${index} ${label}: ${JSON.stringify(report.failures)}`);
      };
      for (const field of ['timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'severityText', 'body', 'eventName', 'flags', 'traceId', 'spanId']) {
        if (entry.record[field] !== undefined) attempt(field, (copy) => { copy.record[field] = mutateValue(copy.record[field]); });
      }
      entry.record.attributes.forEach((kv: OtlpJson, position: number) => {
        attempt(kv.key, (copy) => { copy.record.attributes[position].value = mutateValue(kv.value); });
      });
      entry.resource.attributes.forEach((kv: OtlpJson, position: number) => {
        attempt(`resource ${kv.key}`, (copy) => {
          copy.resource = clone(copy.resource);
          copy.resource.attributes[position].value = mutateValue(kv.value);
        });
      });
    });
    expect(undetected).toEqual([]);
    expect(mutations).toBeGreaterThan(300);
  });

  test('every deletion, adjacent swap and truncation is reported with its kind', () => {
    const chainOf = (entry: Entry): string | undefined => stringAttribute(entry, 'audit.chain.id');
    entries.forEach((entry, index) => {
      if (!isChained(entry)) return;
      const last = !entries.slice(index + 1).some((other) => chainOf(other) === chainOf(entry));
      expect([...kinds(verifyEntries(entries.filter((_, i) => i !== index), { trustedKeys: trusted }))], `deleting ${index}`).toEqual([last ? 'truncated' : 'missing']);
      const next = entries.findIndex((other, i) => i > index && chainOf(other) === chainOf(entry));
      if (next !== -1) {
        const swapped = [...entries];
        [swapped[index], swapped[next]] = [swapped[next], swapped[index]];
        expect([...kinds(verifyEntries(swapped, { trustedKeys: trusted }))], `swapping ${index} and ${next}`).toEqual(['reordered']);
      }
    });
    for (let keep = 1; keep < entries.length; keep += 1) {
      const cut = entries.slice(0, keep);
      if (!cut.some(isChained) || !entries.slice(keep).some(isChained)) continue;
      expect([...kinds(verifyEntries(cut, { trustedKeys: trusted }))], `keeping ${keep}`).toEqual(['truncated']);
    }
  });

  test("deleting a run's audit records and checkpoints is caught by the signed checkpoint on its root span", async () => {
    const copy = mkdtempSync(join(tmpdir(), 'swarmtrail-demo-cut-'));
    try {
      const journal = join(copy, 'journal');
      cpSync(join(dir, 'journal'), journal, { recursive: true });
      const runId = entries.find((entry) => stringAttribute(entry, 'audit.event.type') === 'run.end')!.record.traceId as string;
      const others = entries.filter((entry) => entry.record.traceId !== runId);
      expect(others.length).toBeGreaterThan(0); // the SDK's own records outside the run stay
      writeFileSync(join(journal, 'logs-0000000001.jsonl'), `${regroup(others).join('\n')}\n`);
      const pin = ['--public-key', join(dir, 'keys', 'signing-key.pub.pem')];
      const result = await runVerifyCommand(['--dir', journal, ...pin, '--json'], copy);
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout);
      expect(report.findings).toEqual([
        expect.objectContaining({ kind: 'truncated', message: expect.stringContaining("the run's root span holds a checkpoint of this chain") }),
      ]);
      expect(report.findings[0].location).toMatch(/^traces-0000000001\.jsonl:\d+ \(root span invoke_workflow research-report\)$/);
      const byRun = await runVerifyCommand(['--dir', journal, ...pin, '--run', runId.slice(0, 8), '--json'], copy);
      expect(byRun.code).toBe(1);
      expect(Object.keys(JSON.parse(byRun.stdout).failures)).toEqual(['truncated']);
      // Untouched, the same journal verifies, root-span checkpoints included.
      expect((await runVerifyCommand(['--dir', join(dir, 'journal'), ...pin], copy)).code).toBe(0);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  test('a bit flip at 300 sampled offsets of the journal segment is always detected', async () => {
    let seed = 11;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const undetected: number[] = [];
    for (let sample = 0; sample < 300; sample += 1) {
      const offset = Math.floor(random() * content.length);
      const flipped = Buffer.from(content);
      flipped[offset] ^= 1 << Math.floor(random() * 8);
      if ((await verifyOnDisk(flipped, { trustedKeys: trusted })).ok) undetected.push(offset);
    }
    expect(undetected).toEqual([]);
  }, 120_000);
});
