#!/usr/bin/env node
// The `sundial` command. All logic lives in run-cli.ts; this file only wires it to the process.
import { systemClock } from '../index.ts';
import { runCli } from './run-cli.ts';

// `sundial jobs ls | head` closes stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  env: process.env,
  nowMs: () => systemClock.now(),
  isTty: process.stdout.isTTY === true,
  // A timer that keeps the process alive (the system clock's do not): `--watch` waits with it.
  wait: (ms, signal) => new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  }),
});
