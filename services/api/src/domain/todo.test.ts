import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { parseCreateTodo, parseListQuery, parseTodoId, parseUpdateTodo } from './todo.js';

function validationDetails(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('parseCreateTodo', () => {
  it('trims the title and defaults completed to false', () => {
    expect(parseCreateTodo({ title: '  tea ' })).toEqual({ title: 'tea', completed: false });
  });

  it('counts characters, not UTF-16 code units', () => {
    expect(parseCreateTodo({ title: '🙂'.repeat(200) }).title).toHaveLength(400);
    expect(validationDetails(() => parseCreateTodo({ title: '🙂'.repeat(201) }))).toEqual([
      { field: 'title', message: 'must be at most 200 characters' },
    ]);
  });

  it('lists every unknown field', () => {
    expect(validationDetails(() => parseCreateTodo({ title: 'x', a: 1, b: 2 }))).toEqual([
      { field: 'a', message: 'is not an allowed field' },
      { field: 'b', message: 'is not an allowed field' },
    ]);
  });

  it.each([null, 'text', 42, undefined])('rejects a body that is not an object (%s)', (body) => {
    expect(validationDetails(() => parseCreateTodo(body))).toEqual([{ field: '(body)', message: 'body must be a JSON object' }]);
  });
});

describe('parseUpdateTodo', () => {
  it('keeps only the given fields', () => {
    expect(parseUpdateTodo({ completed: true })).toEqual({ completed: true });
  });

  it('needs at least one field', () => {
    expect(validationDetails(() => parseUpdateTodo({}))).toEqual([
      { field: '(body)', message: 'at least one of title, completed is required' },
    ]);
  });
});

describe('parseListQuery', () => {
  it('defaults to the first 50', () => {
    expect(parseListQuery({})).toEqual({ limit: 50, offset: 0 });
  });

  it('parses limit, offset and completed', () => {
    expect(parseListQuery({ limit: '100', offset: '7', completed: 'false' })).toEqual({ limit: 100, offset: 7, completed: false });
  });

  it.each([{ limit: '0' }, { limit: '101' }, { offset: '1e3' }, { completed: 'TRUE' }, { limit: ['1', '2'] }, { page: '1' }])(
    'rejects %j',
    (query) => {
      expect(() => parseListQuery(query)).toThrow(ValidationError);
    },
  );
});

describe('parseTodoId', () => {
  it('accepts positive 32-bit integers', () => {
    expect(parseTodoId('1')).toBe(1);
    expect(parseTodoId('2147483647')).toBe(2147483647);
  });

  it.each(['0', '2147483648', '1.0', ' 1', '0x1', '', undefined])('rejects %j', (raw) => {
    expect(() => parseTodoId(raw)).toThrow(ValidationError);
  });
});
