/**
 * The "verify by hand" recipes in docs/integrity.md, run as written with jq, sha256sum, xxd and
 * openssl against a journal segment from a real trail.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { flatten, stringAttribute } from './helpers.js';
import { makeTrail, toOtlpLines, writeJournal } from './trail.js';

const docs = readFileSync(new URL('../../docs/integrity.md', import.meta.url), 'utf8');

function block(name: string): string {
  const start = docs.indexOf(`<!-- ${name}:start -->`);
  const end = docs.indexOf(`<!-- ${name}:end -->`);
  if (start === -1 || end < start) throw new Error(`no ${name} block in docs/integrity.md`);
  return docs.slice(start, end).split('\n').slice(2, -2).join('\n');
}

let dir: string;
let segment: string;
let lines: string[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swarmtrail-docs-'));
  const trail = await makeTrail({ runs: 2, recordsPerRun: 5 });
  lines = toOtlpLines(trail.records);
  segment = writeJournal(join(dir, 'journal'), lines);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('the jq projection reproduces audit.record.hash of every chained record', () => {
  writeFileSync(join(dir, 'projection.jq'), block('projection.jq'));
  const entries = flatten(lines);
  const computed: string[] = [];
  for (const line of lines) {
    const canonical = execFileSync('jq', ['-r', '-f', join(dir, 'projection.jq')], { input: line }).toString().trimEnd().split('\n');
    for (const text of canonical) computed.push(execFileSync('sha256sum', { input: Buffer.from(text, 'utf8') }).toString().split(' ')[0]);
  }
  expect(computed).toHaveLength(entries.length);
  let chained = 0;
  entries.forEach((entry, index) => {
    const stored = stringAttribute(entry, 'audit.record.hash');
    if (stored === undefined) return;
    chained += 1;
    expect(computed[index], `record ${index}`).toBe(stored);
  });
  expect(chained).toBeGreaterThan(10);
});

test('the openssl recipe verifies every checkpoint signature', () => {
  writeFileSync(join(dir, 'checkpoint.sh'), block('checkpoint.sh'));
  const output = execFileSync('bash', [join(dir, 'checkpoint.sh'), segment], { cwd: dir }).toString();
  const checkpoints = flatten(lines).filter((entry) => stringAttribute(entry, 'audit.event.type') === 'checkpoint').length;
  expect(checkpoints).toBeGreaterThan(1);
  expect(output.split('\n').filter((line) => line === 'Signature Verified Successfully')).toHaveLength(checkpoints);
});
