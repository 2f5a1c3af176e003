import type { MiddlewareHandler } from 'hono';
import type { JsonValue } from '../index.ts';
import type { AdminEnv } from './admin-env.ts';
import { ApiError } from './api-error.ts';
import { isSafeMethod } from './auth.ts';

/** The largest request body the API reads. Every action takes a few small fields. @defaultValue 16 KiB */
export const defaultMaxBodyBytes = 16 * 1024;

/**
 * Reads the JSON body of state-changing requests, counting bytes as they arrive, so that neither a
 * false Content-Length nor a chunked upload gets more than `maxBytes` into memory. An empty body is `{}`.
 */
export function readBodyMiddleware(maxBytes: number): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    if (isSafeMethod(c.req.method)) return next();
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > maxBytes) throw tooLarge(maxBytes);
    const text = await readLimited(c.req.raw.body, maxBytes);
    if (text.trim() === '') {
      c.set('body', {});
    } else {
      const type = c.req.header('content-type') ?? '';
      if (!/^application\/json\b/i.test(type)) throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Expected a JSON body (Content-Type: application/json)');
      try {
        c.set('body', JSON.parse(text) as JsonValue);
      } catch {
        throw new ApiError(400, 'INVALID_JSON', 'The request body is not valid JSON');
      }
    }
    await next();
  };
}

async function readLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string> {
  if (body === null) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBytes} bytes`);
}
