import { normalizeTitle, TITLE_MAX_LENGTH, titleLength, titleProblem, type Todo, type TodoPage } from '@observable-todo/contract';

export type { Todo, TodoPage };

export const FILTERS = ['all', 'active', 'done'] as const;
export type Filter = (typeof FILTERS)[number];

/** The filter lives in the URL hash (#/active) so it survives a reload and needs no server routes. */
export function filterFromHash(hash: string): Filter {
  const name = hash.replace(/^#\/?/, '');
  return (FILTERS as readonly string[]).includes(name) ? (name as Filter) : 'all';
}

export function filterTodos(todos: readonly Todo[], filter: Filter): Todo[] {
  switch (filter) {
    case 'active':
      return todos.filter((todo) => !todo.completed);
    case 'done':
      return todos.filter((todo) => todo.completed);
    case 'all':
      return [...todos];
  }
}

export interface Counts {
  total: number;
  active: number;
  done: number;
}

export function countTodos(todos: readonly Todo[]): Counts {
  const done = todos.filter((todo) => todo.completed).length;
  return { total: todos.length, active: todos.length - done, done };
}

export function itemsLeftLabel(active: number): string {
  return `${active} ${active === 1 ? 'item' : 'items'} left`;
}

export function emptyMessage(filter: Filter, counts: Counts): string {
  if (counts.total === 0) return 'Nothing to do yet. Add your first todo above.';
  if (filter === 'active') return 'All done. Nice work!';
  if (filter === 'done') return 'Nothing is done yet.';
  return 'Nothing to show.';
}

export type TitleCheck = { ok: true; title: string } | { ok: false; message: string };

/**
 * The API's own rule from the shared contract (trimmed, 1–200 characters
 * counted as code points, so an emoji is one), so the user hears about it
 * before a round trip, in the words the API would use.
 */
export function checkTitle(raw: string): TitleCheck {
  const title = normalizeTitle(raw);
  const problem = titleProblem(title);
  if (problem === undefined) return { ok: true, title };
  if (titleLength(title) === 0) return { ok: false, message: 'Please type a title first.' };
  const count = titleLength(title) > TITLE_MAX_LENGTH ? ` (this one has ${titleLength(title)})` : '';
  return { ok: false, message: `Title ${problem}${count}.` };
}

/** Inserts or replaces by id, keeping the API's order (by id). */
export function upsertTodo(todos: readonly Todo[], todo: Todo): Todo[] {
  const rest = todos.filter((existing) => existing.id !== todo.id);
  return [...rest, todo].sort((a, b) => a.id - b.id);
}

export function removeTodo(todos: readonly Todo[], id: number): Todo[] {
  return todos.filter((todo) => todo.id !== id);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A response body that is not a Todo means a misrouted request (a proxy page, say), not data to show. */
export function parseTodo(value: unknown): Todo | null {
  if (!isRecord(value)) return null;
  const { id, title, completed, createdAt, updatedAt } = value;
  if (typeof id !== 'number' || typeof title !== 'string' || typeof completed !== 'boolean') return null;
  return {
    id,
    title,
    completed,
    createdAt: typeof createdAt === 'string' ? createdAt : '',
    updatedAt: typeof updatedAt === 'string' ? updatedAt : '',
  };
}

export function parseTodoPage(value: unknown): TodoPage | null {
  if (!isRecord(value) || !Array.isArray(value.items) || typeof value.total !== 'number') return null;
  const items: Todo[] = [];
  for (const raw of value.items) {
    const todo = parseTodo(raw);
    if (!todo) return null;
    items.push(todo);
  }
  return { items, total: value.total };
}
