import { createServer } from 'node:http';
import { parseDatabaseUrl } from '../db/database-target';
import { openDatabase } from '../db/open-database';
import { seedRegions } from '../domain/registry/region.service';
import { createLogger } from '../lib/logger';
import { startupBanner } from './banner';
import { ConfigError, loadConfig } from './config';
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
  const logger = createLogger({ level: config.LOG_LEVEL });
  const db = await openDatabase(parseDatabaseUrl(config.DATABASE_URL), { migrate: true, command: 'canbao server' });
  logger.info({ database: db.description }, 'database ready (migrations applied)');
  if ((await db.prisma.region.count()) === 0) logger.info({ regions: await seedRegions(db.prisma) }, 'regions loaded');
  if (config.DEMO_SEED) await seedDemo(db.prisma, config, logger);

  const c = createContainer({ config, db, logger, extraRouters: staffRouters() });
  c.startBackground();
  const wechat = await startWechatChannels(c, wechatConfig);
  const server = createServer(wechat.wrap(c.app));
  server.listen(config.PORT, config.HOST, () => {
    logger.info({ port: config.PORT }, 'Canbao is listening');
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
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
