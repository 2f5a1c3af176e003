import assert from 'node:assert/strict';
import type { RateTokens, Store, TakeRateTokensRequest } from '../../store/store.ts';
import { t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

// Rate-limit buckets (GCRA, see `TakeRateTokensRequest`): the arithmetic is exact, so every
// number below follows from its TSDoc by hand. A bucket of `burst` 3 refilled every 1,000 ms
// unless a test says otherwise.

const intervalMs = 1_000;
const burst = 3;

async function take(store: Store, key: string, nowMs: number, want: number, overrides: Partial<TakeRateTokensRequest> = {}): Promise<RateTokens> {
  const [answer] = await store.takeRateTokens([{ key, nowMs, intervalMs, burst, want, ...overrides }]);
  assert.ok(answer, 'one answer per request');
  return answer;
}

/** Fractional instants go through a store's number encoding: equal to well under a microsecond. */
function assertNear(actual: number, expected: number, message: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-3, `${message}: expected ${expected}, got ${actual}`);
}

export function defineRateTokenTests({ describe, test, peerTest }: SuiteApi): void {
  describe('rate-limit tokens (takeRateTokens)', () => {
    test('a new key holds burst tokens; takes spend them; retryAtMs is when the next one is available', async (store) => {
      assert.deepEqual(await take(store, 'k', t0, 2), { key: 'k', granted: 2, retryAtMs: t0 });
      assert.deepEqual(await take(store, 'k', t0, 2), { key: 'k', granted: 1, retryAtMs: t0 + 1_000 }, 'only one was left');
      assert.deepEqual(await take(store, 'k', t0 + 500, 1), { key: 'k', granted: 0, retryAtMs: t0 + 1_000 });
      assert.deepEqual(await take(store, 'k', t0 + 1_000, 5), { key: 'k', granted: 1, retryAtMs: t0 + 2_000 }, 'one token refilled');
      assert.deepEqual(await take(store, 'k', t0 + 2_500, 5), { key: 'k', granted: 1, retryAtMs: t0 + 3_000 });
    });

    test('an idle key refills up to burst, no more', async (store) => {
      await take(store, 'k', t0, 3);
      assert.deepEqual(await take(store, 'k', t0 + 100_000, 10), { key: 'k', granted: 3, retryAtMs: t0 + 101_000 });
    });

    test('with burst 1, retryAtMs is the instant the taken token is paid back', async (store) => {
      assert.deepEqual(await take(store, 'k', t0, 1, { burst: 1, intervalMs: 250 }), { key: 'k', granted: 1, retryAtMs: t0 + 250 });
      assert.deepEqual(await take(store, 'k', t0 + 249, 1, { burst: 1, intervalMs: 250 }), { key: 'k', granted: 0, retryAtMs: t0 + 250 });
      assert.deepEqual(await take(store, 'k', t0 + 250, 1, { burst: 1, intervalMs: 250 }), { key: 'k', granted: 1, retryAtMs: t0 + 500 });
    });

    test('a negative want gives tokens back: tat moves back by want × intervalMs', async (store) => {
      await take(store, 'k', t0, 3);
      assert.deepEqual(await take(store, 'k', t0, -2), { key: 'k', granted: 0, retryAtMs: t0 });
      assert.deepEqual(await take(store, 'k', t0, 3), { key: 'k', granted: 2, retryAtMs: t0 + 1_000 });
    });

    test('a refund never moves tat before nowMs (no credit beyond a full bucket)', async (store) => {
      await take(store, 'k', t0, 1);
      assert.deepEqual(await take(store, 'k', t0 + 200, -5), { key: 'k', granted: 0, retryAtMs: t0 + 200 });
      // tat is now t0 + 200: seen from an earlier instant it holds 2.8 tokens' worth, so 2 whole ones.
      assert.deepEqual(await take(store, 'k', t0, 5), { key: 'k', granted: 2, retryAtMs: t0 + 200 });
    });

    test('want 0 reads: it answers retryAtMs and stores nothing', async (store) => {
      await take(store, 'k', t0, 3);
      assert.deepEqual(await take(store, 'k', t0 + 500, 0), { key: 'k', granted: 0, retryAtMs: t0 + 1_000 });
      assert.deepEqual(await take(store, 'k', t0 + 1_000, 1), { key: 'k', granted: 1, retryAtMs: t0 + 2_000 }, 'the read took nothing');
      // A read of a new key stores no tat: an earlier instant still finds a full bucket.
      assert.deepEqual(await take(store, 'fresh', t0 + 10_000, 0), { key: 'fresh', granted: 0, retryAtMs: t0 + 10_000 });
      assert.deepEqual(await take(store, 'fresh', t0, 3), { key: 'fresh', granted: 3, retryAtMs: t0 + 1_000 });
    });

    test('keys are independent', async (store) => {
      await take(store, 'k-1', t0, 3);
      assert.deepEqual(await take(store, 'k-2', t0, 3), { key: 'k-2', granted: 3, retryAtMs: t0 + 1_000 });
      assert.deepEqual(await take(store, 'k-1', t0, 1), { key: 'k-1', granted: 0, retryAtMs: t0 + 1_000 });
    });

    test('the requests of one call are applied in order, one answer each', async (store) => {
      const answers = await store.takeRateTokens([
        { key: 'k-1', nowMs: t0, intervalMs, burst, want: 2 },
        { key: 'k-2', nowMs: t0, intervalMs: 500, burst: 1, want: 1 },
        { key: 'k-1', nowMs: t0, intervalMs, burst, want: 2 },
        { key: 'k-1', nowMs: t0, intervalMs, burst, want: -1 },
        { key: 'k-1', nowMs: t0, intervalMs, burst, want: 0 },
      ]);
      assert.deepEqual(answers, [
        { key: 'k-1', granted: 2, retryAtMs: t0 },
        { key: 'k-2', granted: 1, retryAtMs: t0 + 500 },
        { key: 'k-1', granted: 1, retryAtMs: t0 + 1_000 },
        { key: 'k-1', granted: 0, retryAtMs: t0 },
        { key: 'k-1', granted: 0, retryAtMs: t0 },
      ]);
      assert.deepEqual(await store.takeRateTokens([]), []);
    });

    test('a fractional intervalMs keeps tat exact (not rounded) and answers a fractional retryAtMs', async (store) => {
      const third = 1_000 / 3; // three tokens a second, two at once
      const options = { intervalMs: third, burst: 2 };
      // The instants stay off the token grid, so no answer hangs on the last bit of a division.
      let answer = await take(store, 'k', t0, 1, options);
      assert.equal(answer.granted, 1);
      assertNear(answer.retryAtMs, t0, 'one token is left');
      answer = await take(store, 'k', t0 + 1, 2, options);
      assert.equal(answer.granted, 1, 'the second token; the third comes at t0 + 333.33');
      assertNear(answer.retryAtMs, t0 + third, 'after two tokens');
      answer = await take(store, 'k', t0 + 333, 1, options);
      assert.equal(answer.granted, 0, 'at t0 + 333 the next token is 0.33 ms away (a tat rounded down would grant it)');
      assertNear(answer.retryAtMs, t0 + third, 'still');
      answer = await take(store, 'k', t0 + 334, 1, options);
      assert.equal(answer.granted, 1);
      assertNear(answer.retryAtMs, t0 + 2 * third, 'after the third token');
      answer = await take(store, 'k', t0 + 666, 1, options);
      assert.equal(answer.granted, 0);
      assertNear(answer.retryAtMs, t0 + 2 * third, 'still');
      answer = await take(store, 'k', t0 + 667, 1, options);
      assert.equal(answer.granted, 1, 'at t0 + 667 the fourth token is there (a tat rounded up would refuse it)');
      assertNear(answer.retryAtMs, t0 + 1_000, 'after the fourth token');
    });

    peerTest('two instances taking from one key at once never grant more than it holds', async (store, peer) => {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : peer).takeRateTokens([{ key: 'shared', nowMs: t0, intervalMs, burst: 5, want: 1 }])),
      );
      assert.equal(answers.flat().reduce((sum, answer) => sum + answer.granted, 0), 5);
    });
  });
}
