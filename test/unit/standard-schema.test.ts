import { describe, expect, expectTypeOf, it } from 'vitest';
import { type InferInput, type InferOutput, isStandardSchema, type StandardSchemaV1 } from '../../src/tasks/standard-schema.ts';

const numberFromString: StandardSchemaV1<string, number> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => (typeof value === 'string' ? { value: Number(value) } : { issues: [{ message: 'Expected a string' }] }),
    types: { input: '', output: 0 },
  },
};

describe('StandardSchemaV1', () => {
  it('infers input and output types', () => {
    expectTypeOf<InferInput<typeof numberFromString>>().toEqualTypeOf<string>();
    expectTypeOf<InferOutput<typeof numberFromString>>().toEqualTypeOf<number>();
    expectTypeOf<StandardSchemaV1.InferOutput<typeof numberFromString>>().toEqualTypeOf<number>();
  });

  it('recognises Standard Schema objects', () => {
    expect(isStandardSchema(numberFromString)).toBe(true);
    expect(isStandardSchema(Object.assign(() => 1, { '~standard': numberFromString['~standard'] }))).toBe(true);
    expect(isStandardSchema({ '~standard': { version: 2, validate: () => ({ value: 1 }) } })).toBe(false);
    expect(isStandardSchema({ '~standard': { version: 1 } })).toBe(false);
    expect(isStandardSchema(null)).toBe(false);
    expect(isStandardSchema('schema')).toBe(false);
  });
});
