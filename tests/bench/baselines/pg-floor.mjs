// The data-path floor for `npm run bench`: bare node:http and node-postgres
// answering the API's three hot routes the same way the API does (same JSON
// shape, same status codes and Location), against the same PostgreSQL and rows,
// in the API's base image with its CPU and memory limit. No validation, no
// framework, no telemetry: what a Node server on this database cannot go below.
// pg comes from the repository's node_modules, mounted.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({
  host: process.env.DB_HOST,
  database: process.env.DB_NAME,
  user: process.env.DB_USER,
  password: readFileSync(process.env.DB_PASSWORD_FILE, 'utf8').trim(),
  // The API's DB_POOL_MAX default.
  max: 10,
});

const COLUMNS = 'id, title, completed, created_at AS "createdAt", updated_at AS "updatedAt"';
const ONE = /^\/api\/todos\/([1-9]\d{0,9})$/;

function send(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://floor');
  if (req.method === 'GET' && url.pathname === '/health/live') return send(res, 200, { status: 'ok' });
  if (req.method === 'GET' && url.pathname === '/api/todos') {
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    // The same two queries the API ran (count and page), here in parallel on the pool.
    const [count, page] = await Promise.all([
      pool.query('SELECT count(*)::int AS total FROM todos'),
      pool.query(`SELECT ${COLUMNS} FROM todos ORDER BY id LIMIT $1 OFFSET $2`, [limit, offset]),
    ]);
    return send(res, 200, { items: page.rows, total: count.rows[0].total, limit, offset });
  }
  const one = ONE.exec(url.pathname);
  if (req.method === 'GET' && one !== null) {
    const { rows } = await pool.query(`SELECT ${COLUMNS} FROM todos WHERE id = $1`, [Number(one[1])]);
    return rows.length === 0 ? send(res, 404, { error: { code: 'NOT_FOUND' } }) : send(res, 200, rows[0]);
  }
  if (req.method === 'POST' && url.pathname === '/api/todos') {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const { title, completed = false } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const { rows } = await pool.query(
      `INSERT INTO todos (title, completed, created_at, updated_at) VALUES ($1, $2, now(), now()) RETURNING ${COLUMNS}`,
      [title, completed],
    );
    return send(res, 201, rows[0], { location: `/api/todos/${rows[0].id}` });
  }
  return send(res, 404, { error: { code: 'NOT_FOUND' } });
}

createServer((req, res) => {
  handle(req, res).catch((error) => {
    console.error(error);
    if (!res.headersSent) send(res, 500, { error: { code: 'INTERNAL' } });
  });
}).listen(8000, '0.0.0.0');
