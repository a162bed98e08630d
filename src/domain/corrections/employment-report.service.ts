import type { DbClient } from '../../db/db-client';
import { MEDICAL_TYPES, PENSION_TYPES } from '../codes/insurance';
import { applyPersonChange } from '../registry/person-change';
import { chinaDate } from '../calendar/china-time';
import type { CoverageView, EmploymentReportInput, EmploymentReportResult, EmploymentStatusCode } from '../ports';

/** Employee pension schemes (enterprise 110, government and institution 120). */
const EMPLOYEE_PENSION_TYPES: readonly string[] = ['110', '120'];

export interface EnrolmentFact {
  insuranceType: string;
  status: 'PAYING' | 'SUSPENDED' | 'TERMINATED';
}

/** Why a report contradicts the enrolment data. */
export type EmploymentMismatch = 'EMPLOYED_WITHOUT_EMPLOYEE_PENSION' | 'RETIRED_STILL_PAYING_EMPLOYEE_PENSION' | 'STUDENT_WITH_EMPLOYEE_PENSION';

/**
 * The contradictions between a reported employment status and the enrolments on record (each raises the
 * EMPLOYMENT_MISMATCH flag for a staff member to look at):
 * - EMPLOYED by a unit, but no employee pension (110 or 120) being paid: the employer may not have enrolled them;
 * - RETIRED, but an employee pension still being paid as an employee;
 * - STUDENT, but paying an employee pension.
 * Other statuses (flexible work, farming, self-employed, unemployed) are consistent with any enrolment.
 */
export function employmentMismatches(status: EmploymentStatusCode, enrolments: readonly EnrolmentFact[]): EmploymentMismatch[] {
  const payingEmployeePension = enrolments.some((e) => EMPLOYEE_PENSION_TYPES.includes(e.insuranceType) && e.status === 'PAYING');
  const out: EmploymentMismatch[] = [];
  if (status === 'EMPLOYED' && !payingEmployeePension) out.push('EMPLOYED_WITHOUT_EMPLOYEE_PENSION');
  if (status === 'RETIRED' && payingEmployeePension) out.push('RETIRED_STILL_PAYING_EMPLOYEE_PENSION');
  if (status === 'STUDENT' && payingEmployeePension) out.push('STUDENT_WITH_EMPLOYEE_PENSION');
  return out;
}

/** Whether a person pays into a pension and a medical insurance now. */
export async function getCoverage(db: DbClient, personId: string): Promise<CoverageView> {
  const rows = await db.enrolment.findMany({ where: { personId, status: 'PAYING' }, select: { insuranceType: true } });
  return {
    hasPayingPension: rows.some((r) => PENSION_TYPES.includes(r.insuranceType)),
    hasPayingMedical: rows.some((r) => MEDICAL_TYPES.includes(r.insuranceType)),
  };
}

export interface ReportContext {
  channel: string;
  conversationId?: string | null;
  now: Date;
}

const asDate = (ymd: string | undefined) => (ymd ? new Date(`${ymd}T00:00:00Z`) : null);
const ymd = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

/**
 * Stores what a resident reported about their work (an EmploymentReport row, effective today) and updates the
 * person's employment fields through the person-change writer (audited with the difference). A report that contradicts the enrolments sets
 * the EMPLOYMENT_MISMATCH flag; a consistent one clears it. The same report sent again from the same
 * conversation within two minutes is not stored twice.
 */
export async function submitEmploymentReport(db: DbClient, input: EmploymentReportInput, ctx: ReportContext): Promise<EmploymentReportResult> {
  const { enrolments, ...p } = await db.person.findUniqueOrThrow({ where: { id: input.personId }, include: { enrolments: { select: { insuranceType: true, status: true } } } });
  const employer = input.status === 'EMPLOYED' || input.status === 'SELF_EMPLOYED' ? (input.employer?.trim() || null) : null;
  const employerCreditCode = input.status === 'EMPLOYED' ? (input.employerCreditCode ?? null) : null;
  const since = asDate(input.since);
  const mismatches = employmentMismatches(input.status, enrolments);

  const recent = await db.employmentReport.findFirst({
    where: { personId: p.id, conversationId: ctx.conversationId ?? null, createdAt: { gte: new Date(ctx.now.getTime() - 120_000) } },
    orderBy: { createdAt: 'desc' },
  });
  if (
    recent &&
    recent.status === input.status &&
    recent.employer === employer &&
    recent.employerCreditCode === employerCreditCode &&
    recent.platformWork === (input.platformWork ?? null) &&
    ymd(recent.since) === ymd(since) &&
    recent.nonEnrolmentReason === (input.nonEnrolmentReason ?? null) &&
    recent.intention === (input.intention ?? null)
  ) {
    return { reportId: recent.id, mismatch: mismatches.length > 0 };
  }

  const report = await db.employmentReport.create({
    data: {
      personId: p.id,
      status: input.status,
      employer,
      employerCreditCode,
      platformWork: input.status === 'FLEXIBLE' ? (input.platformWork?.trim() || null) : null,
      since,
      effectiveDate: new Date(`${chinaDate(ctx.now)}T00:00:00Z`),
      nonEnrolmentReason: input.nonEnrolmentReason ?? null,
      reasonText: input.reasonText?.trim() || null,
      intention: input.intention ?? null,
      channel: ctx.channel,
      conversationId: ctx.conversationId ?? null,
      createdAt: ctx.now,
    },
  });

  // Through the one writer of person records: the employment fields, EMPLOYMENT_MISMATCH set or cleared.
  await applyPersonChange(
    db,
    p,
    { employmentStatus: input.status, employer, employerCreditCode, employmentSince: ymd(since) },
    {
      actorType: 'RESIDENT',
      actorId: p.id,
      source: ctx.channel,
      at: ctx.now,
      details: () => ({ reportId: report.id, mismatches, conversationId: ctx.conversationId ?? null }),
      flags: { EMPLOYMENT_MISMATCH: mismatches.length > 0 },
    },
  );
  return { reportId: report.id, mismatch: mismatches.length > 0 };
}
