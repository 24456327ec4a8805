#!/usr/bin/env node
/**
 * `swarmtrail`: inspect, export, ship and prune the local journal.
 *
 * `main(argv, io)` takes the arguments (without `node` and the script) and the streams, so tests
 * call it directly; it returns the exit code: 0 ok, 1 failure or not found, 2 usage error.
 */
import { verifyCommand } from './verify.js';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readEnvironment } from '../setup/environment.js';
import {
  CliError,
  CommandContext,
  DEFAULT_JOURNAL_DIRECTORY,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  JOURNAL_DIRECTORY_ENV,
  UsageError,
  type CliIO,
} from './context.js';
import { eventsCommand } from './events.js';
import { exportCommand } from './export.js';
import { createPalette } from './format.js';
import { pruneCommand } from './prune.js';
import { runsCommand } from './runs.js';
import { replayCommand, shipCommand } from './ship.js';
import { showCommand } from './show.js';
import { statsCommand } from './stats.js';
import { tailCommand } from './tail.js';

export type { CliIO } from './context.js';

export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArguments {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
}

/** One subcommand. Add a command by writing one of these and listing it in `COMMANDS`. */
export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Synopsis after `swarmtrail`, e.g. `show <run-id>`. */
  readonly usage: string;
  /** Option descriptions and examples for `swarmtrail <command> --help`. */
  readonly help: string;
  readonly options: CommandOptions;
  /** How many positional arguments it takes at most (default 0). */
  readonly positionals?: number;
  run(context: CommandContext, args: ParsedArguments): Promise<number>;
}

/** The command registry: `swarmtrail <name>` runs the entry with that name. */
export const COMMANDS: CliCommand[] = [
  runsCommand,
  showCommand,
  eventsCommand,
  statsCommand,
  exportCommand,
  tailCommand,
  shipCommand,
  replayCommand,
  pruneCommand,
  verifyCommand,
];

