import { describe, expect, it } from 'vitest';
import { Scheduler, every } from '../../src/index.ts';
import { MemoryStore } from '../../src/memory/index.ts';
import type { CliIo } from '../../src/cli/command.ts';
import { commands } from '../../src/cli/commands/index.ts';
import { completionScript, optionsInHelp } from '../../src/cli/completion-script.ts';
import { resolveJobId, resolveScheduleId } from '../../src/cli/resolve-id.ts';
import { defaultWatchMs, parseInterval, renderOrWatch, takeWatchOption } from '../../src/cli/watch.ts';

describe('--watch', () => {
  it('takes --watch with or without an interval out of argv', () => {
    expect(takeWatchOption(['--task', 'x'])).toEqual({ watchMs: null, rest: ['--task', 'x'] });
    expect(takeWatchOption(['--watch', '--json'])).toEqual({ watchMs: defaultWatchMs, rest: ['--json'] });
    expect(takeWatchOption(['--watch', '500ms', '--json'])).toEqual({ watchMs: 500, rest: ['--json'] });
    expect(takeWatchOption(['--watch=1m'])).toEqual({ watchMs: 60_000, rest: [] });
    expect(takeWatchOption(['--watch', '5'])).toEqual({ watchMs: 5_000, rest: [] });
  });

  it('refuses an interval below 100ms or without a known unit', () => {
    for (const bad of ['10ms', '2h', 'soon', '']) expect(() => parseInterval(bad)).toThrow(/Expected `--watch` to be an interval/);
  });

  it('clears the screen on a terminal and appends otherwise, until stopped', async () => {
    for (const isTty of [true, false]) {
      const out: string[] = [];
      let frames = 0;
      const io: CliIo = {
        out: (t) => void out.push(t),
        err: () => {},
        env: {},
        nowMs: () => 0,
        isTty,
        // The third wait stands for Ctrl-C.
        wait: async () => void (frames === 3 && process.emit('SIGINT')),
      };
      expect(await renderOrWatch(io, 1_000, async () => `frame ${++frames}`)).toBe(0);
      expect(out).toHaveLength(3);
      expect(out[0]!.startsWith('\u001b[H\u001b[2J')).toBe(isTty);
      expect(out[2]).toMatch(/Every 1s: .* \(Ctrl-C to stop\)\n+frame 3$/);
    }
  });
});

describe('id resolution', () => {
  it('resolves exact ids, unique prefixes and suffixes; refuses ambiguous ones and unknown ones', async () => {
    const scheduler = new Scheduler({ store: new MemoryStore(), roles: { schedules: false, jobs: false } });
    await scheduler.schedule({ id: 'a-1', task: 't', trigger: every('1h') });
    await scheduler.schedule({ id: 'a-10', task: 't', trigger: every('1h') });
    await scheduler.schedule({ id: 'b-1', task: 't', trigger: every('1h') });
    const [one, two] = await scheduler.enqueueMany([{ task: 't' }, { task: 't' }]);
    try {
      expect(await resolveScheduleId(scheduler, 'a-1')).toBe('a-1');
      expect(await resolveScheduleId(scheduler, 'b')).toBe('b-1');
      await expect(resolveScheduleId(scheduler, 'a')).rejects.toMatchObject({ code: 'AMBIGUOUS_ID' });
      await expect(resolveScheduleId(scheduler, 'c')).rejects.toMatchObject({ code: 'SCHEDULE_NOT_FOUND' });
      expect(await resolveJobId(scheduler, one!.id.slice(-8))).toBe(one!.id);
      expect(await resolveJobId(scheduler, two!.id)).toBe(two!.id);
      await expect(resolveJobId(scheduler, '')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(resolveJobId(scheduler, 'nope')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    } finally {
      await scheduler.stop();
    }
  });
});

describe('completion', () => {
  it('reads the options from a help text', () => {
    expect(optionsInHelp('Options:\n  --task <name>   x\n  --paused   y\n  -h, --help   z\nsee --not-this')).toEqual(['--task', '--paused', '--help']);
  });

  it('completes every command in every shell', () => {
    for (const shell of ['bash', 'zsh', 'fish'] as const) {
      const script = completionScript(shell, commands);
      for (const command of commands) for (const word of command.name.split(' ')) expect(script).toContain(word);
    }
  });
});
