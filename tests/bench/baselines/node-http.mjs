// The runtime floor for `npm run bench`: bare node:http answering the same JSON
// as the API's /health/live, in the same kind of container as the API.
import { createServer } from 'node:http';

const body = JSON.stringify({ status: 'ok' });
createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health/live') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(404).end();
}).listen(8000, '0.0.0.0');
