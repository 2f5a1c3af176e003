// A NestJS module for Sundial: `SundialModule.forRoot({ store, tasks })` provides the `Scheduler`,
// resolves the `@Task` classes' `inject` tokens from Nest's ModuleRef on every run, starts the
// scheduler when the app starts and stops it when the app closes (`app.close()`).
//
// Nest's decorators are legacy (experimentalDecorators) decorators, which Node's type stripping
// cannot run: this file applies them as plain functions (`Module({...})(SundialModule)`), so it
// runs with `node` as it is. In a Nest project compiled by tsc or SWC, write them as decorators.
import { Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Scheduler, type SchedulerOptions, type ServiceProvider, type ServiceToken } from '../../src/index.ts';

/** Runs the scheduler with the Nest app: started on bootstrap, stopped (drained) on shutdown. */
export class SundialLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #scheduler: Scheduler;
  constructor(scheduler: Scheduler) {
    this.#scheduler = scheduler;
  }
  async onApplicationBootstrap(): Promise<void> {
    await this.#scheduler.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.#scheduler.stop();
  }
}
Injectable()(SundialLifecycle);
Inject(Scheduler)(SundialLifecycle, undefined, 0);

/** Nest's container as Sundial's `services`: `get(token)` looks the token up in every module. */
function servicesOf(moduleRef: ModuleRef): ServiceProvider {
  return { get: <T>(token: ServiceToken<T>): T => moduleRef.get(token as string | symbol, { strict: false }) as T };
}

export class SundialModule {
  /** The scheduler as a global provider; `options.services` is replaced by Nest's ModuleRef. */
  static forRoot(options: Omit<SchedulerOptions, 'services'>): DynamicModule {
    return {
      module: SundialModule,
      global: true,
      providers: [
        { provide: Scheduler, useFactory: (moduleRef: ModuleRef) => new Scheduler({ ...options, services: servicesOf(moduleRef) }), inject: [ModuleRef] },
        SundialLifecycle,
      ],
      exports: [Scheduler],
    };
  }
}
Module({})(SundialModule);
