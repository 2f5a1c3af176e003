import { InvalidArgumentError } from '../../index.ts';
import type { Command } from '../command.ts';
import { completionScript, completionShells, type CompletionShell } from '../completion-script.ts';

/**
 * `sundial completion bash|zsh|fish`. Made from the command list it completes, passed as a
 * function: the list includes this command, so importing it here would be a cycle.
 */
export function completionCommand(commands: () => readonly Command[]): Command {
  return {
    name: 'completion',
    summary: 'print a shell completion script (bash, zsh or fish)',
    help: [
      'Usage: sundial completion bash|zsh|fish',
      '',
      'Prints a script that completes the commands, subcommands and options of `sundial`.',
      '',
      '  bash   echo \'source <(sundial completion bash)\' >> ~/.bashrc',
      '  zsh    sundial completion zsh > "${fpath[1]}/_sundial"   (then restart zsh)',
      '  fish   sundial completion fish > ~/.config/fish/completions/sundial.fish',
      '',
      'Options:',
      '  -h, --help      show this help',
    ].join('\n'),
    async run(argv, io) {
      const shell = argv[0];
      if (argv.length !== 1 || !(completionShells as readonly string[]).includes(shell!)) {
        const got = argv.length === 0 ? 'none' : argv.map((a) => JSON.stringify(a)).join(' ');
        throw new InvalidArgumentError(`\`sundial completion\` takes one of ${completionShells.join(', ')}, got ${got}; see \`sundial completion --help\``);
      }
      io.out(completionScript(shell as CompletionShell, commands()));
      return 0;
    },
  };
}
