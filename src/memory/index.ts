/**
 * `MemoryStore`: a store in this process's memory, for tests, examples and single-process apps that may
 * lose their schedules and jobs on exit.
 *
 * @packageDocumentation
 * @module sundial-scheduler/memory
 */
export { MemoryStore } from './memory-store.ts';
