import { describe, expect, it } from 'vitest';
import { NonRetryableError } from '../../src/errors.ts';
import { toJobError } from '../../src/runtime/job-error.ts';

describe('toJobError', () => {
  it('keeps the name, message, stack and code of an Error as plain data', () => {
    const error = new NonRetryableError('bad input');
    expect(toJobError(error)).toEqual({ name: 'NonRetryableError', message: 'bad input', code: 'NON_RETRYABLE', stack: error.stack });
    const fsError = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    expect(toJobError(fsError)).toEqual({ name: 'Error', message: 'no such file', code: 'ENOENT', stack: fsError.stack });
  });

  it('leaves out a code that is not a string, and a missing stack', () => {
    const error = Object.assign(new Error('odd'), { code: 42 });
    error.stack = undefined;
    expect(toJobError(error)).toEqual({ name: 'Error', message: 'odd' });
    expect(Object.keys(toJobError(error))).toEqual(['name', 'message']);
  });

  it('stores what is not an Error as a NonError with a readable message', () => {
    expect(toJobError('plain text')).toEqual({ name: 'NonError', message: 'plain text' });
    expect(toJobError({ reason: 'nope', retry: false })).toEqual({ name: 'NonError', message: '{"reason":"nope","retry":false}' });
    expect(toJobError(undefined)).toEqual({ name: 'NonError', message: 'undefined' });
    expect(toJobError(() => 1)).toEqual({ name: 'NonError', message: '() => 1' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toJobError(cyclic)).toEqual({ name: 'NonError', message: '[object Object]' });
  });

  it('bounds the message to 4,000 characters and the stack to 8,000, saying how much was cut', () => {
    expect(toJobError(new Error('m'.repeat(4000))).message).toBe('m'.repeat(4000));
    expect(toJobError(new Error('m'.repeat(4003))).message).toBe(`${'m'.repeat(4000)}… (3 more characters)`);
    expect(toJobError('t'.repeat(4001)).message).toBe(`${'t'.repeat(4000)}… (1 more characters)`);
    const error = new Error('deep');
    error.stack = 's'.repeat(8000);
    expect(toJobError(error).stack).toBe('s'.repeat(8000));
    error.stack = 's'.repeat(8010);
    expect(toJobError(error).stack).toBe(`${'s'.repeat(8000)}… (10 more characters)`);
  });
});
