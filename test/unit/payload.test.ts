import { describe, expect, expectTypeOf, it } from 'vitest';
import type { JsonValue } from '../../src/domain/json.ts';
import { assertJsonPayload, assertPayloadSize, defaultMaxPayloadBytes, jsonByteLength, toJsonPayload, validatePayload } from '../../src/domain/payload.ts';
import { InvalidArgumentError, PayloadNotSerializableError, PayloadTooLargeError, PayloadValidationError } from '../../src/errors.ts';
import type { StandardSchemaV1 } from '../../src/tasks/standard-schema.ts';

class Ec2Client {
  region = 'eu-west-1';
}

/** [1, <empty>, 3] */
function holeyArray(): number[] {
  const array: number[] = [];
  array[0] = 1;
  array[2] = 3;
  return array;
}

function problem(value: unknown): string {
  try {
    assertJsonPayload(value, 'data');
  } catch (error) {
    expect(error).toBeInstanceOf(PayloadNotSerializableError);
    expect((error as PayloadNotSerializableError).code).toBe('PAYLOAD_NOT_SERIALIZABLE');
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

describe('assertJsonPayload', () => {
  it('accepts plain JSON, null-prototype objects and shared (non-circular) references', () => {
    const shared = { a: 1 };
    const bare = Object.assign(Object.create(null) as object, { x: 1 });
    for (const value of [null, true, 0, -1.5, '', 'x', [], {}, [1, 'a', null, { b: [true] }], { shared, again: shared, bare }]) {
      expect(() => assertJsonPayload(value, 'data')).not.toThrow();
    }
    expect(toJsonPayload({ a: [1] }, 'data')).toEqual({ a: [1] });
  });

  it('toJsonPayload refuses what assertJsonPayload refuses', () => {
    expect(() => toJsonPayload({ when: new Date(0) }, 'data')).toThrow(new PayloadNotSerializableError('data.when: a Date is not JSON; use an ISO string (date.toISOString())'));
  });

  it('names a function only when it has a name', () => {
    expect(problem({ f: function collect() {} })).toBe('data.f: a function (collect) is not JSON; register the code as a task and pass data instead');
    expect(problem([() => 1])).toBe('data[0]: a function is not JSON; register the code as a task and pass data instead');
  });

  it('refuses array subclasses, anonymous classes and objects whose prototype has no constructor', () => {
    class Batch extends Array<number> {}
    expect(problem({ batch: Batch.from([1, 2]) })).toBe('data.batch: an array subclass (Batch) is not JSON; use a plain array');
    expect(problem({ x: new (class {})() })).toBe('data.x: a class instance (anonymous class) is not JSON; store its id instead');
    const orphan: object = Object.create(Object.create(null) as object) as object;
    expect(problem({ x: orphan })).toBe('data.x: a class instance (anonymous class) is not JSON; store its id instead');
  });

  it('names the path of a class instance and says what to do', () => {
    expect(problem({ worker: { client: new Ec2Client() } })).toBe(
      'data.worker.client: a class instance (Ec2Client) is not JSON; store its id instead',
    );
  });

  it.each([
    [{ f: () => 1 }, 'data.f: a function (f) is not JSON'],
    [{ s: Symbol('x') }, 'data.s: a symbol is not JSON'],
    [{ n: 10n }, 'data.n: a bigint is not JSON'],
    [undefined, 'data: undefined is not JSON'],
    [[1, undefined], 'data[1]: undefined is not JSON'],
    [{ gone: undefined }, 'data.gone: undefined is not JSON'],
    [{ x: Number.NaN }, 'data.x: NaN is not JSON (it would become null)'],
    [{ x: [Number.POSITIVE_INFINITY] }, 'data.x[0]: Infinity is not JSON'],
    [{ when: new Date(0) }, 'data.when: a Date is not JSON; use an ISO string'],
    [{ m: new Map() }, 'data.m: a Map is not JSON'],
    [{ s: new Set() }, 'data.s: a Set is not JSON; use an array'],
    [{ b: new Uint8Array(2) }, 'data.b: binary data (Uint8Array) is not JSON'],
    [{ e: new Error('x') }, 'data.e: a class instance (Error) is not JSON'],
    [{ 'odd key': { 3: new Ec2Client() } }, 'data["odd key"][3]: a class instance (Ec2Client)'],
    [holeyArray(), 'data[1]: an empty array slot is not JSON'],
    [{ [Symbol('k')]: 1 }, 'data: a symbol-keyed property is not JSON'],
    [{ note: 'a\u0000b' }, 'data.note: a string is not storable: it contains a NUL character'],
    [['ok', 'half\uD800'], 'data[1]: a string is not storable: it contains a lone UTF-16 surrogate'],
    [{ 'k\uDFFF': 1 }, 'a property name is not storable: it contains a lone UTF-16 surrogate'],
  ])('rejects %o', (value, message) => {
    expect(problem(value)).toContain(message);
  });

  it('rejects cycles, naming where they point back to', () => {
    const a: Record<string, unknown> = { list: [] };
    (a.list as unknown[]).push({ back: a });
    expect(problem(a)).toBe('data.list[0].back: a circular reference (back to data) is not JSON');
  });

  it('narrows the type', () => {
    const value: unknown = { a: 1 };
    assertJsonPayload(value, 'data');
    expectTypeOf(value).toEqualTypeOf<JsonValue>();
  });
});

/** A hand-written Standard Schema: `{ email: string }` with a normalised (lower-cased) output. */
const emailSchema: StandardSchemaV1<{ email: string }, { email: string }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate(value) {
      if (typeof value !== 'object' || value === null) return { issues: [{ message: 'Expected an object' }] };
      const email = (value as { email?: unknown }).email;
      if (typeof email !== 'string' || !email.includes('@')) {
        return { issues: [{ message: 'Invalid email', path: ['email'] }] };
      }
      return { value: { email: email.toLowerCase() } };
    },
  },
};

