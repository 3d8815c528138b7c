import { describe, expect, it } from 'vitest';
import {
  checkTitle,
  countTodos,
  emptyMessage,
  filterFromHash,
  filterTodos,
  itemsLeftLabel,
  parseTodo,
  parseTodoPage,
  removeTodo,
  upsertTodo,
  type Todo,
} from './todos.js';

const at = '2026-01-01T00:00:00.000Z';
const todo = (id: number, completed = false, title = `todo ${id}`): Todo => ({ id, title, completed, createdAt: at, updatedAt: at });
const todos = [todo(1), todo(2, true), todo(3), todo(4, true), todo(5)];

describe('filters', () => {
  it('reads the filter from the URL hash and falls back to all', () => {
    expect(filterFromHash('#/active')).toBe('active');
    expect(filterFromHash('#/done')).toBe('done');
    expect(filterFromHash('#done')).toBe('done');
    expect(filterFromHash('#/')).toBe('all');
    expect(filterFromHash('')).toBe('all');
    expect(filterFromHash('#/completed')).toBe('all');
  });

  it('reads the hashes the filter links of index.html set', () => {
    expect(['#/', '#/active', '#/done'].map(filterFromHash)).toEqual(['all', 'active', 'done']);
  });

  it('keeps the order and picks the matching todos', () => {
    expect(filterTodos(todos, 'all').map((t) => t.id)).toEqual([1, 2, 3, 4, 5]);
    expect(filterTodos(todos, 'active').map((t) => t.id)).toEqual([1, 3, 5]);
    expect(filterTodos(todos, 'done').map((t) => t.id)).toEqual([2, 4]);
  });
});

describe('counts', () => {
  it('counts what is left and what is done', () => {
    expect(countTodos(todos)).toEqual({ total: 5, active: 3, done: 2 });
    expect(countTodos([])).toEqual({ total: 0, active: 0, done: 0 });
  });

  it('says items left in plain English', () => {
    expect(itemsLeftLabel(0)).toBe('0 items left');
    expect(itemsLeftLabel(1)).toBe('1 item left');
    expect(itemsLeftLabel(2)).toBe('2 items left');
  });

  it('has an empty state for every filter', () => {
    expect(emptyMessage('all', countTodos([]))).toMatch(/add your first todo/i);
    expect(emptyMessage('active', countTodos([todo(1, true)]))).toMatch(/all done/i);
    expect(emptyMessage('done', countTodos([todo(1)]))).toMatch(/nothing is done/i);
  });
});

describe('checkTitle', () => {
  it('trims and accepts 1 to 200 characters', () => {
    expect(checkTitle('  Water the plants \n')).toEqual({ ok: true, title: 'Water the plants' });
    expect(checkTitle('x'.repeat(200))).toEqual({ ok: true, title: 'x'.repeat(200) });
  });

  it('rejects blank and too long titles with a message', () => {
    expect(checkTitle('   ')).toMatchObject({ ok: false });
    expect(checkTitle('x'.repeat(201))).toEqual({ ok: false, message: 'Title must be at most 200 characters (this one has 201).' });
  });

  it('counts emoji as one character each, as the API and PostgreSQL do', () => {
    expect(checkTitle('😀'.repeat(150))).toEqual({ ok: true, title: '😀'.repeat(150) });
    expect(checkTitle('😀'.repeat(200))).toMatchObject({ ok: true });
    expect(checkTitle('😀'.repeat(201))).toEqual({ ok: false, message: 'Title must be at most 200 characters (this one has 201).' });
  });
});

describe('list updates', () => {
  it('upserts by id and keeps id order', () => {
    expect(upsertTodo(todos, todo(0)).map((t) => t.id)).toEqual([0, 1, 2, 3, 4, 5]);
    const renamed = upsertTodo(todos, todo(3, true, 'renamed'));
    expect(renamed).toHaveLength(5);
    expect(renamed[2]).toMatchObject({ id: 3, title: 'renamed', completed: true });
  });

  it('removes by id without touching the input', () => {
    expect(removeTodo(todos, 2).map((t) => t.id)).toEqual([1, 3, 4, 5]);
    expect(todos).toHaveLength(5);
  });
});

describe('parsing API bodies', () => {
  it('accepts a todo and a page of todos', () => {
    expect(parseTodo(todo(7))).toEqual(todo(7));
    expect(parseTodoPage({ items: [todo(1)], total: 1, limit: 50, offset: 0 })).toEqual({ items: [todo(1)], total: 1 });
  });

  it('rejects bodies that are not todos', () => {
    expect(parseTodo(null)).toBeNull();
    expect(parseTodo({ id: '1', title: 'x', completed: false })).toBeNull();
    expect(parseTodoPage('<html>')).toBeNull();
    expect(parseTodoPage({ items: [{ id: 1 }], total: 1 })).toBeNull();
  });
});
