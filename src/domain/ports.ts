/**
 * The ports between the dialogue flows (flows/, pure statecharts) and the domain. Types (and the constant lists
 * of correctable fields and report answers) only: flows import
 * nothing else from src/. The conversation engine provides real implementations bound to the current turn's
 * transaction; flow tests provide fakes through machine.provide().
 */

export type Sex = 'MALE' | 'FEMALE';
export type RegistrationStatusCode = 'UNREGISTERED' | 'PENDING_REVIEW' | 'CONFIRMED' | 'NEEDS_VISIT';
/**
 * A scheme's line in the resident's status: the stored status, NOT_ENROLLED (no record), LAPSED (paying, but the
 * last paid month is more than 3 months ago) or RECEIVING (benefits drawn, e.g. a retiree's pension).
 */
export type EnrolmentStatusCode = 'PAYING' | 'SUSPENDED' | 'TERMINATED' | 'NOT_ENROLLED' | 'LAPSED' | 'RECEIVING';
export type VerifyMethod = 'phone_last4' | 'sms';

/** Why a verification did not succeed. MISMATCH covers unknown ID, wrong name and wrong factor alike. */
export type VerifyFailure = 'MISMATCH' | 'LOCKED';

export interface CheckIdentityInput {
  idNumber: string;
  name: string;
}
/**
 * After ID number and name: what to ask next. `NO_PHONE` is only returned when ID number and name both match
 * a person with no phone on record (so the bot can offer a human or a home visit); everything else asks for
 * the factor, whether or not the person exists.
 */
export type CheckIdentityResult =
  | { next: 'ASK_FACTOR'; method: VerifyMethod }
  | { next: 'NO_PHONE'; personId: string }
  | { next: 'LOCKED'; lockedUntil?: string };

export interface VerifyFactorInput {
  idNumber: string;
  name: string;
  factor: string;
}
/** A failure says how many tries are left before the lock, or (locked) when the lock ends (ISO time). */
export type VerifyFactorResult = { ok: true; personId: string } | { ok: false; reason: VerifyFailure; triesLeft?: number; lockedUntil?: string };

export interface EnrolmentLine {
  insuranceType: string;
  status: EnrolmentStatusCode;
  /** Name of the insuring prefecture, if known. */
  prefectureName?: string;
  lastPaidMonth?: string;
  /** RECEIVING: the month benefits began (YYYY-MM). */
  benefitFrom?: string;
}
/** The schemes a resident may ask about by name ("我的医保交了没有"): their lines are shown first. */
export type SchemeFocus = 'pension' | 'medical' | 'unemployment' | 'injury' | 'maternity';
export type StatusAdvice =
  | 'MISSING_MEDICAL'
  | 'MISSING_PENSION'
  | 'DUPLICATE_MEDICAL'
  | 'DUPLICATE_PENSION'
  /** An open duplicate-cover worklist entry: staff will be in touch (issue 17). */
  | 'DUPLICATE_COVER_FOLLOW_UP'
  | 'SUSPENDED_PAYMENT'
  | 'LAPSED_PAYMENT'
  | 'CONFIRM_DETAILS'
  /** Subsistence allowance (低保) or special hardship (特困) now: the government pays the resident contributions. */
  | 'GOVERNMENT_PAYS_DIBAO'
  | 'GOVERNMENT_PAYS_TEKUN';

export interface EnrolmentStatusView {
  maskedName: string;
  registrationStatus: RegistrationStatusCode;
  lines: EnrolmentLine[];
  advice: StatusAdvice[];
}

/** The record as a resident may see it in chat: every personal value already masked by the server. */
export interface MaskedDetails {
  name: string;
  idNumber: string;
  sex?: Sex;
  ethnicityCode?: string;
  birthDate?: string;
  phone?: string;
  hukouRegionName?: string;
  hukouAddress?: string;
  residenceRegionName?: string;
  residenceAddress?: string;
  employmentStatus?: string;
  employer?: string;
  registrationStatus: RegistrationStatusCode;
}

