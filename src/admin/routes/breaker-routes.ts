import { Hono } from 'hono';
import type { BreakerForce, JsonValue } from '../../index.ts';
import type { AdminContext } from '../admin-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import { invalid } from '../query-params.ts';

const forces: readonly BreakerForce[] = ['open', 'closed', null];

/**
 * `/breakers`: every task's circuit breaker as the store holds it, and the operator's override.
 * A breaker is written by whichever node saw its failures, so the store is the one place that
 * knows them all; a task that never had a breaker has no record until it is forced.
 */
export function breakerRoutes(ctx: AdminContext): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();

  app.get('/', async (c) => {
    const nowMs = ctx.clock.now();
    return c.json({ nowMs, items: await ctx.scheduler.breakers() });
  });

  // Through the scheduler, not the store: it checks the task name, retries the compare-and-set
  // while nodes write the same breaker, emits `breaker.changed` and wakes its node.
  app.post('/:task', async (c) => c.json(await ctx.scheduler.forceBreaker(c.req.param('task'), forceOf(c.get('body')))));

  return app;
}

/** Reads `{ "force": "open" | "closed" | null }`: each problem is a 400 saying what was wrong. */
export function forceOf(body: JsonValue): BreakerForce {
  const expected = 'Expected a JSON object body: { "force": "open" | "closed" | null }';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid(expected);
  for (const key of Object.keys(body)) if (key !== 'force') throw invalid(`Unknown field \`${key}\`; ${expected}`);
  if (!('force' in body)) throw invalid(`Missing \`force\`; ${expected}`);
  const force = body['force'];
  if (!(forces as readonly unknown[]).includes(force)) throw invalid(`Expected \`force\` to be "open", "closed" or null, got ${JSON.stringify(force)}`);
  return force as BreakerForce;
}
