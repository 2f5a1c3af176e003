/** Where a command writes, what it reads from its environment, and what time it is. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  /** Epoch milliseconds; the shell passes the system clock, tests a fixed instant. */
  nowMs(): number;
  /** Whether stdout is a terminal (`--watch` clears the screen then). @defaultValue false */
  readonly isTty?: boolean;
  /**
   * Waits `ms`, or less when `signal` aborts (then resolves too), keeping the process alive
   * meanwhile: `--watch` redraws with it. @defaultValue a wait on the system clock
   */
  wait?(ms: number, signal: AbortSignal): Promise<void>;
}

/** One CLI command: `sundial <name> …`. `run` gets the arguments after the name and returns the exit code. */
export interface Command {
  /** As typed: `'jobs ls'`, `'pause'`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text: usage line, description, options. */
  readonly help: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** The options every command takes, for the help texts. */
export const commonOptionsHelp = [
  '  --store <url>   sqlite:./file.db, sqlite:///abs/file.db, file.db, memory:,',
  '                  postgres://user@host/db[?schema=sundial] or redis://host:6379[?prefix=sundial]',
  '                  (default: $SUNDIAL_STORE, else sqlite:./sundial.db)',
  '  --json          print JSON instead of a table',
  '  -h, --help      show this help',
].join('\n');
