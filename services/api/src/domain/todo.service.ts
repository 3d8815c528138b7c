import { NotFoundError } from './errors.js';
import {
  parseCreateTodo,
  parseListQuery,
  parseTodoId,
  parseUpdateTodo,
  type ListTodosQuery,
  type Todo,
  type UpdateTodoInput,
} from './todo.js';

/** What the service needs from storage; implemented by data-access/todo.repository. */
export interface TodoStore {
  list(query: ListTodosQuery): Promise<{ items: Todo[]; total: number }>;
  get(id: number): Promise<Todo | null>;
  create(input: { title: string; completed: boolean }): Promise<Todo>;
  /** Applies the patch atomically; returns the todo before and after, or null when absent. */
  update(id: number, patch: UpdateTodoInput): Promise<{ before: Todo; after: Todo } | null>;
  remove(id: number): Promise<boolean>;
}

/** Business events, counted by the metrics layer. */
export interface TodoEvents {
  created(): void;
  completed(): void;
  deleted(): void;
}

export interface TodoPage {
  items: Todo[];
  total: number;
  limit: number;
  offset: number;
}

export class TodoService {
  constructor(
    private readonly store: TodoStore,
    private readonly events: TodoEvents,
  ) {}

  async list(rawQuery: unknown): Promise<TodoPage> {
    const query = parseListQuery(rawQuery);
    const { items, total } = await this.store.list(query);
    return { items, total, limit: query.limit, offset: query.offset };
  }

  async get(rawId: unknown): Promise<Todo> {
    const todo = await this.store.get(parseTodoId(rawId));
    if (todo === null) throw new NotFoundError('Todo not found');
    return todo;
  }

  async create(body: unknown): Promise<Todo> {
    const todo = await this.store.create(parseCreateTodo(body));
    this.events.created();
    if (todo.completed) this.events.completed();
    return todo;
  }

  async update(rawId: unknown, body: unknown): Promise<Todo> {
    const id = parseTodoId(rawId);
    const patch = parseUpdateTodo(body);
    const result = await this.store.update(id, patch);
    if (result === null) throw new NotFoundError('Todo not found');
    if (!result.before.completed && result.after.completed) this.events.completed();
    return result.after;
  }

  async remove(rawId: unknown): Promise<void> {
    const removed = await this.store.remove(parseTodoId(rawId));
    if (!removed) throw new NotFoundError('Todo not found');
    this.events.deleted();
  }
}
