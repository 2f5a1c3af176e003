/**
 * OpenTelemetry metrics and traces for a Scheduler, with `@opentelemetry/api` only (an optional peer
 * dependency): a no-op until the application installs and starts an SDK.
 *
 * @packageDocumentation
 * @module sundial-scheduler/telemetry
 */
export { openTelemetry, OpenTelemetryInstrumentation } from './open-telemetry.ts';
export { instrumentStore } from './instrument-store.ts';
export type { OpenTelemetryOptions, InstrumentStoreOptions } from './telemetry-options.ts';
export { W3CTraceContextFormat } from './trace-context.ts';
export { sundialMetrics, sundialAttributes, messagingAttributes, type JobOutcome, type FireOutcome } from './telemetry-names.ts';
