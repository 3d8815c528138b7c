// A Slack-compatible incoming-webhook endpoint for the e2e suite: it records
// what Alertmanager posts, with the path it was posted to (one webhook per
// channel, as Slack apps have), and can play a Slack outage on demand. It also
// stands in for the dead man's switch that the Watchdog heartbeat pings.
//   POST /services/...  a Slack webhook call: 200 "ok" like Slack, or the outage status
//   POST /heartbeat/... a heartbeat ping (Alertmanager's webhook JSON); never in an outage
//   GET  /messages      everything received so far, the heartbeats, and the count of refused calls
//   PUT  /outage        {"status": 500} starts an outage, {"status": 0} ends it
//   GET  /healthz       for the compose health check
import { createServer } from 'node:http';

const messages = [];
const heartbeats = [];
let outageStatus = 0;
let refusedCalls = 0;

function reply(res, status, body) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString('utf8');

  if (req.method === 'GET' && req.url === '/healthz') return reply(res, 200, 'ok');
  if (req.method === 'GET' && req.url === '/messages') return reply(res, 200, { messages, heartbeats, refusedCalls });
  if (req.method === 'PUT' && req.url === '/outage') {
    outageStatus = Number(JSON.parse(body).status) || 0;
    return reply(res, 200, { outageStatus });
  }
  if (req.method === 'POST' && req.url.startsWith('/services/')) {
    if (outageStatus !== 0) {
      refusedCalls += 1;
      return reply(res, outageStatus, 'simulated Slack outage');
    }
    messages.push({ receivedAt: new Date().toISOString(), path: req.url, payload: JSON.parse(body) });
    return reply(res, 200, 'ok');
  }
  if (req.method === 'POST' && req.url.startsWith('/heartbeat/')) {
    heartbeats.push({ receivedAt: new Date().toISOString(), path: req.url, payload: JSON.parse(body) });
    return reply(res, 200, 'ok');
  }
  return reply(res, 404, 'not found');
});

server.listen(8080, () => console.log('slack-receiver listening on :8080'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
