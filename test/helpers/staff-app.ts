import { staffRouters } from '../../src/app/staff-routers';
import { seedRegions } from '../../src/domain/registry/region.service';
import { createTestApp, type TestApp } from './test-app';

/**
 * A full app with the staff routers and the regions, made before the file's tests and closed after them.
 * Returns a getter: `const app = useStaffApp(); … app().db.prisma`.
 */
export function useStaffApp(opts: { start?: string } = {}): () => TestApp {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await createTestApp({}, { extraRouters: staffRouters(), ...opts });
    await seedRegions(app.db.prisma);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });
  return () => {
    if (!app) throw new Error('the app is made in beforeAll');
    return app;
  };
}
