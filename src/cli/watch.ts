import { InvalidArgumentError, systemClock } from '../index.ts';
import type { CliIo } from './command.ts';
import { formatLocalTime } from './format-time.ts';

/** `--watch` without an interval redraws every 2 seconds. */
export const defaultWatchMs = 2_000;
const unitMs = { ms: 1, s: 1_000, m: 60_000 } as const;

/** The help line of `--watch`, the same for every listing. */
export const watchOptionHelp = '  --watch [interval]  redraw every interval (default 2s; 500ms, 10s, 1m) until Ctrl-C';

/**
 * Takes `--watch`, `--watch <interval>` and `--watch=<interval>` out of `argv` (parseArgs has no
 * option with an optional value). The word after `--watch` is its interval when it starts with a
 * digit. Returns the interval in milliseconds, or null without `--watch`.
 */
export function takeWatchOption(argv: readonly string[]): { watchMs: number | null; rest: string[] } {
  const rest: string[] = [];
  let watchMs: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--watch') {
      const next = argv[i + 1];
      if (next !== undefined && /^\d/.test(next)) {
        watchMs = parseInterval(next);
        i++;
      } else {
        watchMs = defaultWatchMs;
      }
    } else if (arg.startsWith('--watch=')) {
      watchMs = parseInterval(arg.slice('--watch='.length));
    } else {
      rest.push(arg);
    }
  }
  return { watchMs, rest };
}

/** `2s`, `500ms`, `1m`, or a bare number of seconds; at least 100ms. */
export function parseInterval(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  const ms = match ? Math.round(Number(match[1]) * unitMs[(match[2] ?? 's') as keyof typeof unitMs]) : NaN;
  if (!(ms >= 100)) {
    throw new InvalidArgumentError(`Expected \`--watch\` to be an interval of at least 100ms such as 2s, 500ms or 1m, got ${JSON.stringify(text)}; see the command's \`--help\``);
  }
  return ms;
}

// Cursor home, then clear the screen.
const clearScreen = '\u001b[H\u001b[2J';

/**
 * Prints `render()` once, or with `watchMs` again every `watchMs` until SIGINT or SIGTERM:
 * clearing the screen first on a terminal, else one frame after the other under a header line.
 * A frame that fails ends the watch with its error.
 */
export async function renderOrWatch(io: CliIo, watchMs: number | null, render: () => Promise<string>): Promise<number> {
  if (watchMs === null) {
    io.out(await render());
    return 0;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    while (!stop.signal.aborted) {
      const text = await render();
      const header = `Every ${watchMs / 1000}s: ${formatLocalTime(io.nowMs())} (Ctrl-C to stop)`;
      io.out(io.isTty ? `${clearScreen}${header}\n\n${text}` : `--- ${header}\n${text}`);
      await (io.wait ?? waitOnSystemClock)(watchMs, stop.signal);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}

function waitOnSystemClock(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = systemClock.setTimer(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      timer.cancel();
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
