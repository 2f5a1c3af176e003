// The booking API as a Fastify plugin. Every write is one transaction in BookingService; the
// jobs it makes due are written in it too.
//
//   POST /bookings               { tutor, student, startsAt, endsAt } → 201 { booking }
//                                { bookings: [ … up to 1,000 ] }       → 201 { bookings } (one transaction)
//   POST /bookings/:id/confirm   200 { outcome: 'applied' | 'done', booking } | 409 refused (expired first) | 404 | 503 busy
//   GET  /bookings/:id           200 { booking, events }
//   GET  /bookings?status=&limit=
//   GET  /healthz                the scheduler's health: 200 when ready, else 503
import type { FastifyInstance } from 'fastify';
import { InvalidArgumentError } from '../../src/index.ts';
import { BookingBusyError } from './booking-repository.ts';
import type { BookingService, NewBooking } from './booking-service.ts';
import { bookingStatuses, type BookingStatus } from './booking-state.ts';

const maxBatch = 1_000;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function bookingRoutes(service: BookingService, nodeId: string) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler((error, request, reply) => {
      if (error instanceof InvalidArgumentError) return reply.code(400).send({ error: error.message, code: error.code });
      if (error instanceof BookingBusyError) return reply.code(503).header('retry-after', '1').send({ error: error.message, code: error.code });
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send({ error: (error as Error).message });
      request.log.error(error);
      return reply.code(500).send({ error: 'internal error' });
    });

    app.post('/bookings', async (request, reply) => {
      const body = request.body as Record<string, unknown> | null;
      const batch = Array.isArray(body?.['bookings']);
      const inputs = batch ? (body!['bookings'] as unknown[]) : [body];
      if (inputs.length === 0 || inputs.length > maxBatch) throw new InvalidArgumentError(`Expected 1 to ${maxBatch} bookings, got ${inputs.length}`);
      const bookings = await service.request(inputs.map((input, index) => newBooking(input, batch ? `bookings[${index}].` : '')));
      return reply.code(201).send(batch ? { bookings, node: nodeId } : { booking: bookings[0], node: nodeId });
    });

    app.post('/bookings/:id/confirm', async (request, reply) => {
      const { outcome, booking } = await service.confirm(bookingId(request.params));
      const status = outcome === 'not-found' ? 404 : outcome === 'refused' ? 409 : 200;
      return reply.code(status).send({ outcome, booking, node: nodeId });
    });

    app.get('/bookings/:id', async (request, reply) => {
      const id = bookingId(request.params);
      const booking = await service.get(id);
      if (booking === null) return reply.code(404).send({ error: `No booking ${id}` });
      return { booking, events: await service.events(id) };
    });

    app.get('/bookings', async (request) => {
      const query = request.query as Record<string, string | undefined>;
      const status = query['status'];
      if (status !== undefined && !bookingStatuses.includes(status as BookingStatus)) {
        throw new InvalidArgumentError(`Expected \`status\` to be one of ${bookingStatuses.join(', ')}, got ${JSON.stringify(status)}`);
      }
      const limit = query['limit'] === undefined ? 100 : Number(query['limit']);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw new InvalidArgumentError(`Expected \`limit\` to be an integer from 1 to 1000, got ${JSON.stringify(query['limit'])}`);
      return { bookings: await service.list({ ...(status === undefined ? {} : { status: status as BookingStatus }), limit }) };
    });

    app.get('/healthz', async (_request, reply) => {
      const health = service.scheduler.health();
      return reply.code(health.ready ? 200 : 503).send({ ...health, node: nodeId });
    });
  };
}

function bookingId(params: unknown): string {
  const id = (params as { id?: string }).id ?? '';
  if (!uuid.test(id)) throw new InvalidArgumentError(`Expected a booking id (a uuid), got ${JSON.stringify(id)}`);
  return id;
}

function newBooking(value: unknown, prefix: string): NewBooking {
  if (typeof value !== 'object' || value === null) throw new InvalidArgumentError(`Expected ${prefix || 'the body'} to be an object`);
  const input = value as Record<string, unknown>;
  return {
    tutor: input['tutor'] as string,
    student: input['student'] as string,
    startsAtMs: instant(input['startsAt'], `${prefix}startsAt`),
    endsAtMs: instant(input['endsAt'], `${prefix}endsAt`),
  };
}

/** An ISO 8601 date-time or milliseconds since the epoch. */
function instant(value: unknown, name: string): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`Expected \`${name}\` to be an ISO 8601 date-time or epoch milliseconds, got ${JSON.stringify(value)}`);
  return ms;
}
