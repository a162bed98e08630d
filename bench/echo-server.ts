/**
 * The echo baseline of bench:chat: a bare express JSON echo on PORT, with WORKERS processes (node:cluster),
 * as the ceiling of this machine's HTTP stack for the same worker count as the chat server.
 */
import cluster from 'node:cluster';
import express from 'express';

const workers = Number(process.env.WORKERS ?? 1);
if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const app = express();
  app.use(express.json());
  app.post('/echo', (req, res) => {
    res.json({ echo: req.body as unknown });
  });
  app.get('/readyz', (_req, res) => {
    res.json({ status: 'ready' });
  });
  const server = app.listen(Number(process.env.PORT), '127.0.0.1');
  server.keepAliveTimeout = 65_000;
  process.on('SIGTERM', () => process.exit(0));
}
