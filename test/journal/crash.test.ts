/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read loosely typed OTLP/JSON */
/**
 * SIGKILL crash test: a child process writes audit events at full speed through the real logs SDK
 * and the journal, reporting which ids are durable; it is killed with SIGKILL at a random moment,
 * many times over the same directory. Afterwards every id reported durable must be in the
 * journal, the journal must read cleanly, and no id may appear twice.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/journal/Journal.js';
import { logRecordsOf, readJournalLines, temporaryDirectory } from './helpers.js';

const loader = fileURLToPath(new URL('./fixtures/ts-loader.mjs', import.meta.url));
const child = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url));
const ITERATIONS = 20;

interface RunResult {
  readonly durable: string[];
  readonly tornLinesAtStart: number;
}

function runAndKill(directory: string, durability: string, prefix: string, killAfterMillis: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', loader, child, directory, durability, prefix], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const durable: string[] = [];
    let tornLinesAtStart = -1;
    let buffer = '';
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => {
      process_.kill('SIGKILL');
      reject(new Error(`child did not report in time; stderr: ${stderr}`));
    }, 20_000);
    process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    process_.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const [kind, a, b] = line.split(' ');
        if (kind === 'ready') {
          tornLinesAtStart = Number(a);
          killTimer = setTimeout(() => process_.kill('SIGKILL'), killAfterMillis);
        } else if (kind === 'durable') {
          for (let index = Number(a); index <= Number(b); index++) durable.push(`${prefix}-${index}`);
        }
      }
    });
    // 'close', not 'exit': only then has every line the child wrote to stdout been read.
    process_.on('close', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}/${signal}; stderr: ${stderr}`));
      else resolve({ durable, tornLinesAtStart });
    });
  });
}

describe('journal crash safety (SIGKILL)', () => {
  for (const durability of ['batch', 'record'] as const) {
    it(`keeps every record reported durable across ${ITERATIONS} kills (durability ${durability})`, async () => {
      const directory = temporaryDirectory();
      try {
        const durable: string[] = [];
        let tornLines = 0;
        for (let iteration = 0; iteration < ITERATIONS; iteration++) {
          const result = await runAndKill(directory.path, durability, `i${iteration}`, 150 + Math.floor(Math.random() * 250));
          durable.push(...result.durable);
          tornLines += Math.max(0, result.tornLinesAtStart);
        }
        const journal = new Journal({ directory: directory.path });
        tornLines += journal.recovery.tornLines;
        await journal.shutdown();

        // Reads cleanly: every line of every segment parses and every segment ends with a newline.
        const ids: string[] = logRecordsOf(readJournalLines(directory.path, 'logs')).map(
          (record) => record.attributes.find((attribute: any) => attribute.key === 'audit.event.id').value.stringValue,
        );
        const present = new Set(ids);
        const missing = durable.filter((id) => !present.has(id));
        expect(durable.length).toBeGreaterThan(ITERATIONS * (durability === 'record' ? 20 : 500));
        expect(missing).toEqual([]);
        expect(ids.length).toBe(present.size); // no duplicates
        console.log(
          `crash test (${durability}): ${ITERATIONS} kills, ${durable.length} ids reported durable, ` +
            `${ids.length} in the journal, ${tornLines} torn line(s) repaired`,
        );
      } finally {
        directory.remove();
      }
    }, 180_000);
  }
});
