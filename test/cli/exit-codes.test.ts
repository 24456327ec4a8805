/**
 * Exit codes and global options (reviewer finding 13): bad `--status` and `--endpoint` values are
 * usage errors (exit 2) before anything is read or sent; global options work before the command
 * name; `show` keeps long audit-event lines inside their column.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { truncateVisible } from '../../src/cli/show.js';
import { createPalette, visibleLength } from '../../src/cli/format.js';
import { BASE, cli, produce, standardRuns, temporaryDirectory, writeJournal, type SpanSpec } from './fixtures.js';

async function journal(): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await temporaryDirectory();
  await writeJournal(dir.path, await produce(standardRuns()));
  return dir;
}

/** A receiver on 127.0.0.1 that counts the requests it gets (it must get none). */
async function countingReceiver(): Promise<{ url: string; requests: () => number; [Symbol.asyncDispose](): Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests += 1;
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('usage errors exit 2', () => {
  test('runs --status with an unknown value names the valid ones', async () => {
    await using dir = await journal();
    const result = await cli(['runs', '--status', 'weird', '--dir', dir.path]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--status weird: expected one of ok, error, running/);
    for (const status of ['ok', 'error', 'running']) {
      expect((await cli(['runs', '--status', status, '--json', '--dir', dir.path])).code).toBe(0);
    }
  });

  test('ship --endpoint that is not an http(s) URL is refused before anything is sent', async () => {
    await using dir = await journal();
    await using receiver = await countingReceiver();
    for (const endpoint of ['notaurl', 'ftp://127.0.0.1:4318', '127.0.0.1:4318']) {
      // The environment names a working receiver: nothing may fall back to it either.
      const result = await cli(['ship', '--endpoint', endpoint, '--dir', dir.path], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
      expect(result.code, endpoint).toBe(2);
      expect(result.stdout, endpoint).toBe('');
      expect(result.stderr, endpoint).toMatch(/--endpoint .*(not a URL|http:\/\/ or https:\/\/)/);
    }
    expect((await cli(['replay', '--endpoint', 'notaurl', '--dir', dir.path])).code).toBe(2);
    expect(receiver.requests()).toBe(0);
    // A good URL still works.
    const sent = await cli(['ship', '--endpoint', receiver.url, '--dir', dir.path]);
    expect(sent.code).toBe(0);
    expect(receiver.requests()).toBeGreaterThan(0);
  });
});

describe('global options before the command name', () => {
  test('--dir, -d, --dir=, --json work before the command as after it', async () => {
    await using dir = await journal();
    const after = await cli(['runs', '--json', '--dir', dir.path]);
    expect(after.code).toBe(0);
    for (const argv of [
      ['--dir', dir.path, 'runs', '--json'],
      ['-d', dir.path, '--json', 'runs'],
      [`--dir=${dir.path}`, '--json', 'runs'],
      ['--json', 'runs', '--dir', dir.path],
    ]) {
      const result = await cli(argv);
      expect(result, argv.join(' ')).toEqual(after);
    }
    const table = await cli(['--dir', dir.path, '--no-color', 'runs']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^RUN +WORKFLOW/);
    const shown = JSON.parse((await cli(['--json', '--dir', dir.path, 'show', '000003e9'])).stdout);
    expect(shown.run.workflow).toBe('research');
  });

  test('help and mistakes before the command', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: swarmtrail [global options] <command> [options]');
    const commandHelp = await cli(['--dir', '/nowhere', 'runs', '--help']);
    expect(commandHelp.code).toBe(0);
    expect(commandHelp.stdout).toMatch(/^Usage: swarmtrail runs/);
    const missing = await cli(['--dir']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/option '--dir' needs a value/);
    const unknown = await cli(['--frobnicate', 'runs']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^swarmtrail: unknown option '--frobnicate'/);
    const noCommand = await cli(['--json']);
    expect(noCommand.code).toBe(2);
  });
});

describe('show keeps lines inside their columns', () => {
  const deep = (depth: number, leaf: SpanSpec): SpanSpec =>
    depth === 0
      ? leaf
      : {
          name: `invoke_agent level-${depth}`,
          operation: 'invoke_agent',
          start: 10 * depth,
          end: 2000 - 10 * depth,
          attributes: { 'gen_ai.agent.name': `agent-with-a-rather-long-name-${depth}` },
          children: [deep(depth - 1, leaf)],
        };

  test('a deeply nested audit event with a long body is cut with an ellipsis, START and DURATION stay aligned', async () => {
    await using dir = await temporaryDirectory();
    const leaf: SpanSpec = {
      name: 'execute_tool search',
      operation: 'execute_tool',
      start: 100,
      end: 900,
      attributes: { 'gen_ai.tool.name': 'search' },
      events: [{ type: 'decision', at: 500, outcome: 'success', body: `chose the third source because ${'it was cited most '.repeat(8)}` }],
    };
    const runs = [
      {
        base: BASE,
        root: {
          name: 'invoke_workflow deep',
          operation: 'invoke_workflow' as const,
          start: 0,
          end: 2000,
          attributes: { 'gen_ai.workflow.name': 'deep' },
          children: [deep(5, leaf)],
        },
      },
    ];
    await writeJournal(dir.path, await produce(runs, 7));
    for (const colour of [false, true]) {
      const result = await cli(['show', '00001b59', '--dir', dir.path, ...(colour ? ['--color'] : [])]);
      expect(result.code).toBe(0);
      // eslint-disable-next-line no-control-regex
      const lines = result.stdout.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
      const headerIndex = lines.findIndex((line) => line.startsWith('SPAN / EVENT'));
      const header = lines[headerIndex];
      const startColumn = header.indexOf('START') - 4; // START is right-aligned in 9 characters
      const rows = lines.slice(headerIndex + 1).filter((line) => line !== '');
      expect(rows).toHaveLength(8); // workflow, 5 agents, the tool, the event
      const event = rows.find((line) => line.includes('◆ decision'))!;
      expect(event).toContain('…');
      for (const row of rows) {
        expect(row.slice(startColumn - 2, startColumn), row).toBe('  ');
        expect(row.slice(startColumn, startColumn + 9), row).toMatch(/^ *\+[0-9.]+(ms|s)$/);
        // The DURATION column follows: blank for events, a duration for spans.
        expect(row.slice(startColumn + 9, startColumn + 20), row).toMatch(/^ {2}( {9}| *[0-9.]+(ms|s))$/);
      }
    }
  });

  test('truncateVisible counts only visible characters and resets colour after the cut', () => {
    const p = createPalette(true);
    expect(truncateVisible('short', 10)).toBe('short');
    expect(truncateVisible('abcdefghij', 5)).toBe('abcd…');
    const coloured = `${p.magenta('◆')} ${p.dim('a long dim text that goes on')}`;
    const cut = truncateVisible(coloured, 8);
    expect(visibleLength(cut)).toBe(8);
    expect(cut.endsWith('…\u001b[0m')).toBe(true);
    expect(truncateVisible('ab😀cd', 4)).toBe('ab…');
  });
});
