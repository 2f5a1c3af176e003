import { SundialError } from '../index.ts';
import type { CliIo, Command } from './command.ts';
import { AmbiguousIdError } from './ambiguous-id-error.ts';
import { commands } from './commands/index.ts';

/** Exit codes: 0 done, 1 the command failed (unknown id, bad store, …), 2 usage error (an ambiguous id too), 70 internal error. */
export const exitCodes = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;

export function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: sundial <command> [options]',
    '',
    'Inspect and operate the schedules and jobs of a Sundial store.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --store <url> (default: $SUNDIAL_STORE, else sqlite:./sundial.db),',
    '--json, and --help. Example: sundial jobs ls --status failed,dead --store sqlite:./app.db',
  ].join('\n');
}

/**
 * Finds the command named by the first one or two words of `argv`. The longest name wins:
 * `breakers open x` is `breakers open`, not `breakers` given `open x`.
 */
export function findCommand(argv: readonly string[]): { command: Command; rest: readonly string[] } | null {
  let found: { command: Command; rest: readonly string[] } | null = null;
  for (const command of commands) {
    const words = command.name.split(' ');
    const longer = found === null || words.length > found.command.name.split(' ').length;
    if (longer && words.every((word, i) => argv[i] === word)) found = { command, rest: argv.slice(words.length) };
  }
  return found;
}

/**
 * Runs one CLI invocation and returns its exit code. User errors (any SundialError) print one
 * line, `sundial: <message> (<CODE>)`, never a stack; anything else is a bug and prints its stack.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' && argv.length > 1 ? findCommand(argv.slice(1)) : null;
    io.out(topic ? topic.command.help : mainHelp());
    return first === undefined ? exitCodes.usage : exitCodes.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = commands.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0 && (argv[1] === undefined || argv[1] === '--help' || argv[1] === '-h')) {
      // `sundial jobs` or `sundial jobs --help`: list that group's subcommands.
      io.out(group.map((c) => `  sundial ${c.name.padEnd(14)}  ${c.summary}`).join('\n'));
      return argv[1] === undefined ? exitCodes.usage : exitCodes.ok;
    }
    const what = group.length > 0 ? `command "${first} ${argv[1] ?? ''}"` : `command "${first}"`;
    io.err(`sundial: unknown ${what}; run \`sundial --help\` for the list`);
    return exitCodes.usage;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return exitCodes.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof SundialError) {
      io.err(`sundial ${command.name}: ${error.message.split('\n')[0]} (${error.code})`);
      const usage = error instanceof AmbiguousIdError || (error.code === 'INVALID_ARGUMENT' && isUsageError(error));
      return usage ? exitCodes.usage : exitCodes.failed;
    }
    io.err(`sundial ${command.name}: internal error, please report it:`);
    io.err(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return exitCodes.internal;
  }
}

/** Argument errors from `parseArgs` (wrapped with their cause) are usage errors. */
function isUsageError(error: SundialError): boolean {
  const cause = error.cause as { code?: unknown } | undefined;
  return (typeof cause?.code === 'string' && cause.code.startsWith('ERR_PARSE_ARGS')) || error.message.includes('--help`');
}
