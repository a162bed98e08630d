// Staff worklists (issue 17): entries raised by departmental feeds and registry checks for a person to act on.
// One entry per fact (dedupeKey), so a feed run twice raises nothing new. Scoped by the person's managing region.
import type { Prisma, WorkItemKind } from '../../generated/prisma/client';

export interface NewWorkItem {
  kind: WorkItemKind;
  personId: string;
  regionCode: string | null;
  /** What makes this fact unique within its kind, e.g. the scheme family ("medical") or the event date. */
  key: string;
  details: Prisma.InputJsonObject;
}

export const workItemKey = (item: Pick<NewWorkItem, 'kind' | 'personId' | 'key'>): string => `${item.kind}:${item.personId}:${item.key}`;

/** Raises the entry unless the same fact already raised one; returns true when a new entry was created. */
export async function addWorkItem(tx: Prisma.TransactionClient, item: NewWorkItem): Promise<boolean> {
  const { count } = await tx.workItem.createMany({
    data: [{ kind: item.kind, personId: item.personId, regionCode: item.regionCode, details: item.details, dedupeKey: workItemKey(item) }],
    skipDuplicates: true,
  });
  return count === 1;
}
