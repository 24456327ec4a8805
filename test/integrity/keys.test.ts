/**
 * The generated signing key: processes starting together in a fresh directory agree on one key,
 * and a directory that cannot be written never stops the program.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { afterEach, expect, test } from 'vitest';
import { resolveSigningKey } from '../../src/integrity/keys.js';
import { audit, start } from '../../src/index.js';
import { collectingDiagLogger } from '../helpers/diag.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmtrail-keys-'));
  dirs.push(dir);
  return dir;
}

const keysModule = fileURLToPath(new URL('../../src/integrity/keys.ts', import.meta.url));
/** Resolves the sources' `.js` imports to their `.ts` files in child processes. */
const tsLoader = fileURLToPath(new URL('../journal/fixtures/ts-loader.mjs', import.meta.url));

/** A child process that resolves the key in `directory` and prints its public key (or the error). */
function resolveInChild(directory: string): Promise<string> {
  const script = `import { resolveSigningKey } from ${JSON.stringify(keysModule)};
try { process.stdout.write(resolveSigningKey({ keyDirectory: ${JSON.stringify(directory)} }).publicKeyHex); }
catch (error) { process.stdout.write('THREW ' + error.message); }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsLoader, '--input-type=module', '--no-warnings', '-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', () => resolve(out));
  });
}

test('processes generating the key together in a fresh directory all end up with the same complete key', async () => {
  for (let round = 0; round < 5; round += 1) {
    const directory = join(tempDir(), 'keys');
    const results = await Promise.all(Array.from({ length: 6 }, () => resolveInChild(directory)));
    expect(results.filter((result) => !/^[0-9a-f]{64}$/.test(result)), `round ${round}`).toEqual([]);
    expect(new Set(results).size, `round ${round}`).toBe(1);
    expect(resolveSigningKey({ keyDirectory: directory }).publicKeyHex).toBe(results[0]);
    expect(readFileSync(join(directory, 'signing-key.pub.pem'), 'utf8')).toContain('BEGIN PUBLIC KEY');
  }
}, 60_000);

test('an unwritable key directory gives a key for this process only, with an error through diag; start() does not throw', async () => {
  const { logger, messages } = collectingDiagLogger(true);
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  const blocker = join(tempDir(), 'a-file');
  writeFileSync(blocker, 'not a directory');
  const key = resolveSigningKey({ keyDirectory: join(blocker, 'keys') });
  expect(key.source).toBe('ephemeral');
  expect(messages.join('\n')).toContain('ENOTDIR');
  expect(messages.join('\n')).toContain('generated for this process only');

  messages.length = 0;
  const handle = start({ directory: join(blocker, 'trail'), journal: false, handleExitSignals: false, env: {}, diagLogger: logger, logRecordExporters: [] });
  expect(handle.enabled).toBe(true);
  expect(audit.decision({ summary: 'still recorded' })).toMatch(/^[0-9a-f-]{36}$/);
  await handle.shutdown();
  expect(messages.join('\n')).toContain('cannot keep a signing key');
});
