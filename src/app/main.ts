import pino from 'pino';
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { parseDatabaseUrl } from '../db/database-target';
import { openDatabase, type OpenDatabase } from '../db/open-database';
import { seedRegions } from '../domain/registry/region.service';
import { createLogger, type Logger } from '../lib/logger';
import { startupBanner } from './banner';
import { joinWorkers, runPrimary, workerCount, workerIndex } from './cluster';
import { ConfigError, loadConfig, type Config } from './config';
import { createContainer } from './container';
import { staffRouters } from './staff-routers';
import { seedDemo } from './demo';
import { startWechatChannels } from './wechat';
import { loadWechatConfig } from './wechat-config';

/** npm start: the server (web chat, staff API), the outbox dispatcher and the scheduler. */
async function main() {
  let config;
  let wechatConfig;
  try {
    config = loadConfig();
    wechatConfig = loadWechatConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  // Buffered, asynchronous writes to stdout (issue 11: a synchronous write per log line showed in profiles);
  // pino flushes the buffer when the process exits.
  const logger = createLogger({ level: config.LOG_LEVEL, destination: pino.destination({ dest: 1, sync: false }) });
  const target = parseDatabaseUrl(config.DATABASE_URL);
  const workers = workerCount(config.WORKERS, target);
  if (workers > 1 && cluster.isPrimary) {
    // Migrations and seeds once, then the workers.
    const db = await openDatabase(target, { migrate: true, command: 'canbao server' });
    await prepare(db, config, logger);
    await db.close();
    runPrimary(workers, logger);
    return;
  }
  const db = await openDatabase(target, { migrate: !cluster.isWorker, command: 'canbao server' });
  if (!cluster.isWorker) await prepare(db, config, logger);

  const c = createContainer({ config, db, logger, extraRouters: staffRouters() });
  // The background loops and the Wechaty bot run in one process (worker 0); see src/app/cluster.ts.
  const elected = workerIndex() === 0;
  if (elected) c.startBackground();
  const wechat = await startWechatChannels(c, elected ? wechatConfig : { ...wechatConfig, WECHATY_PUPPET: undefined });
  const server = createServer(wechat.wrap(c.app));
  // Idle keep-alive connections stay open longer than clients (and proxies) keep them, so a client never
  // sends on a connection the server is closing at that moment.
  server.keepAliveTimeout = 65_000;
  server.listen(config.PORT, config.HOST, () => {
    logger.info({ port: config.PORT, worker: cluster.isWorker ? workerIndex() : undefined }, 'Canbao is listening');
    if (!elected) return;
    console.log(`\n${startupBanner(config.PORT)}\n`);
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close();
    server.closeAllConnections();
    await wechat.stop();
    await c.stop();
    await db.close();
    process.exit(0);
  };
  joinWorkers(c.hub, () => void shutdown('disconnect'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** Migrations are applied by openDatabase; regions and the demo population go into an empty database. */
async function prepare(db: OpenDatabase, config: Config, logger: Logger) {
  logger.info({ database: db.description }, 'database ready (migrations applied)');
  if ((await db.prisma.region.count()) === 0) logger.info({ regions: await seedRegions(db.prisma) }, 'regions loaded');
  if (config.DEMO_SEED) await seedDemo(db.prisma, config, logger);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
