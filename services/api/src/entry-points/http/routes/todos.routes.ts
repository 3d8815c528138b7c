import type { Router } from 'express';
import type { TodoService } from '../../../domain/todo.service.js';
import { jsonBody } from '../middleware/json-body.js';
import { allowOnly } from '../middleware/method-not-allowed.js';
import { exactRouter } from '../router.js';

export const TODOS_PATH = '/api/todos';

export function todoRoutes(todos: TodoService): Router {
  const router = exactRouter();

  router
    .route(TODOS_PATH)
    .get(async (req, res) => {
      res.json(await todos.list(req.query));
    })
    .post(...jsonBody, async (req, res) => {
      const todo = await todos.create(req.body);
      res.status(201).location(`${TODOS_PATH}/${todo.id}`).json(todo);
    })
    .all(allowOnly('GET', 'POST'));

  router
    .route(`${TODOS_PATH}/:id`)
    .get(async (req, res) => {
      res.json(await todos.get(req.params.id));
    })
    .patch(...jsonBody, async (req, res) => {
      res.json(await todos.update(req.params.id, req.body));
    })
    .delete(async (req, res) => {
      await todos.remove(req.params.id);
      res.status(204).end();
    })
    .all(allowOnly('GET', 'PATCH', 'DELETE'));

  return router;
}