/** A home-visit request from chat: the person when known, else the county of the ID number given (locked). */
export interface VisitRequestInput {
  personId?: string;
  regionHint?: string;
  /** NO_PHONE_ON_RECORD, VERIFICATION_LOCKED or RESIDENT_ASKED. */
  reason: string;
  /** What the resident wrote: a phone to reach them on, and when to come. */
  details: string;
}

/** The task a campaign's personal link leads to after verification. */
export type CampaignTaskCode = 'confirm' | 'correct' | 'employment' | 'status';

/** The resident's session, verification, status and confirmation; each port is idempotent (a restored turn may re-run it). */
export interface ResidentPorts {
  acknowledgeNotice(input: { noticeVersion: string }): Promise<void>;
  checkIdentity(input: CheckIdentityInput): Promise<CheckIdentityResult>;
  verifyFactor(input: VerifyFactorInput): Promise<VerifyFactorResult>;
  requestVisit(input: VisitRequestInput): Promise<void>;
  /** After verification: the task of the campaign whose link opened this chat for this person, if any. */
  campaignTask(input: { personId: string }): Promise<CampaignTaskCode | null>;
  requestHuman(input: { reason: string }): Promise<void>;
  getStatus(input: { personId: string }): Promise<EnrolmentStatusView>;
  getDetails(input: { personId: string }): Promise<MaskedDetails>;
  confirmRegistration(input: { personId: string }): Promise<{ registrationStatus: RegistrationStatusCode }>;
  signOut(): Promise<void>;
}

// ---------------------------------------------------------------- corrections

/** The fields a resident can ask to correct, in the order the bot offers them (numbered 1-10). */
export const CORRECTABLE_FIELDS = [
  'name',
  'sex',
  'birthDate',
  'idNumber',
  'ethnicity',
  'phone',
  'residenceRegion',
  'residenceAddress',
  'hukouRegion',
  'hukouAddress',
] as const;
export type CorrectableField = (typeof CORRECTABLE_FIELDS)[number];

/** DIRECT: applied at once (audited). REVIEWED: a change request that staff check (within 3 working days). */
export type FieldPolicyKind = 'DIRECT' | 'REVIEWED';

/** Why a proposed value was refused; each has its own message (locales: correct.awaitingValue.error_*). */
export const CORRECTION_ERRORS = [
  'BAD_NAME',
  'BAD_SEX',
  'SEX_CONTRADICTS_ID',
  'BAD_BIRTH_DATE',
  'BIRTH_DATE_CONTRADICTS_ID',
  'ID_EMPTY',
  'ID_BAD_CHARACTERS',
  'ID_BAD_LENGTH',
  'ID_BAD_DATE',
  'ID_BAD_CHECK',
  'BAD_ETHNICITY',
  'BAD_PHONE',
  'BAD_ADDRESS',
  'UNKNOWN_REGION',
  'REGION_TOO_BROAD',
  'TOO_MANY_REGIONS',
  'UNCHANGED',
] as const;
export type CorrectionError = (typeof CORRECTION_ERRORS)[number];

/** A region offered when a typed name matches several (label: e.g. "五华区 华山街道"). */
export interface RegionMatch {
  code: string;
  label: string;
}

/**
 * The check of a proposed value. On success: the normalised value, the policy that applies, and both values
 * for display (old masked; new in full except an ID number or phone, masked like the old; a display value may be
 * a "$t(key)" reference, e.g. for sex or ethnicity). `retype`: the new value is shown masked, so the resident types it
 * a second time to catch a typo.
 */
export type CheckCorrectionResult =
  | { ok: true; value: string; policy: FieldPolicyKind; oldDisplay?: string; newDisplay: string; retype?: true }
  | { ok: false; error: CorrectionError }
  | { ok: false; error: 'CHOOSE_REGION'; matches: RegionMatch[] }
  | { ok: false; error: 'ALREADY_PENDING'; reference: string };

export interface CheckCorrectionInput {
  personId: string;
  field: CorrectableField;
  value: string;
}

export interface SubmitCorrectionInput extends CheckCorrectionInput {
  /** The resident's short explanation (why, which document); required for REVIEWED fields. */
  evidence?: string;
}

