import { randomBytes } from 'node:crypto';
import { seedDemoIfEmpty } from '../domain/demo/demo-seed.service';
import { createStaff } from '../domain/staff/staff.service';
import type { PrismaClient } from '../generated/prisma/client';
import { systemClock, type Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { Config } from './config';

export const DEMO_ADMIN = 'demo-admin';

/**
 * On an empty database: the synthetic demo population (through the real import) and a demo admin for the
 * whole province, whose password is printed once on the terminal (never logged). Returns the password when
 * it created the admin.
 */
export async function seedDemo(prisma: PrismaClient, config: Config, logger: Logger, clock: Clock = systemClock): Promise<string | null> {
  const started = Date.now();
  const r = await seedDemoIfEmpty(prisma, { persons: config.DEMO_PERSONS, now: clock.now() });
  if (r.seeded) logger.info({ persons: r.persons, ms: Date.now() - started }, 'demo population loaded (synthetic)');
  if ((await prisma.staffUser.count()) > 0) return null;
  const password = randomBytes(12).toString('base64url');
  await createStaff(prisma, { username: DEMO_ADMIN, role: 'ADMIN', regionCode: '530000', password }, { actorType: 'SYSTEM', actorId: null, source: 'demo' });
  process.stdout.write(
    `\n  Demo admin created for the staff console and API (shown once, not stored in clear):\n` +
      `    username: ${DEMO_ADMIN}\n    password: ${password}\n\n`,
  );
  return password;
}
