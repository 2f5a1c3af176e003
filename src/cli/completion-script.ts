import type { Command } from './command.ts';

export const completionShells = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof completionShells)[number];

/** What one command completes: its long options (read from its help), and fixed words it takes. */
interface CompletionEntry {
  words: string[];
  summary: string;
  options: string[];
}

/** The long options a help text lists under its options (`  --status <list>`, `  -h, --help`). */
export function optionsInHelp(help: string): string[] {
  const options = new Set<string>();
  for (const match of help.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)) options.add(match[1]!);
  return [...options];
}

function entriesOf(commands: readonly Command[]): CompletionEntry[] {
  return commands.map((command) => ({
    words: command.name.split(' '),
    summary: command.summary,
    // `completion` takes a shell name rather than options.
    options: command.name === 'completion' ? [...completionShells, '--help'] : optionsInHelp(command.help),
  }));
}

/** A completion script for `shell` that completes `commands`: names, subcommand names, options. */
export function completionScript(shell: CompletionShell, commands: readonly Command[]): string {
  const entries = entriesOf(commands);
  return shell === 'fish' ? fishScript(entries) : shellScript(shell, entries);
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/**
 * bash and zsh share one shape: a case on the first word, then on the second. `word(n)` is the
 * n-th word after `sundial`, `at(n)` tests that the cursor is on it.
 */
function shellScript(shell: 'bash' | 'zsh', entries: readonly CompletionEntry[]): string {
  const word = (n: number) => (shell === 'bash' ? `\${COMP_WORDS[${n}]}` : `\${words[${n + 1}]}`);
  const at = (n: number) => (shell === 'bash' ? `[[ $COMP_CWORD -eq ${n} ]]` : `(( CURRENT == ${n + 1} ))`);
  const firsts = unique(entries.map((e) => e.words[0]!));
  const lines: string[] = [];
  lines.push(`  if ${at(1)}; then`, `    candidates="${firsts.join(' ')}"`, '  else', `    case "${word(1)}" in`);
  for (const first of firsts) {
    const own = entries.find((e) => e.words.length === 1 && e.words[0] === first);
    const subs = entries.filter((e) => e.words.length === 2 && e.words[0] === first);
    if (subs.length === 0) {
      lines.push(`      ${first}) candidates="${own!.options.join(' ')}" ;;`);
      continue;
    }
    lines.push(`      ${first})`);
    lines.push(`        if ${at(2)}; then`, `          candidates="${[...subs.map((s) => s.words[1]!), ...(own?.options ?? [])].join(' ')}"`, '        else');
    lines.push(`          case "${word(2)}" in`);
    for (const sub of subs) lines.push(`            ${sub.words[1]}) candidates="${sub.options.join(' ')}" ;;`);
    lines.push(`            *) candidates="${(own?.options ?? []).join(' ')}" ;;`, '          esac', '        fi', '        ;;');
  }
  lines.push('    esac', '  fi');
  if (shell === 'bash') {
    return [
      '# bash completion for sundial: source <(sundial completion bash)',
      '_sundial() {',
      '  local candidates=""',
      ...lines,
      '  local cur="${COMP_WORDS[COMP_CWORD]}"',
      '  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))',
      '}',
      'complete -F _sundial sundial',
      '',
    ].join('\n');
  }
  return [
    '#compdef sundial',
    '# zsh completion for sundial: sundial completion zsh > "${fpath[1]}/_sundial"',
    '_sundial() {',
    '  local candidates=""',
    ...lines,
    '  compadd -- ${=candidates}',
    '}',
    'if [[ "${funcstack[1]}" == "_sundial" ]]; then',
    '  _sundial "$@"',
    'else',
    '  compdef _sundial sundial',
    'fi',
    '',
  ].join('\n');
}

function fishScript(entries: readonly CompletionEntry[]): string {
  const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const firsts = unique(entries.map((e) => e.words[0]!));
  const lines = ['# fish completion for sundial: sundial completion fish > ~/.config/fish/completions/sundial.fish', 'complete -c sundial -f'];
  for (const first of firsts) {
    const own = entries.find((e) => e.words.length === 1 && e.words[0] === first);
    const subs = entries.filter((e) => e.words.length === 2 && e.words[0] === first);
    const summary = own?.summary ?? subs.map((s) => s.words[1]).join(', ');
    lines.push(`complete -c sundial -n __fish_use_subcommand -a ${first} -d ${quote(summary)}`);
    const subNames = subs.map((s) => s.words[1]!).join(' ');
    for (const sub of subs) {
      lines.push(`complete -c sundial -n ${quote(`__fish_seen_subcommand_from ${first}; and not __fish_seen_subcommand_from ${subNames}`)} -a ${sub.words[1]} -d ${quote(sub.summary)}`);
      lines.push(...optionLines(sub.options, `__fish_seen_subcommand_from ${first}; and __fish_seen_subcommand_from ${sub.words[1]}`, quote));
    }
    if (own) {
      const when = subs.length === 0 ? `__fish_seen_subcommand_from ${first}` : `__fish_seen_subcommand_from ${first}; and not __fish_seen_subcommand_from ${subNames}`;
      lines.push(...optionLines(own.options, when, quote));
    }
  }
  return `${lines.join('\n')}\n`;
}

function optionLines(options: readonly string[], when: string, quote: (text: string) => string): string[] {
  return options.map((option) =>
    option.startsWith('--') ? `complete -c sundial -n ${quote(when)} -l ${option.slice(2)}` : `complete -c sundial -n ${quote(when)} -a ${option}`,
  );
}
