import { normalizeTitle, titleProblem } from '@observable-todo/contract';
import { z } from 'zod';
import { ValidationError, type ErrorDetail } from './errors.js';

export interface Todo {
  id: number;
  title: string;
  completed: boolean;
  /** ISO 8601 in UTC with milliseconds, as the API writes it (`2026-12-04T17:00:00.005Z`). */
  createdAt: string;
  updatedAt: string;
}

export const LIST_DEFAULT_LIMIT = 50;
export const LIST_MAX_LIMIT = 100;
/** Ids are PostgreSQL `integer`: anything above cannot exist and is malformed. */
const MAX_ID = 2_147_483_647;

// The shared rule (packages/contract): the UI checks the same one before sending.
const title = z
  .string({ error: 'must be a string' })
  .transform(normalizeTitle)
  .superRefine((value, ctx) => {
    const problem = titleProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

const completed = z.boolean({ error: 'must be true or false' });

const createTodoSchema = z.strictObject(
  { title, completed: completed.optional() },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'body must be a JSON object') },
);

const updateTodoSchema = z
  .strictObject(
    { title: title.optional(), completed: completed.optional() },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'body must be a JSON object') },
  )
  .refine((patch) => patch.title !== undefined || patch.completed !== undefined, {
    message: 'at least one of title, completed is required',
  });

const nonNegativeInteger = (name: string, max: number) =>
  z
    .string({ error: `${name} must be given once` })
    .regex(/^\d{1,10}$/, `must be an integer between 0 and ${max}`)
    .transform(Number)
    .refine((value) => value <= max, `must be an integer between 0 and ${max}`);

const listQuerySchema = z.strictObject({
  limit: nonNegativeInteger('limit', LIST_MAX_LIMIT)
    .refine((value) => value >= 1, `must be an integer between 1 and ${LIST_MAX_LIMIT}`)
    .optional(),
  offset: nonNegativeInteger('offset', MAX_ID).optional(),
  completed: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
});

export type CreateTodoInput = { title: string; completed: boolean };
export type UpdateTodoInput = { title?: string; completed?: boolean };
export type ListTodosQuery = { limit: number; offset: number; completed?: boolean };

function toDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.flatMap((issue): ErrorDetail[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'is not an allowed field' }));
    }
    return [{ field: issue.path.join('.') || '(body)', message: issue.message }];
  });
}

function parse<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(`Invalid ${what}`, toDetails(result.error));
  return result.data;
}

export function parseCreateTodo(body: unknown): CreateTodoInput {
  const parsed = parse(createTodoSchema, body, 'todo');
  return { title: parsed.title, completed: parsed.completed ?? false };
}

export function parseUpdateTodo(body: unknown): UpdateTodoInput {
  const parsed = parse(updateTodoSchema, body, 'todo update');
  const patch: UpdateTodoInput = {};
  if (parsed.title !== undefined) patch.title = parsed.title;
  if (parsed.completed !== undefined) patch.completed = parsed.completed;
  return patch;
}

export function parseListQuery(query: unknown): ListTodosQuery {
  const parsed = parse(listQuerySchema, query, 'query');
  const result: ListTodosQuery = { limit: parsed.limit ?? LIST_DEFAULT_LIMIT, offset: parsed.offset ?? 0 };
  if (parsed.completed !== undefined) result.completed = parsed.completed === 'true';
  return result;
}

export function parseTodoId(raw: unknown): number {
  if (typeof raw === 'string' && /^[1-9]\d{0,9}$/.test(raw) && Number(raw) <= MAX_ID) return Number(raw);
  throw new ValidationError('Invalid todo id', [{ field: 'id', message: `must be an integer between 1 and ${MAX_ID}` }]);
}
