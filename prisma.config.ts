import { defineConfig } from 'prisma/config';

// Prisma 7 reads this for `prisma generate`. Migrations run through our offline WASM engine
// (npm run db:migrate / db:deploy), never through the CLI's native binary.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
