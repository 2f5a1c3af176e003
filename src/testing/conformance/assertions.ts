import assert from 'node:assert/strict';
import { InvalidArgumentError, InvalidJobStateError, LeaseLostError } from '../../errors.ts';

/** For `assert.rejects`: the error is a LeaseLostError with its stable code. */
export function isLeaseLost(err: unknown): boolean {
  assert.ok(err instanceof LeaseLostError, `expected LeaseLostError, got ${String(err)}`);
  assert.equal(err.code, 'LEASE_LOST');
  return true;
}

/** For `assert.rejects`: the error is an InvalidJobStateError with its stable code. */
export function isInvalidJobState(err: unknown): boolean {
  assert.ok(err instanceof InvalidJobStateError, `expected InvalidJobStateError, got ${String(err)}`);
  assert.equal(err.code, 'INVALID_JOB_STATE');
  return true;
}

/** For `assert.rejects`: the error is an InvalidArgumentError whose message names `word`. */
export function isInvalidArgumentNaming(word: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(err)}`);
    assert.ok(err.message.includes(word), `expected the message to name "${word}", got: ${err.message}`);
    return true;
  };
}
