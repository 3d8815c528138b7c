import { createTodos } from './0001-create-todos.js';
import type { Migration } from './migration.js';

/** Every migration, in order. Listed explicitly so src (tsx) and dist (node) run the same set. */
export const migrations: readonly Migration[] = [createTodos];
