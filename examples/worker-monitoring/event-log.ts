// One JSON line on stdout per notable event of a replica, so that people read them in main.ts's
// output and the end-to-end test counts them (collections per worker and fire, observed events).
// Writes to a pipe are synchronous on Linux: a line written before a SIGKILL is not lost.
import type { Logger, LogLevel } from '../../src/index.ts';

export class EventLog {
  readonly nodeId: string;

  constructor(nodeId: string) {
    this.nodeId = nodeId;
  }

  /** Writes `{"at":"…","node":"…","event":"…",…fields}`. */
  write(event: string, fields: Record<string, unknown> = {}): void {
    process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), node: this.nodeId, event, ...fields })}\n`);
  }

  /** Sundial's own messages (warnings and up by default) as lines of the same log, with `event: 'log'`. */
  sundialLogger(level: LogLevel = 'warn'): Logger {
    const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
    const at = (messageLevel: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
      if (rank[messageLevel] >= rank[level]) this.write('log', { level: messageLevel, message, ...fields });
    };
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  }
}
