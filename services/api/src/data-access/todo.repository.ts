import type { Sequelize } from 'sequelize';
import { ServiceUnavailableError } from '../domain/errors.js';
import type { ListTodosQuery, Todo, UpdateTodoInput } from '../domain/todo.js';
import type { TodoStore } from '../domain/todo.service.js';
import type { Metrics } from '../observability/metrics.js';
import { isDatabaseUnavailable } from './database.js';
import type { TodoModel, TodoRecord } from './todo.model.js';

function toTodo(record: TodoRecord): Todo {
  return {
    id: record.id,
    title: record.title,
    completed: record.completed,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export class TodoRepository implements TodoStore {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly model: TodoModel,
    private readonly metrics: Pick<Metrics, 'dbQueryDuration'>,
  ) {}

  /** Times every operation and turns connection failures into a trusted 503. */
  private async timed<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const end = this.metrics.dbQueryDuration.startTimer({ operation });
    try {
      const result = await run();
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      end({ outcome: 'error' });
      if (isDatabaseUnavailable(error)) throw new ServiceUnavailableError(undefined, error);
      throw error;
    }
  }

  list(query: ListTodosQuery): Promise<{ items: Todo[]; total: number }> {
    return this.timed('list', async () => {
      const { rows, count } = await this.model.findAndCountAll({
        where: query.completed === undefined ? {} : { completed: query.completed },
        order: [['id', 'ASC']],
        limit: query.limit,
        offset: query.offset,
      });
      return { items: rows.map(toTodo), total: count };
    });
  }

  get(id: number): Promise<Todo | null> {
    return this.timed('get', async () => {
      const record = await this.model.findByPk(id);
      return record === null ? null : toTodo(record);
    });
  }

  create(input: { title: string; completed: boolean }): Promise<Todo> {
    return this.timed('create', async () => toTodo(await this.model.create(input)));
  }

  update(id: number, patch: UpdateTodoInput): Promise<{ before: Todo; after: Todo } | null> {
    return this.timed('update', () =>
      this.sequelize.transaction(async (transaction) => {
        // Row lock: two concurrent completions must count as one.
        const record = await this.model.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
        if (record === null) return null;
        const before = toTodo(record);
        await record.update(patch, { transaction });
        return { before, after: toTodo(record) };
      }),
    );
  }

  remove(id: number): Promise<boolean> {
    return this.timed('delete', async () => (await this.model.destroy({ where: { id } })) > 0);
  }
}
