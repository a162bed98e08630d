import type { DbClient } from '../../db/db-client';
import type { ChangeRequest } from '../../generated/prisma/client';
import { chinaDate } from '../calendar/china-time';
import { dueDateOf } from '../corrections/change-request.service';
import type { RequestProgress, RequestProgressView } from '../ports';

/** How many of their latest requests a resident is shown when they ask without a reference. */
export const PROGRESS_LIMIT = 3;

/**
 * The requests a resident made: corrections of their own record and household members they reported (in chat or
 * through an agent). Leads a departmental feed raised for them and the offices' merges are not theirs to follow.
 */
const madeBy = (personId: string) => ({
  channel: { not: 'feed' },
  OR: [{ kind: 'FIELD_CHANGE' as const, personId }, { kind: 'NEW_PERSON' as const, currentValues: { path: ['reportedBy'], equals: personId } }],
});

function progressOf(r: ChangeRequest): RequestProgressView {
  const decided = r.status === 'APPROVED' || r.status === 'REJECTED';
  return {
    reference: r.reference,
    kind: r.kind === 'FIELD_CHANGE' ? 'FIELD_CHANGE' : 'NEW_PERSON',
    ...(r.kind === 'FIELD_CHANGE' && r.fields[0] ? { field: r.fields[0] } : {}),
    status: r.status,
    date: decided ? chinaDate(r.decidedAt ?? r.updatedAt) : dueDateOf(r.dueAt),
    ...(r.status === 'REJECTED' && r.decisionReason?.trim() ? { reason: r.decisionReason.trim() } : {}),
  };
}

/**
 * How a resident's requests stand (查进度 in chat), newest first: PROGRESS_LIMIT of them and how many older ones
 * there are, or with a reference only that one, if it is theirs. Another person's reference and a reference that
 * does not exist give the same empty answer, so nothing about other people's requests can be learnt by trying numbers.
 */
export async function requestProgressOf(db: DbClient, personId: string, reference?: string): Promise<RequestProgress> {
  const where = { ...madeBy(personId), ...(reference ? { reference } : {}) };
  const rows = await db.changeRequest.findMany({ where, orderBy: { createdAt: 'desc' }, take: reference ? 1 : PROGRESS_LIMIT });
  const older = !reference && rows.length === PROGRESS_LIMIT ? (await db.changeRequest.count({ where })) - rows.length : 0;
  return { requests: rows.map(progressOf), older };
}