const GLOBAL_OPTIONS: CommandOptions = {
  dir: { type: 'string', short: 'd' },
  json: { type: 'boolean' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const GLOBAL_HELP = `Global options:
  -d, --dir <path>   journal directory, or one exported OTLP/JSON file
                     (default $${JOURNAL_DIRECTORY_ENV}, else $SWARMTRAIL_DIR/journal,
                     else ${DEFAULT_JOURNAL_DIRECTORY})
      --json         machine-readable JSON on stdout
      --no-color     no colours (also when NO_COLOR is set or stdout is not a terminal)
      --color        colours even when stdout is not a terminal (not with NO_COLOR)
  -h, --help         help for the command`;

function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const list = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n');
  return `swarmtrail: the local audit trail of your agent swarm

Usage: swarmtrail [global options] <command> [options]

Commands:
${list}

${GLOBAL_HELP}

Exit codes: 0 ok, 1 failure or not found, 2 usage error.
Run 'swarmtrail <command> --help' for a command's options.
`;
}

function commandHelp(command: CliCommand): string {
  return `Usage: swarmtrail ${command.usage}

${command.summary}

${command.help.trimEnd()}

${GLOBAL_HELP}
`;
}

/** The global option an argument names (`--dir`, `--dir=x`, `-d`, `-dx`, `--json`, ...), if any. */
function globalOptionOf(argument: string): { readonly takesValue: boolean; readonly valueAttached: boolean } | undefined {
  if (argument.startsWith('--')) {
    const [key] = argument.slice(2).split('=', 1);
    const option = Object.hasOwn(GLOBAL_OPTIONS, key) ? GLOBAL_OPTIONS[key] : undefined;
    if (option === undefined) return undefined;
    return { takesValue: option.type === 'string', valueAttached: argument.includes('=') };
  }
  if (argument.startsWith('-') && argument.length >= 2) {
    const option = Object.values(GLOBAL_OPTIONS).find((candidate) => candidate.short === argument[1]);
    if (option === undefined || (option.type !== 'string' && argument.length > 2)) return undefined;
    return { takesValue: option.type === 'string', valueAttached: argument.length > 2 };
  }
  return undefined;
}

/**
 * Splits global options given before the command name (`swarmtrail --dir X runs`) from the rest;
 * they are parsed with the command's own options, so both places work.
 */
function splitLeadingGlobalOptions(argv: readonly string[]): { leading: string[]; rest: string[]; missingValue?: string } {
  const leading: string[] = [];
  let index = 0;
  while (index < argv.length) {
    const argument = argv[index];
    const option = globalOptionOf(argument);
    if (option === undefined) break;
    leading.push(argument);
    index += 1;
    if (option.takesValue && !option.valueAttached) {
      if (index >= argv.length) return { leading, rest: [], missingValue: argument };
      leading.push(argv[index]);
      index += 1;
    }
  }
  return { leading, rest: argv.slice(index) };
}

/** Runs the CLI; resolves to the exit code. Never throws for user errors. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const split = splitLeadingGlobalOptions(argv);
  if (split.missingValue !== undefined) {
    io.stderr.write(`swarmtrail: option '${split.missingValue}' needs a value\nRun 'swarmtrail --help' for usage.\n`);
    return EXIT_USAGE;
  }
  const leading = split.leading;
  const [name, ...commandArguments] = split.rest;
  const rest = [...leading, ...commandArguments];
  const stdoutIsTty = io.stdout.isTTY === true;
  const noColorEnv = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  const leadingHelp = leading.some((argument) => argument === '--help' || argument === '-h');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((command) => command.name === commandArguments[0]) : undefined;
    io.stdout.write(topic === undefined ? generalHelp() : commandHelp(topic));
    return name === undefined && !leadingHelp ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${await packageVersion()}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    const what = name.startsWith('-') ? `unknown option '${name}' (global options: --dir, --json, --color, --no-color, --help)` : `unknown command '${name}'`;
    io.stderr.write(`swarmtrail: ${what}\n\n${generalHelp()}`);
    return EXIT_USAGE;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr.write(`swarmtrail ${name}: ${(error as Error).message}\nRun 'swarmtrail ${name} --help' for usage.\n`);
    return EXIT_USAGE;
  }
  const values = parsed.values as ParsedArguments['values'];
  if (values.help === true) {
    io.stdout.write(commandHelp(command));
    return EXIT_OK;
  }
  const maxPositionals = command.positionals ?? 0;
  if (parsed.positionals.length > maxPositionals) {
    io.stderr.write(
      `swarmtrail ${name}: unexpected argument '${parsed.positionals[maxPositionals]}'\nUsage: swarmtrail ${command.usage}\n`,
    );
    return EXIT_USAGE;
  }
  const json = values.json === true;
  const color = !json && values['no-color'] !== true && !noColorEnv && (values.color === true || stdoutIsTty);
  const environment = readEnvironment(io.env);
  const dir =
    (values.dir as string | undefined) ??
    environment.journalDirectory ??
    (environment.directory === undefined ? DEFAULT_JOURNAL_DIRECTORY : join(environment.directory, 'journal'));
  const context = new CommandContext(io, { dir, json, color }, createPalette(color), environment);
  const errorPalette = createPalette(color && io.stderr.isTTY === true);
  try {
    const code = await command.run(context, { values, positionals: parsed.positionals });
    await context.reportSkipped();
    return code;
  } catch (error) {
    await context.reportSkipped().catch(() => undefined);
    if (error instanceof UsageError) {
      io.stderr.write(`swarmtrail ${name}: ${error.message}\nRun 'swarmtrail ${name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof CliError) {
      io.stderr.write(`${errorPalette.red('error:')} ${error.message}\n`);
      return EXIT_FAILURE;
    }
    io.stderr.write(`${errorPalette.red('error:')} ${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT_FAILURE;
  }
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  for (const relative of ['../../../package.json', '../../package.json']) {
    try {
      const text = await readFile(new URL(relative, import.meta.url), 'utf8');
      const parsed = JSON.parse(text) as { name?: string; version?: string };
      if (parsed.name === 'swarmtrail' && parsed.version !== undefined) return parsed.version;
    } catch {
      // try the next candidate
    }
  }
  return 'unknown';
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const controller = new AbortController();
  // Ctrl-C: `tail` and `ship` stop cleanly on the abort; anything still running shortly after is
  // ended with the conventional 128 + SIGINT.
  const interrupt = (code: number) => (): void => {
    controller.abort();
    setTimeout(() => process.exit(code), 500).unref();
  };
  process.once('SIGINT', interrupt(130));
  process.once('SIGTERM', interrupt(143));
  // A closed pipe (`swarmtrail events | head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_OK);
  });
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}
