import { Hono } from 'hono';
import type { LeaderRecord } from '../../index.ts';
import type { AdminContext } from '../admin-context.ts';
import type { AdminEnv } from '../admin-env.ts';

/** A leader as `GET /leaders` shows it. */
export interface LeaderSighting extends LeaderRecord {
  /** Held and renewed within two leases of now (on this admin's clock): for display only. */
  fresh: boolean;
}

/**
 * `/leaders` and `/controllers`: who leads each election, and what each running controller last
 * said about itself. Both are for people: `fresh` and `stale` compare another node's clock with
 * this one's, which no decision may rest on (an elector never does; see docs/controllers.md).
 */
export function clusterRoutes(ctx: AdminContext): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();

  app.get('/leaders', async (c) => {
    const nowMs = ctx.clock.now();
    const leaders = await ctx.store.listLeaders();
    return c.json({ nowMs, items: leaders.map((leader) => leaderSighting(leader, nowMs)) });
  });

  app.get('/controllers', (c) => {
    const nowMs = ctx.clock.now();
    return c.json({ nowMs, listening: ctx.followsCluster(), items: ctx.controllers.list(nowMs) });
  });

  return app;
}

export function leaderSighting(leader: LeaderRecord, nowMs: number): LeaderSighting {
  return { ...leader, fresh: leader.holder !== null && nowMs - leader.renewedAtMs <= 2 * leader.leaseMs };
}
