/**
 * `process.exit()`, an uncaught exception and an unhandled rejection end a process without
 * `beforeExit`: what was already handed to the journal must still reach the disk (written
 * synchronously on 'exit'), and the journal must read cleanly afterwards.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JournalReader } from '../../src/journal/JournalReader.js';
import { cli } from '../cli/fixtures.js';
import { attribute, logRecordsOf, readJournalLines, spansOf, temporaryDirectory } from './helpers.js';

const loader = fileURLToPath(new URL('./fixtures/ts-loader.mjs', import.meta.url));
const child = fileURLToPath(new URL('./fixtures/exit-child.ts', import.meta.url));

interface ChildResult {
  readonly code: number | null;
  readonly ids: string[];
  readonly stderr: string;
}

function runChild(directory: string, mode: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', loader, child, directory, mode], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const guard = setTimeout(() => {
      process_.kill('SIGKILL');
      reject(new Error(`child (${mode}) did not end in time; stderr: ${stderr}`));
    }, 20_000);
    process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    process_.on('close', (code) => {
      clearTimeout(guard);
      let ids: string[] = [];
      try {
        ids = readFileSync(join(directory, 'ids.txt'), 'utf8').split(',');
      } catch {
        // the child failed before writing them; the test reports its stderr
      }
      resolve({ code, ids, stderr });
    });
  });
}

describe('journal at an abrupt process end', () => {
  const cases = {
    exit: 'process.exit(1)',
    throw: 'an uncaught exception',
    reject: 'an unhandled rejection',
    busy: 'process.exit(1) in the middle of writes and rotations',
  } as const;
  for (const [mode, description] of Object.entries(cases)) {
    it(`keeps every record handed to the journal before ${description}`, async () => {
      const directory = temporaryDirectory();
      try {
        const result = await runChild(directory.path, mode);
        expect(result.code, result.stderr).toBe(1);
        if (mode === 'busy') expect(result.ids.length).toBeGreaterThan(1000);
        else expect(result.ids.length).toBe(mode === 'exit' ? 5 : 6);
        const journal = join(directory.path, 'journal');

        // Every line parses and every segment ends with a newline (readJournalLines throws otherwise).
        const records = logRecordsOf(readJournalLines(journal, 'logs'));
        const ids = records.map((record) => attribute(record, 'audit.event.id')?.stringValue);
        const present = new Set(ids);
        expect(result.ids.filter((id) => !present.has(id))).toEqual([]);
        const types = records.map((record) => attribute(record, 'audit.event.type')?.stringValue);
        expect(types).toContain('run.end');
        if (mode === 'throw' || mode === 'reject') {
          const error = records.find((record) => attribute(record, 'audit.event.type')?.stringValue === 'error');
          expect(attribute(error, 'exception.message')?.stringValue).toBe(`agent crashed (${mode})`);
        }
        expect(spansOf(readJournalLines(journal, 'traces')).map((span) => span.name)).toContain('invoke_workflow exits');

        // And the CLI sees them, with nothing skipped.
        const reader = new JournalReader(journal, { signals: ['traces', 'logs'] });
        // (By id: when the process ended right after a compression's rename, x.jsonl and x.jsonl.gz
        // both exist; readers take the .gz and recovery removes the other, the raw listing has both.)
        const read = new Set<unknown>();
        for await (const record of reader.records()) if (record.signal === 'logs') read.add(record.attributes['audit.event.id']);
        expect(reader.skippedCount).toBe(0);
        expect(read).toEqual(present);
        const events = await cli(['events', '--json', '--limit', '0', '--dir', journal], { now: Date.now() });
        expect(events.stderr).toBe('');
        const listed = new Set((JSON.parse(events.stdout) as Array<{ id: string }>).map((event) => event.id));
        expect(result.ids.filter((id) => !listed.has(id))).toEqual([]);
      } finally {
        directory.remove();
      }
    });
  }
});
