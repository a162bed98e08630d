import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client';
import { DataQualityFlag, EmploymentStatus, RegistrationStatus } from '../../generated/prisma/enums';
import { INSURANCE_TYPES, MEDICAL_TYPES } from '../codes/insurance';
import { chinaClock } from '../calendar/china-time';
import { regionRange } from '../codes/region-scope';
import { REGION_CODE_RE } from '../vocabulary';
import { NEWBORN_LEAD } from '../ports';

const days = z.number().int().min(1).max(3650);

/**
 * A segment: a typed filter over the registry, always inside one region (down to township). Every key but
 * region is optional; lists mean "any of". Exclusions: opted out and do-not-contact (on unless turned off, e.g.
 * for a visit list), verified in the last N days, an open change request.
 */
export const SegmentFilterSchema = z
  .object({
    region: z.string().regex(REGION_CODE_RE, 'must be a region code of 6, 9 or 12 digits'),
    registrationStatus: z.array(z.enum(RegistrationStatus)).min(1).optional(),
    flags: z.array(z.enum(DataQualityFlag)).min(1).optional(),
    /** Persons without a paying enrolment of at least one of these insurance types. */
    missingInsurance: z.array(z.enum(INSURANCE_TYPES)).min(1).optional(),
    employmentStatus: z.array(z.enum(EmploymentStatus)).min(1).optional(),
    ageFrom: z.number().int().min(0).max(130).optional(),
    ageTo: z.number().int().min(0).max(130).optional(),
    /**
     * Newborn enrolment (issue 17): born in the last 12 months without a paying basic medical scheme, and the
     * reporting parent of an open newborn lead (a birth certificate or a chat report without an ID number yet).
     */
    newbornEnrolment: z.boolean().optional(),
    /** New residents (issue 17): hukou moved into the province in the last N days (public-security MOVE_IN). */
    movedInDays: days.optional(),
    /** No campaign message sent to the person in the last N days. */
    notContactedDays: days.optional(),
    /** Leave out persons who verified their identity in chat in the last N days. */
    excludeVerifiedDays: days.optional(),
    /** Leave out persons with a change request awaiting review (default true; a newborn lead does not count). */
    excludeOpenChangeRequest: z.boolean().optional(),
    /** Leave out persons who opted out of reminders or are marked do-not-contact (default true). */
    excludeOptedOut: z.boolean().optional(),
  })
  .strict()
  .refine((f) => f.ageFrom === undefined || f.ageTo === undefined || f.ageFrom <= f.ageTo, { message: 'ageFrom must not be above ageTo', path: ['ageTo'] });

export type SegmentFilter = z.infer<typeof SegmentFilterSchema>;

const DAY_MS = 86_400_000;

/** The China-calendar date `years` before `now`, as YYYY-MM-DD (ages are counted in China). */
function yearsBefore(now: Date, years: number): string {
  const d = chinaClock(now);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.toISOString().slice(0, 10);
}

/**
 * The WHERE clause (over `person p`) of a filter. Sub-selects are uncorrelated `IN` lists, which PostgreSQL
 * runs as hashed sub-plans: one pass over each side instead of one probe per person.
 */
export function segmentWhere(f: SegmentFilter, now: Date): Prisma.Sql {
  const r = regionRange(f.region);
  // The deceased, those moved out of the province and rows merged into another person are in no segment.
  const parts: Prisma.Sql[] = [
    Prisma.sql`p.region_code >= ${r.gte} AND p.region_code < ${r.lt}`,
    Prisma.sql`p.deceased_on IS NULL AND p.moved_out_on IS NULL AND p.merged_into_id IS NULL`,
  ];
  // Compared as the enums themselves: a cast of the column to text hides it from the planner's statistics (it
  // then guesses 0.5% of the rows, and a batch ORDER BY p.id LIMIT n becomes a full scan and sort every time).
  if (f.registrationStatus) parts.push(Prisma.sql`p.registration_status = ANY(${f.registrationStatus}::text[]::"RegistrationStatus"[])`);
  if (f.flags) parts.push(Prisma.sql`p.flags && ${f.flags}::text[]::"DataQualityFlag"[]`);
  if (f.employmentStatus) parts.push(Prisma.sql`p.employment_status = ANY(${f.employmentStatus}::text[]::"EmploymentStatus"[])`);
  if (f.ageFrom !== undefined) parts.push(Prisma.sql`p.birth_date <= ${yearsBefore(now, f.ageFrom)}::date`);
  if (f.ageTo !== undefined) parts.push(Prisma.sql`p.birth_date > ${yearsBefore(now, f.ageTo + 1)}::date`);
  if (f.missingInsurance) {
    parts.push(Prisma.sql`p.id NOT IN (
      SELECT e.person_id FROM enrolment e
      WHERE e.status = 'PAYING' AND e.insurance_type = ANY(${f.missingInsurance}::text[])
      GROUP BY e.person_id HAVING count(DISTINCT e.insurance_type) = ${f.missingInsurance.length})`);
  }
  if (f.newbornEnrolment) {
    parts.push(Prisma.sql`(p.birth_date > ${yearsBefore(now, 1)}::date AND p.id NOT IN (
      SELECT e.person_id FROM enrolment e WHERE e.status = 'PAYING' AND e.insurance_type = ANY(${MEDICAL_TYPES}::text[]))
      OR p.id::text IN (SELECT c.current_values->>'reportedBy' FROM change_request c
        WHERE c.kind = 'NEW_PERSON' AND c.status IN ('PENDING', 'NEEDS_INFO') AND c.current_values->>'lead' = ${NEWBORN_LEAD}))`);
  }
  if (f.movedInDays) {
    parts.push(Prisma.sql`p.moved_in_on > ${new Date(now.getTime() - f.movedInDays * DAY_MS)}::date`);
  }
  if (f.notContactedDays) {
    const since = new Date(now.getTime() - f.notContactedDays * DAY_MS);
    parts.push(Prisma.sql`p.id NOT IN (SELECT cr.person_id FROM campaign_recipient cr WHERE cr.sent_at > ${since})`);
  }
  if (f.excludeVerifiedDays) {
    const since = new Date(now.getTime() - f.excludeVerifiedDays * DAY_MS);
    parts.push(Prisma.sql`p.id::text NOT IN (
      SELECT a.target_id FROM audit_event a WHERE a.action = 'identity.verified' AND a.at > ${since} AND a.target_id IS NOT NULL)`);
  }
  if (f.excludeOpenChangeRequest ?? true) {
    // A newborn lead held on the parent's own record (no household) is a reason to reach them, not a pending
    // correction of their data: it does not exclude them.
    parts.push(Prisma.sql`p.id NOT IN (
      SELECT c.person_id FROM change_request c WHERE c.status IN ('PENDING', 'NEEDS_INFO') AND c.person_id IS NOT NULL
        AND (c.current_values->>'lead') IS DISTINCT FROM ${NEWBORN_LEAD})`);
  }
  if (f.excludeOptedOut ?? true) {
    parts.push(Prisma.sql`NOT p.reminders_opt_out AND p.id NOT IN (SELECT d.person_id FROM do_not_contact d)`);
  }
  return Prisma.join(parts, ' AND ');
}
