/** A PostgreSQL deadlock (40P01) or serialization failure (40001), as the driver or Prisma reports it (Prisma's
 * own code for them is P2034): the transaction was rolled back and can be run again. */
export function isRetryableTransactionError(e: unknown): boolean {
  if ((e as { code?: unknown } | null)?.code === 'P2034') return true;
  const s = String((e as { message?: string })?.message ?? e);
  return /deadlock detected|could not serialize|40P01|40001/.test(s);
}
