import type { PrismaClient } from '../generated/prisma/client';
import type { Logger } from '../lib/logger';
import type { Config } from './config';

/** Loads the synthetic demo population and a demo admin into an empty database (see README "Demo"). */
export async function seedDemo(_prisma: PrismaClient, _config: Config, _logger: Logger): Promise<void> {}