export type SubmitCorrectionResult =
  /** Applied; `next`: a field to offer at once (the street address after a new residence region: the old one is of the old place). */
  | { outcome: 'APPLIED'; next?: CorrectableField }
  /** A change request awaits review; `dueDate` (YYYY-MM-DD, China time) is when the answer is due. */
  | { outcome: 'SUBMITTED'; reference: string; dueDate: string }
  | { outcome: 'ALREADY_PENDING'; reference: string }
  | { outcome: 'REFUSED'; error: CorrectionError };

// ---------------------------------------------------------------- employment report

/** The employment statuses, in the order the bot offers them (src/domain/vocabulary.ts checks them against the schema). */
export const EMPLOYMENT_STATUSES = ['EMPLOYED', 'FLEXIBLE', 'SELF_EMPLOYED', 'FARMING', 'UNEMPLOYED', 'STUDENT', 'RETIRED', 'OTHER'] as const;
export type EmploymentStatusCode = (typeof EMPLOYMENT_STATUSES)[number];
export const NON_ENROLMENT_REASONS = ['CANNOT_AFFORD', 'NOT_AWARE', 'ENROLLED_ELSEWHERE', 'EMPLOYER_DID_NOT_ENROL', 'NOT_INTERESTED', 'OTHER'] as const;
export type NonEnrolmentReasonCode = (typeof NON_ENROLMENT_REASONS)[number];
export const ENROLMENT_INTENTIONS = ['YES', 'NO', 'UNSURE'] as const;
export type EnrolmentIntentionCode = (typeof ENROLMENT_INTENTIONS)[number];

/** Whether the person pays into a pension (110/120/170) and a medical insurance (310/390) now. */
export interface CoverageView {
  hasPayingPension: boolean;
  hasPayingMedical: boolean;
}

export interface EmploymentReportInput {
  personId: string;
  status: EmploymentStatusCode;
  /** Employer (EMPLOYED) or business name (SELF_EMPLOYED). */
  employer?: string;
  employerCreditCode?: string;
  /** Platform or gig work (FLEXIBLE). */
  platformWork?: string;
  /** Since when, YYYY-MM-DD (a month answer is its first day); absent when unknown. */
  since?: string;
  nonEnrolmentReason?: NonEnrolmentReasonCode;
  reasonText?: string;
  intention?: EnrolmentIntentionCode;
}

export interface EmploymentReportResult {
  reportId: string;
  /** True when the report contradicts the enrolment data (the person is flagged EMPLOYMENT_MISMATCH). */
  mismatch: boolean;
}

// ---------------------------------------------------------------- household (户不漏人)

export type RelationshipCode = 'SPOUSE' | 'CHILD' | 'PARENT' | 'GRANDCHILD' | 'SIBLING' | 'OTHER';

/** A household member as the chat may show it. */
export interface MaskedMember {
  maskedName: string;
  maskedIdNumber: string;
}

export interface HouseholdView {
  /** False when the person belongs to no household on record (the list is then empty). */
  hasHousehold: boolean;
  members: MaskedMember[];
  /** Newborns without an ID number known for this household (open leads: a parent's report or a birth certificate). */
  newborns?: { maskedName: string | null; birthDate: string }[];
}

/**
 * What the reporter may be told about a reported ID number: already a member of their own household (they see
 * the list anyway), already reported by their own household and awaiting review (with that reference), or new.
 * A person on record elsewhere, or reported by another household, is NEW: the answer never depends on the
 * registry outside the reporter's household (no enumeration); the reviewer is shown it instead.
 */
export type MemberCheckResult = ({ status: 'NEW' } | { status: 'IN_HOUSEHOLD' } | { status: 'ALREADY_REPORTED'; reference: string }) & {
  /** The reported ID number, masked for the chat. */
  maskedIdNumber: string;
};

export interface ReportMemberInput {
  personId: string;
  idNumber: string;
  name: string;
  relationship: RelationshipCode;
}

export type ReportMemberResult =
  | { outcome: 'CREATED'; reference: string; dueDate: string }
  | { outcome: 'ALREADY_REPORTED'; reference: string; maskedIdNumber: string }
  | { outcome: 'IN_HOUSEHOLD'; maskedIdNumber: string };

/** What marks a NEW_PERSON request as a newborn lead without an ID number (its currentValues.lead). */
export const NEWBORN_LEAD = 'NEWBORN_WITHOUT_ID';

