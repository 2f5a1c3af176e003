// A Fastify plugin for Sundial: `app.register(sundial, { store, tasks, … })` decorates
// `app.scheduler`, starts it once the app is ready (`onReady`) and stops it when the app closes
// (`onClose`: running jobs finish or are handed back, then the store closes).
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Scheduler, type SchedulerOptions } from '../../src/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    scheduler: Scheduler;
  }
}

const plugin: FastifyPluginAsync<SchedulerOptions> = async (app: FastifyInstance, options) => {
  const scheduler = new Scheduler(options);
  app.decorate('scheduler', scheduler);
  app.addHook('onReady', async () => {
    await scheduler.start();
  });
  app.addHook('onClose', async () => {
    await scheduler.stop();
  });
};

// What the `fastify-plugin` package does: no encapsulation, so `app.scheduler` is visible to the
// whole app, not only inside this plugin's context.
Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'sundial' });

export const sundial = plugin;
