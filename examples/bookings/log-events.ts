// One JSON line on stdout per notable event of a replica, so that people read them in main.ts's
// output and the end-to-end test parses them.
import type { Logger, LogLevel } from '../../src/index.ts';

/** Writes `{"at":"…","node":"…","event":"…",…fields}` as one line on stdout. */
export type LogEvent = (event: string, fields?: Record<string, unknown>) => void;

export function logEvents(node: string): LogEvent {
  return (event, fields = {}) => {
    process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), node, event, ...fields })}\n`);
  };
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Sundial's own messages (warnings by default) as lines of the same log, with `event: 'log'`. */
export function sundialLogger(log: LogEvent, level: LogLevel = 'warn'): Logger {
  const write = (at: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
    if (rank[at] >= rank[level]) log('log', { level: at, message, ...fields });
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
