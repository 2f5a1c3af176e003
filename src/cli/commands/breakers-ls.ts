import { InvalidArgumentError } from '../../index.ts';
import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { formatBreakerTable } from '../format-breakers.ts';
import { renderOrWatch, takeWatchOption, watchOptionHelp } from '../watch.ts';

export const breakersLs: Command = {
  name: 'breakers',
  summary: "list every task's circuit breaker",
  help: [
    'Usage: sundial breakers [--watch [interval]] [--store <url>] [--json]',
    '       sundial breakers open|close|reset <task>',
    '',
    "Lists every task's circuit breaker as the store holds it: its state (closed, open,",
    'half-open), whether an operator forced it, the calls it counted (failed/total), and until',
    'when it stays open before it lets probes through.',
    '',
    'Subcommands:',
    '  open <task>    hold it open: no job of the task starts on any node',
    '  close <task>   hold it closed: its jobs start whatever fails',
    '  reset <task>   hand it back to the automatic rules (closed, fresh window)',
    '',
    'Options:',
    watchOptionHelp,
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    // `sundial breakers opne x` would otherwise read as "takes no arguments".
    const word = argv[0];
    if (word !== undefined && !word.startsWith('-')) {
      throw new InvalidArgumentError(`Unknown subcommand "breakers ${word}": expected open, close or reset; see \`sundial breakers --help\``);
    }
    const { watchMs, rest } = takeWatchOption(argv);
    const { storeUrl, json } = parseCommandArgs(this.name, rest, io.env, {});
    return withClient(storeUrl, (scheduler) =>
      renderOrWatch(io, watchMs, async () => {
        const breakers = await scheduler.breakers();
        return json ? JSON.stringify(breakers, null, 2) : formatBreakerTable(breakers, io.nowMs());
      }),
    );
  },
};
