import { describe, expect, it } from 'vitest';
import { normalizeTitle, TITLE_MAX_LENGTH, titleLength, titleProblem } from '@observable-todo/contract';

const emoji = '😀'; // one code point, two UTF-16 units

describe('the title rule', () => {
  it('counts code points, as PostgreSQL char_length does, not UTF-16 units', () => {
    expect(emoji.length).toBe(2);
    expect(titleLength(emoji.repeat(150))).toBe(150);
    expect(titleLength('añ€')).toBe(3);
    expect(titleLength('')).toBe(0);
  });

  it('accepts 1 to 200 characters, emoji included', () => {
    expect(TITLE_MAX_LENGTH).toBe(200);
    expect(titleProblem('x')).toBeUndefined();
    expect(titleProblem('x'.repeat(200))).toBeUndefined();
    expect(titleProblem(emoji.repeat(200))).toBeUndefined();
  });

  it('refuses empty, too long and NUL titles with the API messages', () => {
    expect(titleProblem('')).toBe('must not be empty');
    expect(titleProblem('x'.repeat(201))).toBe('must be at most 200 characters');
    expect(titleProblem(emoji.repeat(201))).toBe('must be at most 200 characters');
    expect(titleProblem('a\u0000b')).toBe('must not contain NUL characters');
  });

  it('normalises by trimming surrounding whitespace', () => {
    expect(normalizeTitle('  Water the plants \n')).toBe('Water the plants');
  });
});
