import type { ChangeRequestStatus, EmploymentStatus, EnrolmentIntention, NonEnrolmentReason } from '../generated/prisma/enums';
import { EMPLOYMENT_STATUSES, ENROLMENT_INTENTIONS, NON_ENROLMENT_REASONS } from './ports';

/**
 * The domain's shared lists and patterns, declared once. Lists are `as const` arrays with derived types;
 * `satisfies` keeps each to its Prisma enum and {@link sameValues} checks, at compile time, that the list names
 * every value of the enum. Lists the dialogue flows need live in ./ports.ts (flows import nothing else) and are
 * checked here.
 */

/** Compile-time check that a list names exactly the values of an enum: `true` only when both sets are equal. */
type SameValues<L extends readonly string[], E extends string> = [E] extends [L[number]] ? ([L[number]] extends [E] ? true : false) : false;
const sameValues = <L extends readonly string[], E extends string>(_list: L, ok: SameValues<L, E>): SameValues<L, E> => ok;

sameValues<typeof EMPLOYMENT_STATUSES, EmploymentStatus>(EMPLOYMENT_STATUSES, true);
sameValues<typeof NON_ENROLMENT_REASONS, NonEnrolmentReason>(NON_ENROLMENT_REASONS, true);
sameValues<typeof ENROLMENT_INTENTIONS, EnrolmentIntention>(ENROLMENT_INTENTIONS, true);
export { EMPLOYMENT_STATUSES, ENROLMENT_INTENTIONS, NON_ENROLMENT_REASONS };

/** Change requests that still wait for a decision (the queue, one open request per field, household leads). */
export const OPEN_STATUSES = ['PENDING', 'NEEDS_INFO'] as const satisfies readonly ChangeRequestStatus[];
export type OpenStatus = (typeof OPEN_STATUSES)[number];
export const isOpenStatus = (s: ChangeRequestStatus): s is OpenStatus => (OPEN_STATUSES as readonly ChangeRequestStatus[]).includes(s);

/** A region code: county (6 digits), township (9) or village (12), as a pattern to compose and as a test. */
export const REGION_CODE_PATTERN = '\\d{6}(?:\\d{3}){0,2}';
export const REGION_CODE_RE = new RegExp(`^${REGION_CODE_PATTERN}$`);
/** A region the progress figures are kept for: county (6 digits) or township (9). */
export const AREA_CODE_RE = /^\d{6}(?:\d{3})?$/;
