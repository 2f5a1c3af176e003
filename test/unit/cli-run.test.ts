import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.ts';
import { findCommand, runCli } from '../../src/cli/run-cli.ts';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { out: (t) => void out.push(t), err: (t) => void err.push(t), env, nowMs: () => Date.UTC(2026, 0, 1) };
  return { cli, out, err };
}

describe('runCli', () => {
  it('prints the command list for --help, and each command its own help', async () => {
    const main = io();
    expect(await runCli(['--help'], main.cli)).toBe(0);
    expect(main.out.join('\n')).toMatch(/schedules ls[\s\S]*jobs show[\s\S]*demo/);
    for (const argv of [['jobs', 'ls', '--help'], ['help', 'jobs', 'ls'], ['pause', '-h']]) {
      const one = io();
      expect(await runCli(argv, one.cli)).toBe(0);
      expect(one.out.join('\n')).toMatch(/^Usage: sundial (jobs ls|pause)/);
    }
  });

  it('finds two-word commands and leaves the rest', () => {
    expect(findCommand(['jobs', 'show', 'abc'])?.command.name).toBe('jobs show');
    expect(findCommand(['jobs', 'show', 'abc'])?.rest).toEqual(['abc']);
    expect(findCommand(['nope'])).toBeNull();
  });

  it('rejects unknown commands, options and arguments with one line and exit code 2', async () => {
    for (const argv of [['frobnicate'], ['jobs', 'rm'], ['jobs', 'ls', '--bogus'], ['pause'], ['pause', 'a', 'b']]) {
      const run = io();
      expect(await runCli(argv, run.cli)).toBe(2);
      expect(run.err).toHaveLength(1);
      expect(run.err[0]).toMatch(/^sundial/);
    }
  });

  it('reports a bad store as a one-line error with its code and exit code 1', async () => {
    const run = io({ SUNDIAL_STORE: 'mysql://db/app' });
    expect(await runCli(['schedules', 'ls'], run.cli)).toBe(1);
    expect(run.err).toHaveLength(1);
    expect(run.err[0]).toMatch(/^sundial schedules ls: Unknown store URL "mysql:\/\/db\/app"; expected sqlite:.*\(INVALID_ARGUMENT\)$/);
  });

  it('works against the memory store (empty in a new process)', async () => {
    const run = io();
    expect(await runCli(['schedules', 'ls', '--store', 'memory:'], run.cli)).toBe(0);
    expect(run.out).toEqual(['No schedules.']);
    const json = io();
    expect(await runCli(['jobs', 'ls', '--store=memory:', '--json', '--status', 'dead'], json.cli)).toBe(0);
    expect(JSON.parse(json.out[0]!)).toEqual([]);
    const missing = io();
    expect(await runCli(['jobs', 'show', 'nope', '--store', 'memory:'], missing.cli)).toBe(1);
    expect(missing.err[0]).toMatch(/No job with id "nope".*\(JOB_NOT_FOUND\)$/);
  });
});
