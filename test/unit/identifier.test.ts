import { describe, expect, it } from 'vitest';
import { assertIdentifier, assertOptionalIdentifier, isStorableText } from '../../src/domain/identifier.ts';
import { InvalidArgumentError } from '../../src/errors.ts';

describe('assertIdentifier', () => {
  it.each(['a', 'reports/daily', 'emoji-\u{1F600}', 'e\u0301', 'x'.repeat(200)])('accepts %j', (id) => {
    expect(assertIdentifier(id, 'id')).toBe(id);
  });

  it.each([
    ['', /1 to 200 characters, got ""/],
    ['x'.repeat(201), /a string of 201 characters/],
    [5, /got number/],
    [null, /got null/],
    ['a\u0000b', /NUL character/],
    ['half\uD800', /lone UTF-16 surrogate/],
    ['half\uDFFF', /lone UTF-16 surrogate/],
  ])('refuses %j', (id, message) => {
    expect(() => assertIdentifier(id, 'schedule id')).toThrow(InvalidArgumentError);
    expect(() => assertIdentifier(id, 'schedule id')).toThrow(message);
  });

  it('takes a longer limit when given, and passes undefined through the optional form', () => {
    expect(assertIdentifier('k'.repeat(1000), 'key', 1000)).toHaveLength(1000);
    expect(() => assertIdentifier('k'.repeat(1001), 'key', 1000)).toThrow(/1 to 1000/);
    expect(assertOptionalIdentifier(undefined, 'filter')).toBeUndefined();
    expect(() => assertOptionalIdentifier('', 'filter')).toThrow(InvalidArgumentError);
  });

  it('quotes a refused string of up to 60 characters in full, and names a longer one by its length', () => {
    const sixty = 'k'.repeat(60);
    expect(() => assertIdentifier(sixty, 'key', 50)).toThrow(`Expected key to be a string of 1 to 50 characters, got "${sixty}"`);
    expect(() => assertIdentifier(`${sixty}k`, 'key', 50)).toThrow('Expected key to be a string of 1 to 50 characters, got a string of 61 characters');
  });

  it('says which text every store keeps', () => {
    expect(isStorableText('plain')).toBe(true);
    expect(isStorableText('\u{1F600}')).toBe(true);
    expect(isStorableText('\uD83D')).toBe(false);
    expect(isStorableText('\u0000')).toBe(false);
  });
});
