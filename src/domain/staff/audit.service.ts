import type { DbClient } from '../../db/db-client';
import type { Prisma } from '../../generated/prisma/client';

export type AuditActorType = 'STAFF' | 'RESIDENT' | 'SYSTEM' | 'IMPORT';

export interface AuditInput {
  actorType: AuditActorType;
  actorId?: string | null;
  /** Where it came from: api, console, cli, import, a chat channel name. */
  source: string;
  /** What happened, e.g. person.view, person.reveal, person.update, registration.confirm. */
  action: string;
  targetType?: string;
  targetId?: string;
  outcome?: 'OK' | 'DENIED' | 'FAILED';
  details?: Prisma.InputJsonValue;
  at?: Date;
}

/** Appends one audit event (the table refuses updates and deletes). */
export async function recordAudit(db: DbClient, e: AuditInput): Promise<void> {
  await db.auditEvent.create({
    data: {
      actorType: e.actorType,
      actorId: e.actorId ?? null,
      source: e.source,
      action: e.action,
      targetType: e.targetType ?? null,
      targetId: e.targetId ?? null,
      outcome: e.outcome ?? 'OK',
      details: e.details ?? undefined,
      ...(e.at ? { at: e.at } : {}),
    },
  });
}