/** A newborn without an ID number yet (出生登记 not done): a lead for staff, not a person. */
export interface ReportNewbornInput {
  personId: string;
  /** Empty when the baby has no name yet. */
  name: string;
  /** YYYY-MM-DD. */
  birthDate: string;
  relationship: RelationshipCode;
}

/** What a verified resident reports: corrections, the employment report, missing household members. */
export interface ResidentReportPorts {
  checkCorrection(input: CheckCorrectionInput): Promise<CheckCorrectionResult>;
  submitCorrection(input: SubmitCorrectionInput): Promise<SubmitCorrectionResult>;
  getCoverage(input: { personId: string }): Promise<CoverageView>;
  submitEmploymentReport(input: EmploymentReportInput): Promise<EmploymentReportResult>;
  getHousehold(input: { personId: string }): Promise<HouseholdView>;
  checkMissingMember(input: { personId: string; idNumber: string }): Promise<MemberCheckResult>;
  reportMissingMember(input: ReportMemberInput): Promise<ReportMemberResult>;
  /** Records a newborn without an ID number as a lead for staff (a flagged NEW_PERSON request); its reference and due date. */
  reportNewborn(input: ReportNewbornInput): Promise<{ reference: string; dueDate: string }>;
}

/** A reviewer's question about one of the resident's requests (status NEEDS_INFO). */
export interface OpenQuestionView {
  requestId: string;
  reference: string;
  question: string;
}

/**
 * How one of the resident's requests stands (查进度): a correction (FIELD_CHANGE, with its field) or a household
 * member they reported (NEW_PERSON). `date`: PENDING, the day the answer is due; decided, the day it was decided
 * (YYYY-MM-DD, China time). `reason`: why a REJECTED request was not approved, when the reviewer gave one.
 */
export interface RequestProgressView {
  reference: string;
  kind: 'FIELD_CHANGE' | 'NEW_PERSON';
  field?: string;
  status: 'PENDING' | 'NEEDS_INFO' | 'APPROVED' | 'REJECTED';
  date: string;
  reason?: string;
}

/** The resident's requests as 查进度 shows them: the newest few (or the one asked for), and how many older ones there are. */
export interface RequestProgress {
  requests: RequestProgressView[];
  older: number;
}

/** Answering reviewers' questions in chat: the answer goes back to the request, which returns to the queue. */
export interface ReviewQuestionPorts {
  getOpenQuestions(input: { personId: string }): Promise<OpenQuestionView[]>;
  answerQuestion(input: { personId: string; requestId: string; answer: string }): Promise<{ ok: boolean; reference: string }>;
  /**
   * The person's own requests, newest first (a few, and how many older ones): with `reference`, only that one if it
   * is theirs, else none (another person's request and a missing one look the same).
   */
  getRequestProgress(input: { personId: string; reference?: string }): Promise<RequestProgress>;
}

/** Every port of the resident flow; the engine supplies all of them (see flows/resident/index.ts). */
export type ResidentFlowPorts = ResidentPorts & ResidentReportPorts & ReviewQuestionPorts;

/** The names of the resident flow's ports (its actors are named after them). */
export const RESIDENT_PORT_NAMES = [
  'acknowledgeNotice',
  'checkIdentity',
  'verifyFactor',
  'requestVisit',
  'campaignTask',
  'requestHuman',
  'getStatus',
  'getDetails',
  'confirmRegistration',
  'signOut',
  'checkCorrection',
  'submitCorrection',
  'getCoverage',
  'submitEmploymentReport',
  'getHousehold',
  'checkMissingMember',
  'reportMissingMember',
  'reportNewborn',
  'getOpenQuestions',
  'answerQuestion',
  'getRequestProgress',
] as const satisfies readonly (keyof ResidentFlowPorts)[];
type AssertNone<T extends never> = T;
/** Fails to compile when a port is added to ResidentFlowPorts but not to RESIDENT_PORT_NAMES. */
export type _EveryPortNamed = AssertNone<Exclude<keyof ResidentFlowPorts, (typeof RESIDENT_PORT_NAMES)[number]>>;
