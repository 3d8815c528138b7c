import { ApiError, networkError, parseErrorResponse } from './api-error.js';
import { parseTodo, parseTodoPage, type Todo } from './todos.js';

/** The API's largest page; the UI shows every todo, so it walks the pages. */
const PAGE_SIZE = 100;

export interface TodoPatch {
  title?: string;
  completed?: boolean;
}

export class TodoApi {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
  ) {}

  async listAll(): Promise<Todo[]> {
    const todos: Todo[] = [];
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const { body, requestId } = await this.request('GET', `/todos?limit=${PAGE_SIZE}&offset=${offset}`);
      const page = parseTodoPage(body);
      if (!page) throw unexpectedBody(requestId);
      todos.push(...page.items);
      if (page.items.length === 0 || todos.length >= page.total) return todos;
    }
  }

  async create(title: string): Promise<Todo> {
    return expectTodo(await this.request('POST', '/todos', { title }));
  }

  async update(id: number, patch: TodoPatch): Promise<Todo> {
    return expectTodo(await this.request('PATCH', `/todos/${id}`, patch));
  }

  async remove(id: number): Promise<void> {
    await this.request('DELETE', `/todos/${id}`);
  }

  private async request(method: string, path: string, body?: unknown): Promise<ApiResult> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(networkError());
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      throw new ApiError(parseErrorResponse(response.status, text, response.headers.get('X-Request-Id')));
    }
    const requestId = response.headers.get('X-Request-Id');
    if (response.status === 204 || text === '') return { body: null, requestId };
    try {
      return { body: JSON.parse(text) as unknown, requestId };
    } catch {
      throw unexpectedBody(requestId);
    }
  }
}

interface ApiResult {
  body: unknown;
  requestId: string | null;
}

function unexpectedBody(requestId: string | null): ApiError {
  return new ApiError({
    status: 200,
    code: 'UNEXPECTED_RESPONSE',
    message: 'The server sent an answer the app does not understand.',
    requestId,
  });
}

function expectTodo({ body, requestId }: ApiResult): Todo {
  const todo = parseTodo(body);
  if (!todo) throw unexpectedBody(requestId);
  return todo;
}
