// The framework floor for `npm run bench`: a plain Express 5 app answering what
// the API's /health/live answers, run in the API's base image with its memory
// limit and NODE_OPTIONS. Express comes from the repository's node_modules, mounted.
import express from 'express';

const app = express();
app.get('/health/live', (_req, res) => {
  res.json({ status: 'ok' });
});
app.listen(8000, '0.0.0.0');
