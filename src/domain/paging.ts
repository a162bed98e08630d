/**
 * Keyset paging in (createdAt, id) order, oldest first, shared by the staff lists (visit requests, worklists):
 * the cursor is "createdAt|id" of the last row of the previous page.
 */

export const CREATED_ORDER = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

/** The where clause for the rows after the cursor, or nothing without one. */
export function afterCursor(cursor: string | undefined): { OR: ({ createdAt: { gt: Date } } | { createdAt: Date; id: { gt: string } })[] } | Record<string, never> {
  const [at, id] = cursor?.split('|') ?? [];
  return at && id ? { OR: [{ createdAt: { gt: new Date(at) } }, { createdAt: new Date(at), id: { gt: id } }] } : {};
}

/** A page of `limit` rows out of the limit + 1 read, and the cursor of the next page (null on the last). */
export function pageOf<R extends { createdAt: Date; id: string }>(rows: R[], limit: number): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? `${last.createdAt.toISOString()}|${last.id}` : null };
}
