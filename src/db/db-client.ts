import type { PrismaClient, Prisma } from '../generated/prisma/client';

/** What domain services and repositories take: the client, or the client inside a transaction. */
export type DbClient = PrismaClient | Prisma.TransactionClient;
export type { PrismaClient, Prisma };
