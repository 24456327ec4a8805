import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { renderAll } from '../../grafana/src/generate.js';
import { GRAFANA_DIRECTORY } from './expressions.js';

const run = promisify(execFile);
const ROOT = join(GRAFANA_DIRECTORY, '..');
const GENERATED_DIRECTORIES = ['provisioning', 'dashboards', 'prometheus'];

async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(directory, join(entry.parentPath, entry.name)));
}

async function generatedFilesUnder(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const directory of GENERATED_DIRECTORIES) {
    for (const file of await listFiles(join(root, directory))) {
      files.set(join(directory, file), await readFile(join(root, directory, file), 'utf8'));
    }
  }
  return files;
}

describe('generated Grafana files', () => {
  const scratch: string[] = [];
  afterAll(async () => {
    for (const directory of scratch) await rm(directory, { recursive: true, force: true });
  });

  it('the committed files are exactly what the generator produces (run npm run grafana:generate)', async () => {
    const expected = [...renderAll()].sort(([a], [b]) => a.localeCompare(b));
    const committed = [...(await generatedFilesUnder(GRAFANA_DIRECTORY))].sort(([a], [b]) => a.localeCompare(b));
    expect(committed.map(([path]) => path)).toEqual(expected.map(([path]) => path));
    for (const [index, [path, content]] of expected.entries()) {
      expect(committed[index][1], `${path} is stale`).toBe(content);
    }
  });

  it('the grafana:generate script builds and writes the same files, idempotently', async () => {
    const packageJson = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect(packageJson.scripts['grafana:generate']).toBe(
      'tsc -p grafana/tsconfig.generate.json && node grafana/.build/grafana/src/generate.js',
    );
    // Same two steps as the script, into scratch directories (the build must sit under the
    // repository so that `yaml` resolves from node_modules).
    await mkdir(join(GRAFANA_DIRECTORY, '.build'), { recursive: true });
    const build = await mkdtemp(join(GRAFANA_DIRECTORY, '.build', 'test-'));
    const output = await mkdtemp(join(GRAFANA_DIRECTORY, '.build', 'out-'));
    scratch.push(build, output);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', 'grafana/tsconfig.generate.json', '--outDir', build], { cwd: ROOT, timeout: 120_000 });
    const generator = join(build, 'grafana', 'src', 'generate.js');
    await run(process.execPath, [generator, '--out', output], { cwd: ROOT, timeout: 60_000 });
    const first = await generatedFilesUnder(output);
    await run(process.execPath, [generator, '--out', output], { cwd: ROOT, timeout: 60_000 });
    const second = await generatedFilesUnder(output);
    expect(second).toEqual(first);
    expect(first).toEqual(await generatedFilesUnder(GRAFANA_DIRECTORY));

    // A bad argument fails with a non-zero exit code instead of writing anywhere.
    const failure = await run(process.execPath, [generator, '--outdir', output], { cwd: ROOT, timeout: 60_000 }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("Unknown option '--outdir'");
  }, 150_000);
});
