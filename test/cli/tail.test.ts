import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { BASE, Capture, logLine, produce, standardRuns, temporaryDirectory, writeJournal } from './fixtures.js';

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('tail prints the last events, follows appends and new segments, and stops on abort', async () => {
  await using dir = await temporaryDirectory();
  const telemetry = await produce(standardRuns().slice(0, 2), 1);
  await writeJournal(dir.path, telemetry, { batch: 4 });
  const later = await produce(standardRuns().slice(2), 5);
  const stdout = new Capture();
  const stderr = new Capture();
  const controller = new AbortController();
  const running = main(['tail', '--json', '--lines', '2', '--interval', '25', '--type', 'tool.*,run.end', '--dir', dir.path], {
    stdout,
    stderr,
    env: {},
    cwd: dir.path,
    signal: controller.signal,
    now: () => BASE,
  });
  const events = (): Array<{ type: string; runId: string }> =>
    stdout.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  await waitFor(() => events().length === 2, 'the last 2 events');
  expect(events().map((e) => e.type)).toEqual(['run.end', 'run.end']);
  // A line half-written is not printed until it is complete.
  const line = logLine(later.logs);
  await appendFile(join(dir.path, 'logs-0000000001.jsonl'), line.slice(0, 100));
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(events()).toHaveLength(2);
  await appendFile(join(dir.path, 'logs-0000000001.jsonl'), `${line.slice(100)}\n`);
  await waitFor(() => events().length === 4, 'the appended tool.end and run.end');
  expect(events().slice(2).map((e) => e.type)).toEqual(['tool.end', 'run.end']);
  // A new segment appears (rotation).
  const more = await produce(standardRuns().slice(0, 1), 9);
  await writeFile(join(dir.path, 'logs-0000000002.jsonl'), `${logLine(more.logs)}\n`);
  await waitFor(() => events().length === 7, 'events of the new segment');
  expect(events().slice(4).map((e) => e.type)).toEqual(['tool.end', 'tool.end', 'run.end']);
  controller.abort();
  const code = await Promise.race([
    running,
    new Promise((resolve) => setTimeout(() => resolve('still running'), 5000)),
  ]);
  expect(code).toBe(0);
  expect(stderr.text).toBe('');
});

test('tail on a missing journal fails at once', async () => {
  await using dir = await temporaryDirectory();
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['tail', '--dir', join(dir.path, 'none')], { stdout, stderr, env: {}, cwd: dir.path });
  expect(code).toBe(1);
  expect(stderr.text).toMatch(/^error: no journal at/);
});

test('tail in a terminal prints aligned rows, then stops on abort', async () => {
  await using dir = await temporaryDirectory();
  await writeJournal(dir.path, await produce(standardRuns().slice(0, 1), 1));
  const stdout = new Capture();
  const controller = new AbortController();
  const running = main(['tail', '--lines', '2', '--interval', '25', '--dir', dir.path], {
    stdout,
    stderr: new Capture(),
    env: {},
    cwd: dir.path,
    signal: controller.signal,
  });
  await waitFor(() => stdout.text.split('\n').length >= 4, 'header and two rows');
  controller.abort();
  expect(await running).toBe(0);
  expect(stdout.text).toMatchInlineSnapshot(`
    "TIME (UTC)           TYPE          OUTCOME  AGENT         RUN           DETAIL
    2026-01-15 10:00:02  agent.end     failure  writer        000003e9ab12  1400ms
    2026-01-15 10:00:02  run.end       failure  -             000003e9ab12  workflow=research 2500ms
    "
  `);
});
