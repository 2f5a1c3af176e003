/** The logger a scheduler writes to: console, pino and winston all fit (with `fields` as the second argument). */
export interface Logger {
  /** Detail for debugging; usually off in production. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** A normal event worth recording (e.g. the store opened after several attempts). */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something went wrong and was handled (e.g. the store is unreachable and will be retried; a durability warning). */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** A failure that needs attention (e.g. an `error` event, a record quarantined as unreadable). */
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The least severe level a `consoleLogger` writes; `silent` writes nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Writes to the console at `level` and above, one line per message with its fields as JSON. */
export function consoleLogger(level: LogLevel = 'warn'): Logger {
  const write = (at: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) => {
    if (rank[at] < rank[level]) return;
    const line = fields && Object.keys(fields).length > 0 ? `${message} ${JSON.stringify(fields)}` : message;
    console[at === 'debug' ? 'debug' : at](`[sundial] ${line}`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** A `Logger` that discards every message (for tests, or to turn Sundial's logs off). */
export const silentLogger: Logger = consoleLogger('silent');
