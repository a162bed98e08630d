import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OpenDatabase } from '../../src/db/open-database';
import { seedRegions } from '../../src/domain/registry/region.service';
import { createTestDatabase } from './test-database';

/**
 * A test database with the regions, and a temporary folder for the files a test writes, for a whole test file.
 * Call at the top of the file (or from a useXxx() helper): it registers the suite's set-up and tear-down.
 */
export function useRegionDatabase(tmpPrefix: string) {
  let db: OpenDatabase;
  let tmp: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedRegions(db.prisma);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  return { prisma: () => db.prisma, tmp: () => tmp };
}
