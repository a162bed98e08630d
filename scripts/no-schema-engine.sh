#!/bin/sh
# Stand-in for Prisma's native schema-engine binary, which cannot be downloaded offline.
# `prisma generate` only checks that the file exists. Migrations: use `npm run db:migrate` / `npm run db:deploy`.
echo "Canbao runs Prisma migrations offline: use 'npm run db:migrate -- --name <x>' or 'npm run db:deploy'." >&2
exit 1