const asyncListSchema: StandardSchemaV1<unknown, number[]> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    async validate() {
      await Promise.resolve();
      return {
        issues: [
          { message: 'Required', path: [{ key: 'items' }, 0, 'name'] },
          { message: 'Too long', path: ['user', { key: 'first name' }] },
        ],
      };
    },
  },
};

describe('validatePayload', () => {
  it("returns the schema's output", async () => {
    const out = await validatePayload(emailSchema, { email: 'A@B.C' }, 'data');
    expect(out).toEqual({ email: 'a@b.c' });
    expectTypeOf(out).toEqualTypeOf<{ email: string }>();
  });

  it('lists each issue with its path', async () => {
    const error = await validatePayload(emailSchema, { email: 'nope' }, 'data').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect((error as Error).message).toBe('Invalid `data`: data.email: Invalid email');
    expect((error as PayloadValidationError).issues).toEqual([{ message: 'Invalid email', path: ['email'] }]);
    await expect(validatePayload(emailSchema, 5, 'data')).rejects.toThrow('Invalid `data`: data: Expected an object');
  });

  it('awaits async validators, reads path segments and keeps the issues', async () => {
    const error = await validatePayload(asyncListSchema, {}, 'data').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect((error as PayloadValidationError).code).toBe('PAYLOAD_INVALID');
    expect((error as Error).message).toBe('Invalid `data`: data.items[0].name: Required; data.user["first name"]: Too long');
    expect((error as PayloadValidationError).issues).toHaveLength(2);
  });

  it('writes each kind of path key the way JavaScript would read it', async () => {
    const schema: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => ({ issues: [{ message: 'Bad', path: ['rows', 12, '12', '1a', 'a-1', Symbol('meta'), { key: '$ok_1' }] }] }),
      },
    };
    await expect(validatePayload(schema, {}, 'data')).rejects.toThrow('Invalid `data`: data.rows[12][12]["1a"]["a-1"][Symbol(meta)].$ok_1: Bad');
  });
});

describe('payload size (maxPayloadBytes)', () => {
  it('defaults to 1 MiB', () => {
    expect(defaultMaxPayloadBytes).toBe(1_048_576);
  });

  it('counts the JSON text in UTF-8 bytes: multi-byte characters count as their bytes', () => {
    expect(jsonByteLength(null)).toBe(4);
    expect(jsonByteLength('a')).toBe(3);
    expect(jsonByteLength('é')).toBe(4); // "é": 2 quotes + 2 bytes
    expect(jsonByteLength('€')).toBe(5); // 3 bytes
    expect(jsonByteLength('😀')).toBe(6); // 4 bytes (2 UTF-16 units)
    expect(jsonByteLength({ k: ['é'] })).toBe(Buffer.byteLength('{"k":["é"]}'));
  });

  it('passes exactly at the limit and fails one byte over', () => {
    const data = { text: 'x'.repeat(90) };
    const bytes = jsonByteLength(data);
    expect(() => assertJsonPayload(data, 'data', bytes)).not.toThrow();
    expect(() => assertJsonPayload(data, 'data', bytes - 1)).toThrow(PayloadTooLargeError);
  });

  it('counts a multi-byte character as its UTF-8 bytes, not as one character', () => {
    // {"a":"€"}: 9 characters, 11 bytes (€ is 3 bytes of UTF-8).
    const data = { a: '€' };
    expect(JSON.stringify(data).length).toBe(9);
    expect(jsonByteLength(data)).toBe(11);
    expect(() => assertPayloadSize(data, 'data', 11)).not.toThrow();
    expect(() => assertPayloadSize(data, 'data', 10)).toThrow(PayloadTooLargeError);
  });

  it('says the size, the limit and how to raise it, with a stable code', () => {
    let error: unknown;
    try {
      assertPayloadSize({ blob: 'x'.repeat(2_000) }, 'data of job 0 (report)', 1_024);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const tooLarge = error as PayloadTooLargeError;
    expect(tooLarge.code).toBe('PAYLOAD_TOO_LARGE');
    expect(tooLarge.bytes).toBe(2_011);
    expect(tooLarge.limitBytes).toBe(1_024);
    expect(tooLarge.message).toBe(
      'data of job 0 (report) is 2,011 bytes of JSON, over the limit of 1,024 bytes: pass a reference (an id, a URL) to large data instead, or raise the scheduler option `maxPayloadBytes`',
    );
  });

  it('checks the shape first: a value that is not JSON is not sized', () => {
    expect(() => assertJsonPayload({ f: () => 1 }, 'data', 1)).toThrow(PayloadNotSerializableError);
  });

  it('without a limit, checks only the shape', () => {
    expect(() => assertJsonPayload({ text: 'x'.repeat(2_000_000) }, 'data')).not.toThrow();
  });
});
