// Sundial in a NestJS app (on Express), through SundialModule.forRoot() in nest-sundial-module.ts.
// On SIGTERM, app.close() closes the HTTP server and calls onApplicationShutdown, where the
// scheduler drains its running jobs. (Nest's own `enableShutdownHooks()` re-raises the signal
// after closing, so the process would end by SIGTERM rather than exit 0: we listen ourselves.)
// Run: node examples/frameworks/nest.ts, then curl -XPOST localhost:3000/jobs
import 'reflect-metadata';
import { Controller, Get, HttpCode, HttpException, Inject, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { Scheduler } from '../../src/index.ts';
import { SundialModule } from './nest-sundial-module.ts';
import { announce, brew, port, schedulerOptions } from './sundial-app.ts';

class JobsController {
  readonly #scheduler: Scheduler;
  constructor(scheduler: Scheduler) {
    this.#scheduler = scheduler;
  }
  async enqueue(): Promise<{ id: string }> {
    const job = await this.#scheduler.enqueue({ task: brew, data: { ms: 300 } });
    return { id: job.id };
  }
  health(): ReturnType<Scheduler['health']> {
    const health = this.#scheduler.health();
    if (!health.ready) throw new HttpException(health, 503);
    return health;
  }
}
// The decorators, applied as functions (see nest-sundial-module.ts for why).
Inject(Scheduler)(JobsController, undefined, 0);
Reflect.decorate([Post('jobs'), HttpCode(202)], JobsController.prototype, 'enqueue', Object.getOwnPropertyDescriptor(JobsController.prototype, 'enqueue'));
Reflect.decorate([Get('healthz')], JobsController.prototype, 'health', Object.getOwnPropertyDescriptor(JobsController.prototype, 'health'));
Controller()(JobsController);

class AppModule {}
const { store, tasks, logger } = schedulerOptions();
Module({ imports: [SundialModule.forRoot({ store, tasks: tasks ?? [], logger: logger ?? 'warn' })], controllers: [JobsController] })(AppModule);

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
await app.listen(port, '127.0.0.1');
announce('nest', (app.getHttpServer().address() as AddressInfo).port);

process.once('SIGTERM', () => {
  app.close().catch((error: unknown) => {
    console.error('shutdown failed', error);
    process.exitCode = 1;
  });
});
