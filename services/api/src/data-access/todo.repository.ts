import type { QueryResult, QueryResultRow } from 'pg';
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
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

/**
 * A Todo as the API writes it: the columns aliased to the API's names, the
 * timestamps formatted by PostgreSQL exactly as Date#toISOString writes them
 * (UTC, milliseconds truncated). Parsing 40 timestamps of a page into Dates and
 * formatting them again in JSON.stringify through toJSON cost the list page
 * about 60 µs (postgres-date 2.7% and the page's stringify 7.4% of a CPU
 * profile); stringifying a page of 20 with ISO strings instead of Dates
 * measured 6 against 38 µs in-process.
 */
const ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const COLUMNS = `id, title, completed, ${ISO('created_at')} AS "createdAt", ${ISO('updated_at')} AS "updatedAt"`;

/** The connection Sequelize's pool hands out for PostgreSQL: a node-postgres Client. */
interface PgClient {
  query<R extends QueryResultRow>(config: { name: string; text: string; values?: unknown[] }): Promise<QueryResult<R>>;
}

/**
 * Named statements: node-postgres prepares each once per connection (Parse),
 * then sends only Bind/Execute with the values. One name, one text, always.
 */
const STATEMENTS = {
  page: { name: 'todos_page', text: `SELECT ${COLUMNS} FROM todos ORDER BY id LIMIT $1 OFFSET $2` },
  pageByCompleted: {
    name: 'todos_page_by_completed',
    text: `SELECT ${COLUMNS} FROM todos WHERE completed = $3 ORDER BY id LIMIT $1 OFFSET $2`,
  },
  count: { name: 'todos_count', text: 'SELECT count(*)::int AS total FROM todos' },
  countByCompleted: { name: 'todos_count_by_completed', text: 'SELECT count(*)::int AS total FROM todos WHERE completed = $1' },
  get: { name: 'todos_get', text: `SELECT ${COLUMNS} FROM todos WHERE id = $1` },
  create: {
    name: 'todos_create',
    // The timestamps as Sequelize's create() set them: the same instant for both, from the statement's transaction.
    text: `INSERT INTO todos (title, completed, created_at, updated_at) VALUES ($1, $2, now(), now()) RETURNING ${COLUMNS}`,
  },
} as const;

/**
 * Sequelize keeps the model, the migrations and the update's transaction with
 * its row lock. The three hot paths (the list page, one todo, the insert)
 * run named statements on a node-postgres client borrowed from Sequelize's own
 * pool, so the pool, its limits, its metrics, statement_timeout and the
 * connection-failure handling stay one.
 *
 * Why, measured in one process against PostgreSQL 18 (CPU per operation, 16
 * concurrent, median of 3 rounds of 4,000, JSON.stringify of the result
 * included; scratch script, docs/benchmark.md "Where the time went"):
 *
 *   list (20 rows + total)  findAndCountAll 766 µs · findAll raw + count in parallel 406 ·
 *                           sequelize.query, 2 in parallel 310 · sequelize.query, count(*) OVER () 367 ·
 *                           pg named, 2 in parallel 226 · pg named, count(*) OVER () 336 · pg unnamed, OVER () 318
 *   one todo                findByPk 286 µs · findByPk raw 225 · sequelize.query 92 · pg named 70
 *   insert                  create 398 µs · sequelize.query 133 · pg named 72
 *
 * A model instance per row and Sequelize's query pipeline (option merging,
 * SQL generation, result mapping) were most of it. The window count costs more
 * than the second query: it scans the same rows and adds a column to every one
 * that has to be parsed and stripped; and with OFFSET past the end it returns
 * no row, hence no total. Two statements in parallel take two connections for a
 * moment; the pool (DB_POOL_MAX, 10) has them.
 */
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

  /** One statement on a connection of Sequelize's pool, returned to it afterwards (a broken one is discarded by the pool). */
  private async run<R extends QueryResultRow>(statement: { name: string; text: string }, values: unknown[]): Promise<R[]> {
    const manager = this.sequelize.connectionManager;
    const connection = await manager.getConnection({ type: statement === STATEMENTS.create ? 'write' : 'read' });
    try {
      return (await (connection as PgClient).query<R>({ name: statement.name, text: statement.text, values })).rows;
    } finally {
      manager.releaseConnection(connection);
    }
  }

  list(query: ListTodosQuery): Promise<{ items: Todo[]; total: number }> {
    return this.timed('list', async () => {
      const byCompleted = query.completed !== undefined;
      const [items, counted] = await Promise.all([
        byCompleted
          ? this.run<Todo>(STATEMENTS.pageByCompleted, [query.limit, query.offset, query.completed])
          : this.run<Todo>(STATEMENTS.page, [query.limit, query.offset]),
        byCompleted
          ? this.run<{ total: number }>(STATEMENTS.countByCompleted, [query.completed])
          : this.run<{ total: number }>(STATEMENTS.count, []),
      ]);
      return { items, total: counted[0]!.total };
    });
  }

  get(id: number): Promise<Todo | null> {
    return this.timed('get', async () => (await this.run<Todo>(STATEMENTS.get, [id]))[0] ?? null);
  }

  create(input: { title: string; completed: boolean }): Promise<Todo> {
    return this.timed('create', async () => (await this.run<Todo>(STATEMENTS.create, [input.title, input.completed]))[0]!);
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
