import { assign, emit, fromPromise, setup } from 'xstate';
import { parseCreditCode } from '../src/domain/credit-code';
import { parseIdNumber } from '../src/domain/id-number';
import { CORRECTABLE_FIELDS } from '../src/domain/ports';
import type {
  CheckCorrectionInput,
  CheckCorrectionResult,
  CheckIdentityInput,
  CheckIdentityResult,
  CorrectableField,
  CoverageView,
  EmploymentReportInput,
  EmploymentReportResult,
  EmploymentStatusCode,
  EnrolmentIntentionCode,
  EnrolmentStatusView,
  FieldPolicyKind,
  HouseholdView,
  MaskedDetails,
  MaskedMember,
  MemberCheckResult,
  NonEnrolmentReasonCode,
  RegionMatch,
  RegistrationStatusCode,
  RelationshipCode,
  ReportMemberInput,
  ReportMemberResult,
  ResidentPart2Ports,
  OpenQuestionView,
  ReviewQuestionPorts,
  ResidentPorts,
  SubmitCorrectionInput,
  SubmitCorrectionResult,
  VerifyFactorInput,
  VerifyFactorResult,
  VerifyMethod,
  VisitRequestInput,
  CampaignTaskCode,
} from '../src/domain/ports';
import { reply, type ChoiceOption, type FlowEffect, type FlowEvent, type TextPart } from './effects';

/**
 * The resident's dialogue: welcome and privacy notice, identity verification, then the menu (enrolment
 * status, confirm details, corrections with a field policy, employment report, missing household members).
 * Pure: domain work comes in as actors through provideResidentPorts().
 *
 * Bump FLOW_VERSION when a change makes old snapshots unsafe to restore (states renamed or removed, context
 * reshaped); the engine then restarts such conversations with an apology instead of restoring them.
 */
export const RESIDENT_FLOW_ID = 'resident';
export const RESIDENT_FLOW_VERSION = 3;
/** Version of the privacy notice text (locales: welcome.awaitingNoticeAck.*). Recorded with each acknowledgement. */
export const PRIVACY_NOTICE_VERSION = '2026-11-v1';
/** Failed answers to one question before the bot explains with an example and offers a human. */
export const MAX_FAILURES = 3;

export interface ResidentInput {
  noticeAcknowledged: boolean;
  /** A person this chat identity is still bound to (verified within the binding period). */
  personId?: string;
  verifyMethod: VerifyMethod;
}

export interface ResidentContext {
  noticeAcknowledged: boolean;
  verifyMethod: VerifyMethod;
  personId?: string;
  /** Held only between the ID-number question and the verification result, then cleared. */
  pendingIdNumber?: string;
  pendingName?: string;
  /** The reviewer's question being answered (see the `questions` state). */
  openQuestion?: OpenQuestionView;
  /** The person found by ID number and name who has no phone on record (for a home-visit request). */
  visitPersonId?: string;
  /** A home-visit request being made: why, and (locked verification) the county of the ID number given. */
  visit?: { reason: string; regionHint?: string; details?: string };
  failures: number;
  status?: EnrolmentStatusView;
  details?: MaskedDetails;
  registrationStatus?: RegistrationStatusCode;
  /** The correction being prepared (cleared when the resident leaves the correction dialogue). */
  correction?: CorrectionDraft;
  /** The employment report being prepared. */
  employment?: EmploymentDraft;
  /** The household list and the missing member being reported (the ID number is held only until submitted). */
  household?: HouseholdDraft;
}

export interface CorrectionDraft {
  field: CorrectableField;
  /** What the resident typed (or the region code picked from a list), to be checked. */
  raw?: string;
  /** The checked, normalised value. */
  value?: string;
  policy?: FieldPolicyKind;
  oldDisplay?: string;
  newDisplay?: string;
  /** Regions matching a typed name, offered as a numbered list. */
  matches?: RegionMatch[];
  evidence?: string;
}

export interface EmploymentDraft {
  status: EmploymentStatusCode;
  employer?: string;
  employerCreditCode?: string;
  platformWork?: string;
  since?: string;
  coverage?: CoverageView;
  nonEnrolmentReason?: NonEnrolmentReasonCode;
  reasonText?: string;
  intention?: EnrolmentIntentionCode;
}

export interface HouseholdDraft {
  hasHousehold: boolean;
  members: MaskedMember[];
  idNumber?: string;
  maskedIdNumber?: string;
  sex?: 'MALE' | 'FEMALE';
  birthDate?: string;
  name?: string;
  relationship?: RelationshipCode;
}

const opt = (value: string, labelKey: string, synonymsKey?: string): ChoiceOption => ({
  value,
  labelKey,
  ...(synonymsKey ? { synonymsKey } : {}),
});

const NOTICE_OPTIONS = [opt('agree', 'welcome.awaitingNoticeAck.optionAgree', 'answers.yes'), opt('english', 'welcome.awaitingNoticeAck.optionEnglish', 'answers.english'), opt('chinese', 'welcome.awaitingNoticeAck.optionChinese', 'answers.chinese')];
const MENU_OPTIONS = [
  opt('status', 'menu.awaitingChoice.optionStatus', 'answers.status'),
  opt('confirm', 'menu.awaitingChoice.optionConfirm', 'answers.confirm'),
  opt('correct', 'menu.awaitingChoice.optionCorrect', 'answers.correct'),
  opt('employment', 'menu.awaitingChoice.optionEmployment', 'answers.employment'),
  opt('household', 'menu.awaitingChoice.optionHousehold', 'answers.household'),
  opt('human', 'menu.awaitingChoice.optionHuman', 'answers.human'),
  opt('signOut', 'menu.awaitingChoice.optionSignOut', 'answers.signOut'),
];
const VISIT_OPTIONS = [
  opt('visit', 'verify.offeringVisit.optionVisit', 'answers.visit'),
  opt('human', 'verify.offeringVisit.optionHuman', 'answers.human'),
  opt('retry', 'verify.offeringVisit.optionRetry', 'answers.retry'),
];
const LOCKED_OPTIONS = [opt('visit', 'verify.offeringVisit.optionVisit', 'answers.visit'), opt('human', 'verify.offeringVisit.optionHuman', 'answers.human')];
const CONFIRM_OPTIONS = [
  opt('correct', 'confirm.confirmingDetails.optionAllCorrect', 'answers.yes'),
  opt('wrong', 'confirm.confirmingDetails.optionSomethingWrong', 'answers.no'),
  opt('menu', 'common.optionMenu', 'answers.menu'),
];
const AFTER_STATUS_OPTIONS = [
  opt('confirm', 'status.afterStatus.optionConfirm', 'answers.confirm'),
  opt('menu', 'common.optionMenu', 'answers.menu'),
];

/** The fields a resident can correct, in the order offered (numbered 1-10). */
export const CORRECTION_FIELDS: readonly CorrectableField[] = CORRECTABLE_FIELDS;
const FIELD_OPTIONS = CORRECTION_FIELDS.map((f) => opt(f, `correct.fields.${f}`, `correct.answers.${f}`));
const SEX_OPTIONS = [opt('MALE', 'common.sex_MALE', 'correct.answers.male'), opt('FEMALE', 'common.sex_FEMALE', 'correct.answers.female')];
const CONFIRM_CHANGE_OPTIONS = [
  opt('submit', 'correct.confirmingChange.optionSubmit', 'answers.yes'),
  opt('reenter', 'correct.confirmingChange.optionReenter', 'answers.no'),
  opt('menu', 'common.optionMenu', 'answers.menu'),
];

export const EMPLOYMENT_STATUSES: readonly EmploymentStatusCode[] = ['EMPLOYED', 'FLEXIBLE', 'SELF_EMPLOYED', 'FARMING', 'UNEMPLOYED', 'STUDENT', 'RETIRED', 'OTHER'];
const EMPLOYMENT_OPTIONS = EMPLOYMENT_STATUSES.map((v) => opt(v, `reference.employment.${v}`, `employment.answers.${v}`));
const SKIP_OPTIONS = [opt('skip', 'employment.optionSkip', 'employment.answers.skip')];
const SINCE_OPTIONS = [opt('unknown', 'employment.awaitingSince.optionUnknown', 'employment.answers.unknown')];
export const NON_ENROLMENT_REASONS: readonly NonEnrolmentReasonCode[] = ['CANNOT_AFFORD', 'NOT_AWARE', 'ENROLLED_ELSEWHERE', 'EMPLOYER_DID_NOT_ENROL', 'NOT_INTERESTED', 'OTHER'];
const REASON_OPTIONS = NON_ENROLMENT_REASONS.map((v) => opt(v, `employment.awaitingReason.option_${v}`));
const INTENTION_OPTIONS = (['YES', 'NO', 'UNSURE'] as const).map((v) =>
  opt(v, `employment.awaitingIntention.option_${v}`, v === 'YES' ? 'answers.yes' : v === 'NO' ? 'answers.no' : 'employment.answers.unsure'),
);

export const RELATIONSHIPS: readonly RelationshipCode[] = ['SPOUSE', 'CHILD', 'PARENT', 'GRANDCHILD', 'SIBLING', 'OTHER'];
const RELATIONSHIP_OPTIONS = RELATIONSHIPS.map((v) => opt(v, `household.relationship.${v}`, `household.answers.${v}`));
const HOUSEHOLD_OPTIONS = [opt('report', 'household.awaitingHouseholdChoice.optionReport', 'household.answers.report'), opt('menu', 'common.optionMenu', 'answers.menu')];
const CONFIRM_MEMBER_OPTIONS = [
  opt('submit', 'household.confirmingMember.optionSubmit', 'answers.yes'),
  opt('reenter', 'household.confirmingMember.optionReenter', 'answers.no'),
  opt('menu', 'common.optionMenu', 'answers.menu'),
];

const fieldOf = (c: ResidentContext): CorrectableField => c.correction?.field ?? 'name';

function changeSummary(c: ResidentContext): TextPart[] {
  const d = c.correction;
  return [
    {
      key: 'correct.confirmingChange.summary',
      params: { field: `$t(correct.fields.${fieldOf(c)})`, old: d?.oldDisplay ?? '$t(common.notOnRecord)', new: d?.newDisplay ?? '' },
    },
    { key: d?.policy === 'DIRECT' ? 'correct.confirmingChange.promptDirect' : 'correct.confirmingChange.promptReviewed' },
  ];
}

function reasonPrompt(c: ResidentContext): TextPart[] {
  const cov = c.employment?.coverage;
  const which = cov && !cov.hasPayingPension && !cov.hasPayingMedical ? 'Both' : cov && !cov.hasPayingPension ? 'Pension' : 'Medical';
  return [{ key: `employment.awaitingReason.prompt${which}` }];
}

function householdParts(h: HouseholdView): TextPart[] {
  if (!h.hasHousehold || h.members.length === 0) return [{ key: 'household.loadingHousehold.empty' }];
  return [
    { key: 'household.loadingHousehold.header', params: { count: h.members.length } },
    ...h.members.map((m, i) => ({ key: 'household.loadingHousehold.member', params: { n: i + 1, name: m.maskedName, idNumber: m.maskedIdNumber } })),
  ];
}

function memberSummary(c: ResidentContext): TextPart[] {
  const h = c.household;
  return [
    { key: 'household.confirmingMember.header' },
    { key: 'household.confirmingMember.name', params: { value: h?.name ?? '' } },
    { key: 'household.confirmingMember.idNumber', params: { value: h?.maskedIdNumber ?? '' } },
    { key: 'household.confirmingMember.sexBirth', params: { sex: `$t(common.sex_${h?.sex ?? 'MALE'})`, birthDate: h?.birthDate ?? '' } },
    { key: 'household.confirmingMember.relationship', params: { value: `$t(household.relationship.${h?.relationship ?? 'OTHER'})` } },
    { key: 'household.confirmingMember.prompt' },
  ];
}

type Prompt = {
  parts: (ctx: ResidentContext) => TextPart[];
  options?: ChoiceOption[] | ((ctx: ResidentContext) => ChoiceOption[] | undefined);
  example?: string | ((ctx: ResidentContext) => string);
};

/** Every question's prompt, keyed by the state it waits in; re-asked after a failed answer. */
const PROMPTS: Record<string, Prompt> = {
  awaitingNoticeAck: { parts: () => [{ key: 'welcome.awaitingNoticeAck.notice' }], options: NOTICE_OPTIONS },
  awaitingIdNumber: { parts: () => [{ key: 'verify.awaitingIdNumber.prompt' }], example: 'verify.awaitingIdNumber.example' },
  awaitingName: { parts: () => [{ key: 'verify.awaitingName.prompt' }], example: 'verify.awaitingName.example' },
  awaitingFactor: {
    parts: (c) => [{ key: c.verifyMethod === 'sms' ? 'verify.awaitingFactor.promptSms' : 'verify.awaitingFactor.promptPhone' }],
    example: 'verify.awaitingFactor.example',
  },
  offeringVisit: { parts: () => [{ key: 'verify.offeringVisit.prompt' }], options: VISIT_OPTIONS },
  awaitingVisitDetails: { parts: () => [{ key: 'verify.awaitingVisitDetails.prompt' }], example: 'verify.awaitingVisitDetails.example' },
  locked: { parts: () => [{ key: 'verify.locked.message' }, { key: 'common.offerHuman' }], options: LOCKED_OPTIONS },
  awaitingAnswer: {
    parts: (c) => [
      { key: 'questions.awaitingAnswer.prompt', params: { reference: c.openQuestion?.reference ?? '', question: c.openQuestion?.question ?? '' } },
    ],
    options: [opt('later', 'questions.awaitingAnswer.optionLater', 'answers.later')],
    example: 'questions.awaitingAnswer.example',
  },
  awaitingChoice: { parts: () => [{ key: 'menu.awaitingChoice.prompt' }], options: MENU_OPTIONS },
  afterStatus: { parts: () => [{ key: 'status.afterStatus.prompt' }], options: AFTER_STATUS_OPTIONS },
  confirmingDetails: { parts: () => [{ key: 'confirm.confirmingDetails.prompt' }], options: CONFIRM_OPTIONS },
  // corrections
  awaitingField: { parts: () => [{ key: 'correct.awaitingField.prompt' }], options: FIELD_OPTIONS },
  awaitingValue: {
    parts: (c) => [{ key: `correct.awaitingValue.prompt_${fieldOf(c)}` }],
    options: (c) => (fieldOf(c) === 'sex' ? SEX_OPTIONS : undefined),
    example: (c) => `correct.awaitingValue.example_${fieldOf(c)}`,
  },
  choosingRegion: {
    parts: (c) => [
      { key: 'correct.choosingRegion.prompt' },
      ...(c.correction?.matches ?? []).map((m, i) => ({ key: 'correct.choosingRegion.match', params: { n: i + 1, label: m.label } })),
      { key: 'correct.choosingRegion.hint' },
    ],
    example: 'correct.choosingRegion.example',
  },
  confirmingChange: { parts: changeSummary, options: CONFIRM_CHANGE_OPTIONS },
  awaitingEvidence: { parts: () => [{ key: 'correct.awaitingEvidence.prompt' }], example: 'correct.awaitingEvidence.example' },
  // employment report
  awaitingEmploymentStatus: { parts: () => [{ key: 'employment.awaitingEmploymentStatus.prompt' }], options: EMPLOYMENT_OPTIONS },
  awaitingEmployerName: { parts: () => [{ key: 'employment.awaitingEmployerName.prompt' }], example: 'employment.awaitingEmployerName.example' },
  awaitingCreditCode: { parts: () => [{ key: 'employment.awaitingCreditCode.prompt' }], options: SKIP_OPTIONS, example: 'employment.awaitingCreditCode.example' },
  awaitingPlatformWork: { parts: () => [{ key: 'employment.awaitingPlatformWork.prompt' }], example: 'employment.awaitingPlatformWork.example' },
  awaitingBusinessName: { parts: () => [{ key: 'employment.awaitingBusinessName.prompt' }], options: SKIP_OPTIONS, example: 'employment.awaitingBusinessName.example' },
  awaitingSince: { parts: () => [{ key: 'employment.awaitingSince.prompt' }], options: SINCE_OPTIONS, example: 'employment.awaitingSince.example' },
  awaitingReason: { parts: reasonPrompt, options: REASON_OPTIONS },
  awaitingReasonText: { parts: () => [{ key: 'employment.awaitingReasonText.prompt' }], example: 'employment.awaitingReasonText.example' },
  awaitingIntention: { parts: () => [{ key: 'employment.awaitingIntention.prompt' }], options: INTENTION_OPTIONS },
  // household members
  awaitingHouseholdChoice: { parts: () => [{ key: 'household.awaitingHouseholdChoice.prompt' }], options: HOUSEHOLD_OPTIONS },
  awaitingMemberIdNumber: { parts: () => [{ key: 'household.awaitingMemberIdNumber.prompt' }], example: 'household.awaitingMemberIdNumber.example' },
  awaitingMemberName: { parts: () => [{ key: 'household.awaitingMemberName.prompt' }], example: 'household.awaitingMemberName.example' },
  awaitingRelationship: { parts: () => [{ key: 'household.awaitingRelationship.prompt' }], options: RELATIONSHIP_OPTIONS },
  confirmingMember: { parts: memberSummary, options: CONFIRM_MEMBER_OPTIONS },
};

function promptOf(state: string, ctx: ResidentContext) {
  const p = PROMPTS[state];
  if (!p) throw new Error(`no prompt for ${state}`);
  const options = typeof p.options === 'function' ? p.options(ctx) : p.options;
  const example = typeof p.example === 'function' ? p.example(ctx) : p.example;
  return { parts: p.parts(ctx), options, example };
}

function prompt(state: string, ctx: ResidentContext, lead: TextPart[] = []): FlowEffect {
  const p = promptOf(state, ctx);
  return reply([...lead, ...p.parts], p.options);
}

/** The re-ask after a failed answer; on the MAX_FAILURES-th, an explanation with an example and a human offered. */
function reask(state: string, ctx: ResidentContext, problem: TextPart): FlowEffect {
  const p = promptOf(state, ctx);
  if (ctx.failures >= MAX_FAILURES) {
    const explain: TextPart[] = [{ key: p.example ?? 'common.explainChoices' }, { key: 'common.offerHuman' }];
    return reply([problem, ...explain], p.options);
  }
  return reply([problem, ...p.parts], p.options);
}

/** Free text that reads as a plausible name of a company, business or work: 2-60 characters with a letter. */
const isPlausibleText = (text: string, max: number) => {
  const t = text.normalize('NFKC').trim();
  const n = Array.from(t).length;
  return n >= 2 && n <= max && /\p{L}/u.test(t);
};

/**
 * "Since when": YYYY-MM, YYYY-MM-DD, YYYY/MM, YYYY.M, 2020年5月(3日); a date between 1940 and 2100 as
 * YYYY-MM-DD (a month answer is its first day), or null.
 */
export function parseSince(text: string): string | null {
  const s = text.normalize('NFKC').replace(/\s/g, '');
  const m = /^(\d{4})[-/.年](\d{1,2})(?:月)?(?:[-/.](\d{1,2})|(\d{1,2})日)?$/u.exec(s) ?? /^(\d{4})(\d{2})(\d{2})?$/.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3] ?? m[4] ?? 1);
  if (y < 1940 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return null;
  return `${String(y)}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const textOf = (e: FlowEvent) => (e.type === 'user.text' ? e.text : e.type === 'user.choice' ? e.value : '');
/** Free text as typed (Chinese punctuation kept), trimmed, runs of spaces collapsed. */
const freeText = (e: FlowEvent) => textOf(e).trim().replace(/\s+/g, ' ');

const notProvided = <O, I>(name: string) =>
  fromPromise<O, I>(async () => {
    throw new Error(`actor ${name} not provided`);
  });

function statusParts(view: EnrolmentStatusView): TextPart[] {
  const parts: TextPart[] = [{ key: 'status.showingStatus.header', params: { name: view.maskedName } }];
  for (const line of view.lines) {
    parts.push({
      key:
        (line.status === 'PAYING' || line.status === 'SUSPENDED') && !(line.prefectureName && line.lastPaidMonth)
          ? `status.showingStatus.line_${line.status}_short`
          : `status.showingStatus.line_${line.status}`,
      params: {
        insurance: `$t(reference.insurance.${line.insuranceType})`,
        prefecture: line.prefectureName ?? '',
        lastPaid: line.lastPaidMonth ?? '',
      },
    });
  }
  parts.push({ key: `status.showingStatus.registration_${view.registrationStatus}` });
  for (const a of view.advice) parts.push({ key: `status.showingStatus.advice_${a}` });
  return parts;
}

function detailsParts(d: MaskedDetails): TextPart[] {
  const fields: [string, string | undefined][] = [
    ['name', d.name],
    ['idNumber', d.idNumber],
    ['sex', d.sex ? `$t(common.sex_${d.sex})` : undefined],
    ['ethnicity', d.ethnicityCode ? `$t(reference.ethnicity.${d.ethnicityCode})` : undefined],
    ['birthDate', d.birthDate],
    ['phone', d.phone],
    ['hukou', [d.hukouRegionName, d.hukouAddress].filter(Boolean).join(' ') || undefined],
    ['residence', [d.residenceRegionName, d.residenceAddress].filter(Boolean).join(' ') || undefined],
    ['employment', d.employmentStatus ? `$t(reference.employment.${d.employmentStatus})` : undefined],
  ];
  return [
    { key: 'confirm.confirmingDetails.header' },
    ...fields.map(([field, value]) => ({
      key: 'confirm.confirmingDetails.field',
      params: { label: `$t(confirm.fields.${field})`, value: value ?? '$t(common.notOnRecord)' },
    })),
  ];
}

export const residentMachine = setup({
  types: {
    context: {} as ResidentContext,
    input: {} as ResidentInput,
    events: {} as FlowEvent,
    emitted: {} as FlowEffect,
  },
  actors: {
    acknowledgeNotice: notProvided<void, { noticeVersion: string }>('acknowledgeNotice'),
    checkIdentity: notProvided<CheckIdentityResult, CheckIdentityInput>('checkIdentity'),
    verifyFactor: notProvided<VerifyFactorResult, VerifyFactorInput>('verifyFactor'),
    requestVisit: notProvided<void, VisitRequestInput>('requestVisit'),
    campaignTask: notProvided<CampaignTaskCode | null, { personId: string }>('campaignTask'),
    requestHuman: notProvided<void, { reason: string }>('requestHuman'),
    getStatus: notProvided<EnrolmentStatusView, { personId: string }>('getStatus'),
    getDetails: notProvided<MaskedDetails, { personId: string }>('getDetails'),
    confirmRegistration: notProvided<{ registrationStatus: RegistrationStatusCode }, { personId: string }>('confirmRegistration'),
    signOut: notProvided<void, void>('signOut'),
    checkCorrection: notProvided<CheckCorrectionResult, CheckCorrectionInput>('checkCorrection'),
    submitCorrection: notProvided<SubmitCorrectionResult, SubmitCorrectionInput>('submitCorrection'),
    getCoverage: notProvided<CoverageView, { personId: string }>('getCoverage'),
    submitEmploymentReport: notProvided<EmploymentReportResult, EmploymentReportInput>('submitEmploymentReport'),
    getHousehold: notProvided<HouseholdView, { personId: string }>('getHousehold'),
    checkMissingMember: notProvided<MemberCheckResult, { personId: string; idNumber: string }>('checkMissingMember'),
    reportMissingMember: notProvided<ReportMemberResult, ReportMemberInput>('reportMissingMember'),
    getOpenQuestions: fromPromise<OpenQuestionView[], { personId: string }>(async () => []),
    answerQuestion: notProvided<{ ok: boolean; reference: string }, { personId: string; requestId: string; answer: string }>('answerQuestion'),
  },
  guards: {
    isNoticeAcknowledged: ({ context }) => context.noticeAcknowledged,
    isVerified: ({ context }) => Boolean(context.personId),
    isValidIdNumber: ({ event }) => event.type === 'user.text' && parseIdNumber(event.text).ok,
    isPlausibleName: ({ event }) =>
      event.type === 'user.text' && /^[\p{L}\p{M}·•.\s'-]{1,40}$/u.test(event.text.trim()) && /\p{L}/u.test(event.text),
    isFactorFormat: ({ context, event }) =>
      event.type === 'user.text' && (context.verifyMethod === 'sms' ? /^\d{6}$/ : /^\d{4}$/).test(event.text.replace(/\s/g, '')),
    isRegionPick: ({ context, event }) => {
      if (event.type !== 'user.text' || !/^\d{1,2}$/.test(event.text.normalize('NFKC').trim())) return false;
      const n = Number(event.text.normalize('NFKC').trim());
      return n >= 1 && n <= (context.correction?.matches?.length ?? 0);
    },
    isEvidenceText: ({ event }) => event.type === 'user.text' && isPlausibleText(event.text, 200),
    isEmployerName: ({ event }) => event.type === 'user.text' && isPlausibleText(event.text, 60),
    isWorkDescription: ({ event }) => event.type === 'user.text' && isPlausibleText(event.text, 100),
    isValidCreditCode: ({ event }) => event.type === 'user.text' && parseCreditCode(event.text).ok,
    isSinceDate: ({ event }) => event.type === 'user.text' && parseSince(event.text) !== null,
    isReasonText: ({ event }) => event.type === 'user.text' && isPlausibleText(event.text, 200),
  },
  actions: {
    resetFailures: assign({ failures: 0 }),
    noteFailure: assign({ failures: ({ context }) => context.failures + 1 }),
    clearPending: assign({ pendingIdNumber: undefined, pendingName: undefined }),
    /** Keeps only the county code of the ID number given, so a visit request reaches that county's workers. */
    noteLockedCounty: assign({ visit: ({ context }) => ({ reason: 'VERIFICATION_LOCKED', regionHint: context.pendingIdNumber?.slice(0, 6) }) }),
    clearCorrection: assign({ correction: undefined }),
    clearEmployment: assign({ employment: undefined }),
    clearHousehold: assign({ household: undefined }),
  },
}).createMachine({
  id: RESIDENT_FLOW_ID,
  description: 'A resident checks and confirms their social-insurance registration.',
  context: ({ input }) => ({
    noticeAcknowledged: input.noticeAcknowledged,
    verifyMethod: input.verifyMethod,
    personId: input.personId,
    failures: 0,
  }),
  initial: 'welcome',
  on: {
    'user.menu': [
      { guard: 'isVerified', target: '.menu' },
      { guard: 'isNoticeAcknowledged', target: '.verifying' },
      { target: '.welcome' },
    ],
    'user.human': { target: '.handingOff' },
  },
  states: {
    welcome: {
      description: 'Decides whether the privacy notice still has to be shown.',
      always: [{ guard: 'isNoticeAcknowledged', target: 'routing' }, { target: 'awaitingNoticeAck' }],
    },
    awaitingNoticeAck: {
      description: 'Shows what is collected, why and for how long, and waits for the acknowledgement or a language choice.',
      tags: ['awaitingInput'],
      entry: ['resetFailures', emit(({ context }) => prompt('awaitingNoticeAck', context, [{ key: 'welcome.awaitingNoticeAck.greeting' }]))],
      on: {
        'user.choice': [
          { guard: ({ event }) => event.value === 'agree', target: 'recordingNotice' },
          {
            guard: ({ event }) => event.value === 'english',
            actions: [emit({ type: 'setLocale', locale: 'en' }), emit(({ context }) => prompt('awaitingNoticeAck', context))],
          },
          {
            guard: ({ event }) => event.value === 'chinese',
            actions: [emit({ type: 'setLocale', locale: 'zh-CN' }), emit(({ context }) => prompt('awaitingNoticeAck', context))],
          },
        ],
        'user.text': {
          actions: ['noteFailure', emit(({ context }) => reask('awaitingNoticeAck', context, { key: 'common.pleaseChoose' }))],
        },
      },
    },
    recordingNotice: {
      description: 'Records the acknowledgement with the notice version and time.',
      invoke: {
        src: 'acknowledgeNotice',
        input: { noticeVersion: PRIVACY_NOTICE_VERSION },
        onDone: { target: 'routing', actions: assign({ noticeAcknowledged: true }) },
        onError: { target: 'failed' },
      },
    },
    routing: {
      description: 'Goes to the menu when the chat is bound to a verified person, otherwise to verification.',
      always: [{ guard: 'isVerified', target: 'questions' }, { target: 'verifying' }],
    },
    verifying: {
      description: 'Identity verification before anything personal is shown.',
      initial: 'awaitingIdNumber',
      exit: 'clearPending',
      states: {
        awaitingIdNumber: {
          description: 'Waits for the 18-digit (or old 15-digit) citizen ID number.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', 'clearPending', emit(({ context }) => prompt('awaitingIdNumber', context))],
          on: {
            'user.text': [
              {
                guard: 'isValidIdNumber',
                target: 'awaitingName',
                actions: assign({
                  pendingIdNumber: ({ event }) => {
                    const r = parseIdNumber(event.text);
                    return r.ok ? r.idNumber : undefined;
                  },
                }),
              },
              {
                actions: [
                  'noteFailure',
                  emit(({ context, event }) => {
                    const r = parseIdNumber(event.text);
                    const code = r.ok ? 'BAD_CHECK' : r.error;
                    return reask('awaitingIdNumber', context, { key: `verify.awaitingIdNumber.error_${code}` });
                  }),
                ],
              },
            ],
            'user.choice': { actions: ['noteFailure', emit(({ context }) => reask('awaitingIdNumber', context, { key: 'verify.awaitingIdNumber.error_BAD_LENGTH' }))] },
          },
        },
        awaitingName: {
          description: 'Waits for the full name as registered.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingName', context))],
          on: {
            'user.text': [
              { guard: 'isPlausibleName', target: 'checkingIdentity', actions: assign({ pendingName: ({ event }) => event.text.trim() }) },
              { actions: ['noteFailure', emit(({ context }) => reask('awaitingName', context, { key: 'verify.awaitingName.error' }))] },
            ],
            'user.choice': { actions: ['noteFailure', emit(({ context }) => reask('awaitingName', context, { key: 'verify.awaitingName.error' }))] },
          },
        },
        checkingIdentity: {
          description: 'Decides what to ask next without revealing whether the ID number exists.',
          invoke: {
            src: 'checkIdentity',
            input: ({ context }) => ({ idNumber: context.pendingIdNumber ?? '', name: context.pendingName ?? '' }),
            onDone: [
              { guard: ({ event }) => event.output.next === 'LOCKED', target: 'locked', actions: 'noteLockedCounty' },
              {
                guard: ({ event }) => event.output.next === 'NO_PHONE',
                target: 'offeringVisit',
                actions: assign({ visitPersonId: ({ event }) => (event.output.next === 'NO_PHONE' ? event.output.personId : undefined) }),
              },
              { target: 'awaitingFactor' },
            ],
            onError: { target: '#resident.failed' },
          },
        },
        awaitingFactor: {
          description: 'Waits for the second factor: last 4 digits of the phone on record, or an SMS code.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingFactor', context))],
          on: {
            'user.text': [
              { guard: 'isFactorFormat', target: 'verifyingFactor' },
              { actions: ['noteFailure', emit(({ context }) => reask('awaitingFactor', context, { key: context.verifyMethod === 'sms' ? 'verify.awaitingFactor.errorSms' : 'verify.awaitingFactor.errorPhone' }))] },
            ],
            'user.choice': {
              actions: [
                'noteFailure',
                emit(({ context }) => reask('awaitingFactor', context, { key: context.verifyMethod === 'sms' ? 'verify.awaitingFactor.errorSms' : 'verify.awaitingFactor.errorPhone' })),
              ],
            },
          },
        },
        verifyingFactor: {
          description: 'Checks ID number, name and factor together; every mismatch gets the same answer.',
          invoke: {
            src: 'verifyFactor',
            input: ({ context, event }) => ({
              idNumber: context.pendingIdNumber ?? '',
              name: context.pendingName ?? '',
              factor: event.type === 'user.text' ? event.text.replace(/\s/g, '') : '',
            }),
            onDone: [
              {
                guard: ({ event }) => event.output.ok,
                target: '#resident.afterVerification',
                actions: [
                  assign({ personId: ({ event }) => (event.output.ok ? event.output.personId : undefined) }),
                  emit(reply({ key: 'verify.verified.success' })),
                ],
              },
              { guard: ({ event }) => !event.output.ok && event.output.reason === 'LOCKED', target: 'locked', actions: 'noteLockedCounty' },
              { target: 'awaitingIdNumber', actions: emit(reply({ key: 'verify.failed.mismatch' })) },
            ],
            onError: { target: '#resident.failed' },
          },
        },
        offeringVisit: {
          description: 'No phone on record: the person cannot verify remotely; offers a home visit or a human.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', 'clearPending', emit(({ context }) => prompt('offeringVisit', context))],
          on: {
            'user.choice': [
              { guard: ({ event }) => event.value === 'visit', target: 'awaitingVisitDetails', actions: assign({ visit: { reason: 'NO_PHONE_ON_RECORD' } }) },
              { guard: ({ event }) => event.value === 'human', target: '#resident.handingOff' },
              { guard: ({ event }) => event.value === 'retry', target: 'awaitingIdNumber' },
            ],
            'user.text': { actions: ['noteFailure', emit(({ context }) => reask('offeringVisit', context, { key: 'common.pleaseChoose' }))] },
          },
        },
        awaitingVisitDetails: {
          description: 'Waits for how to reach the resident (a phone, theirs or a relative\'s) and when to come.',
          tags: ['awaitingInput'],
          on: {
            'user.text': {
              target: 'requestingVisit',
              actions: assign({ visit: ({ context, event }) => ({ reason: 'NO_PHONE_ON_RECORD', ...context.visit, details: event.text.trim().slice(0, 300) }) }),
            },
            'user.choice': { actions: emit(({ context }) => reask('awaitingVisitDetails', context, { key: 'verify.awaitingVisitDetails.error' })) },
          },
          entry: emit(({ context }) => prompt('awaitingVisitDetails', context)),
        },
        requestingVisit: {
          description: 'Records the visit request for the community workers of the region (and NEEDS_VISIT for a known person).',
          invoke: {
            src: 'requestVisit',
            input: ({ context }) => ({
              ...(context.visitPersonId ? { personId: context.visitPersonId } : {}),
              ...(context.visit?.regionHint ? { regionHint: context.visit.regionHint } : {}),
              reason: context.visit?.reason ?? 'NO_PHONE_ON_RECORD',
              details: context.visit?.details ?? '',
            }),
            onDone: { target: '#resident.ended', actions: emit(reply({ key: 'verify.requestingVisit.done' })) },
            onError: { target: '#resident.failed' },
          },
        },
        locked: {
          description: 'Too many failed verifications: locked for a day; a home visit or a human can still help.',
          tags: ['awaitingInput'],
          entry: ['clearPending', emit(({ context }) => prompt('locked', context))],
          on: {
            'user.choice': [
              { guard: ({ event }) => event.value === 'visit', target: 'awaitingVisitDetails' },
              { guard: ({ event }) => event.value === 'human', target: '#resident.handingOff' },
            ],
            'user.text': { actions: emit(({ context }) => prompt('locked', context)) },
          },
        },
      },
    },
    afterVerification: {
      description: 'A chat opened from a campaign link goes straight to the task the campaign is about; others to the menu.',
      invoke: {
        src: 'campaignTask',
        input: ({ context }) => ({ personId: context.personId ?? '' }),
        onDone: [
          { guard: ({ event }) => event.output === 'confirm', target: 'confirm' },
          { guard: ({ event }) => event.output === 'correct', target: 'correct' },
          { guard: ({ event }) => event.output === 'employment', target: 'employment' },
          { guard: ({ event }) => event.output === 'status', target: 'status' },
          { target: 'questions' },
        ],
        onError: { target: 'questions' },
      },
    },
    menu: {
      description: 'The main menu of a verified resident.',
      initial: 'awaitingChoice',
      states: {
        awaitingChoice: {
          description: 'Waits for a menu choice.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingChoice', context))],
          on: {
            'user.choice': [
              { guard: ({ event }) => event.value === 'status', target: '#resident.status' },
              { guard: ({ event }) => event.value === 'confirm', target: '#resident.confirm' },
              { guard: ({ event }) => event.value === 'correct', target: '#resident.correct' },
              { guard: ({ event }) => event.value === 'employment', target: '#resident.employment' },
              { guard: ({ event }) => event.value === 'household', target: '#resident.household' },
              { guard: ({ event }) => event.value === 'human', target: '#resident.handingOff' },
              { guard: ({ event }) => event.value === 'signOut', target: '#resident.signingOut' },
            ],
            'user.text': { actions: ['noteFailure', emit(({ context }) => reask('awaitingChoice', context, { key: 'common.pleaseChoose' }))] },
          },
        },
      },
    },
    status: {
      description: 'Shows the enrolment status per insurance type and what to do about gaps.',
      initial: 'loadingStatus',
      states: {
        loadingStatus: {
          description: 'Loads the enrolment view of the verified person.',
          invoke: {
            src: 'getStatus',
            input: ({ context }) => ({ personId: context.personId ?? '' }),
            onDone: { target: 'afterStatus', actions: [assign({ status: ({ event }) => event.output }), emit(({ event }) => reply(statusParts(event.output)))] },
            onError: { target: '#resident.failed' },
          },
        },
        afterStatus: {
          description: 'Offers to confirm the details or go back to the menu.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('afterStatus', context))],
          exit: assign({ status: undefined }),
          on: {
            'user.choice': [
              { guard: ({ event }) => event.value === 'confirm', target: '#resident.confirm' },
              { guard: ({ event }) => event.value === 'menu', target: '#resident.menu' },
            ],
            'user.text': { actions: ['noteFailure', emit(({ context }) => reask('afterStatus', context, { key: 'common.pleaseChoose' }))] },
          },
        },
      },
    },
    confirm: {
      description: 'Shows the masked record and lets the resident confirm it or report that something is wrong.',
      initial: 'loadingDetails',
      states: {
        loadingDetails: {
          description: 'Loads the masked record.',
          invoke: {
            src: 'getDetails',
            input: ({ context }) => ({ personId: context.personId ?? '' }),
            onDone: { target: 'confirmingDetails', actions: [assign({ details: ({ event }) => event.output }), emit(({ event }) => reply(detailsParts(event.output)))] },
            onError: { target: '#resident.failed' },
          },
        },
        confirmingDetails: {
          description: 'Waits for "all correct", "something is wrong" or the menu.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('confirmingDetails', context))],
          exit: assign({ details: undefined }),
          on: {
            'user.choice': [
              { guard: ({ event }) => event.value === 'correct', target: 'confirmingRegistration' },
              { guard: ({ event }) => event.value === 'wrong', target: '#resident.correct' },
              { guard: ({ event }) => event.value === 'menu', target: '#resident.menu' },
            ],
            'user.text': { actions: ['noteFailure', emit(({ context }) => reask('confirmingDetails', context, { key: 'common.pleaseChoose' }))] },
          },
        },
        confirmingRegistration: {
          description: 'Confirms the registration directly (CONFIRMED, audited).',
          invoke: {
            src: 'confirmRegistration',
            input: ({ context }) => ({ personId: context.personId ?? '' }),
            onDone: [
              {
                guard: ({ event }) => event.output.registrationStatus === 'CONFIRMED',
                target: '#resident.menu',
                actions: emit(reply({ key: 'confirm.confirmingRegistration.done' })),
              },
              { target: '#resident.menu', actions: emit(reply({ key: 'confirm.confirmingRegistration.pendingReview' })) },
            ],
            onError: { target: '#resident.failed' },
          },
        },
      },
    },
    correct: {
      description:
        'Corrects one detail: choose the field, give the new value, compare old (masked) and new, confirm. The domain field policy decides whether it is applied at once or reviewed by staff.',
      initial: 'awaitingField',
      exit: 'clearCorrection',
      states: {
        awaitingField: {
          description: 'Waits for the field to correct (numbered list of ten fields).',
          tags: ['awaitingInput'],
          entry: ['resetFailures', 'clearCorrection', emit(({ context }) => prompt('awaitingField', context))],
          on: {
            'user.choice': {
              guard: ({ event }) => (CORRECTION_FIELDS as readonly string[]).includes(event.value),
              target: 'enteringValue',
              actions: assign({ correction: ({ event }) => ({ field: textOf(event) as CorrectableField }) }),
            },
            'user.text': { actions: ['noteFailure', emit(({ context }) => reask('awaitingField', context, { key: 'common.pleaseChoose' }))] },
          },
        },
        enteringValue: {
          description: 'Asks for the new value and checks it (format, region table, agreement with the ID number).',
          initial: 'awaitingValue',
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingValue', context))],
          states: {
            awaitingValue: {
              description: 'Waits for the new value of the chosen field (for sex: a numbered choice).',
              tags: ['awaitingInput'],
              on: {
                'user.text': { target: 'checkingValue', actions: assign({ correction: ({ context, event }) => ({ field: fieldOf(context), raw: textOf(event) }) }) },
                'user.choice': { target: 'checkingValue', actions: assign({ correction: ({ context, event }) => ({ field: fieldOf(context), raw: textOf(event) }) }) },
              },
            },
            choosingRegion: {
              description: 'Several regions match the typed name: waits for the number of the right one (or another name or code).',
              tags: ['awaitingInput'],
              entry: emit(({ context }) => prompt('choosingRegion', context)),
              on: {
                'user.text': [
                  {
                    guard: 'isRegionPick',
                    target: 'checkingValue',
                    actions: assign({
                      correction: ({ context, event }) => ({
                        field: fieldOf(context),
                        raw: context.correction?.matches?.[Number(textOf(event).normalize('NFKC').trim()) - 1]?.code ?? '',
                      }),
                    }),
                  },
                  {
                    guard: ({ event }) => /^\d{1,2}$/.test(textOf(event).normalize('NFKC').trim()),
                    actions: ['noteFailure', emit(({ context }) => reask('choosingRegion', context, { key: 'correct.choosingRegion.error' }))],
                  },
                  { target: 'checkingValue', actions: assign({ correction: ({ context, event }) => ({ field: fieldOf(context), raw: textOf(event) }) }) },
                ],
                'user.choice': { actions: ['noteFailure', emit(({ context }) => reask('choosingRegion', context, { key: 'correct.choosingRegion.error' }))] },
              },
            },
            checkingValue: {
              description: 'Checks the value with the domain (which also says whether the change is direct or reviewed).',
              invoke: {
                src: 'checkCorrection',
                input: ({ context }) => ({ personId: context.personId ?? '', field: fieldOf(context), value: context.correction?.raw ?? '' }),
                onDone: [
                  {
                    guard: ({ event }) => event.output.ok,
                    target: '#resident.correct.confirmingChange',
                    actions: assign({
                      correction: ({ context, event }) => {
                        const o = event.output;
                        if (!o.ok) return context.correction;
                        return {
                          field: fieldOf(context),
                          value: o.value,
                          policy: o.policy,
                          newDisplay: o.newDisplay,
                          ...(o.oldDisplay !== undefined ? { oldDisplay: o.oldDisplay } : {}),
                        };
                      },
                    }),
                  },
                  {
                    guard: ({ event }) => !event.output.ok && event.output.error === 'CHOOSE_REGION',
                    target: 'choosingRegion',
                    actions: assign({
                      correction: ({ context, event }) => ({
                        field: fieldOf(context),
                        matches: !event.output.ok && event.output.error === 'CHOOSE_REGION' ? event.output.matches : [],
                      }),
                    }),
                  },
                  {
                    guard: ({ event }) => !event.output.ok && event.output.error === 'ALREADY_PENDING',
                    target: '#resident.menu',
                    actions: emit(({ event }) =>
                      reply({
                        key: 'correct.checkingValue.alreadyPending',
                        params: { reference: !event.output.ok && event.output.error === 'ALREADY_PENDING' ? event.output.reference : '' },
                      }),
                    ),
                  },
                  {
                    guard: ({ event }) => !event.output.ok && event.output.error === 'UNCHANGED',
                    target: '#resident.correct.awaitingField',
                    actions: emit(reply({ key: 'correct.awaitingValue.error_UNCHANGED' })),
                  },
                  {
                    target: 'awaitingValue',
                    actions: [
                      'noteFailure',
                      assign({ correction: ({ context }) => ({ field: fieldOf(context) }) }),
                      emit(({ context, event }) =>
                        reask('awaitingValue', context, { key: `correct.awaitingValue.error_${event.output.ok ? 'UNCHANGED' : event.output.error}` }),
                      ),
                    ],
                  },
                ],
                onError: { target: '#resident.failed' },
              },
            },
          },
        },
        confirmingChange: {
          description: 'Shows the old (masked) and the new value and waits for the confirmation.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('confirmingChange', context))],
          on: {
            'user.choice': [
              { guard: ({ context, event }) => event.value === 'submit' && context.correction?.policy === 'DIRECT', target: 'submittingChange' },
              { guard: ({ event }) => event.value === 'submit', target: 'awaitingEvidence' },
              { guard: ({ event }) => event.value === 'reenter', target: 'enteringValue' },
              { guard: ({ event }) => event.value === 'menu', target: '#resident.menu' },
            ],
            'user.text': { actions: ['noteFailure', emit(({ context }) => reask('confirmingChange', context, { key: 'common.pleaseChoose' }))] },
          },
        },
        awaitingEvidence: {
          description: 'A reviewed change: waits for a short explanation (why, which document) for the reviewer.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingEvidence', context))],
          on: {
            'user.text': [
              {
                guard: 'isEvidenceText',
                target: 'submittingChange',
                actions: assign({ correction: ({ context, event }) => ({ ...(context.correction ?? { field: fieldOf(context) }), evidence: freeText(event) }) }),
              },
              { actions: ['noteFailure', emit(({ context }) => reask('awaitingEvidence', context, { key: 'correct.awaitingEvidence.error' }))] },
            ],
            'user.choice': { actions: ['noteFailure', emit(({ context }) => reask('awaitingEvidence', context, { key: 'correct.awaitingEvidence.error' }))] },
          },
        },
        submittingChange: {
          description: 'Applies a direct change, or submits a reviewed one and tells the reference and the answer date.',
          invoke: {
            src: 'submitCorrection',
            input: ({ context }) => ({
              personId: context.personId ?? '',
              field: fieldOf(context),
              value: context.correction?.value ?? '',
              ...(context.correction?.evidence ? { evidence: context.correction.evidence } : {}),
            }),
            onDone: [
              { guard: ({ event }) => event.output.outcome === 'APPLIED', target: 'changeApplied' },
              {
                guard: ({ event }) => event.output.outcome === 'SUBMITTED',
                target: '#resident.menu',
                actions: emit(({ event }) =>
                  reply({
                    key: 'correct.submittingChange.submitted',
                    params: event.output.outcome === 'SUBMITTED' ? { reference: event.output.reference, dueDate: event.output.dueDate } : {},
                  }),
                ),
              },
              {
                guard: ({ event }) => event.output.outcome === 'ALREADY_PENDING',
                target: '#resident.menu',
                actions: emit(({ event }) =>
                  reply({ key: 'correct.checkingValue.alreadyPending', params: { reference: event.output.outcome === 'ALREADY_PENDING' ? event.output.reference : '' } }),
                ),
              },
              {
                target: 'enteringValue',
                actions: emit(({ event }) => reply({ key: `correct.awaitingValue.error_${event.output.outcome === 'REFUSED' ? event.output.error : 'UNCHANGED'}` })),
              },
            ],
            onError: { target: '#resident.failed' },
          },
        },
        changeApplied: {
          description: 'Says which detail was changed (while the draft is still known), then returns to the menu.',
          entry: emit(({ context }) => reply({ key: 'correct.submittingChange.applied', params: { field: `$t(correct.fields.${fieldOf(context)})` } })),
          always: { target: '#resident.menu' },
        },
      },
    },
    employment: {
      description: 'The resident reports their work: status, then what fits it, since when, and why they are not insured if they are not.',
      initial: 'awaitingEmploymentStatus',
      exit: 'clearEmployment',
      states: {
        awaitingEmploymentStatus: {
          description: 'Waits for the employment status (numbered list of eight).',
          tags: ['awaitingInput'],
          entry: ['resetFailures', 'clearEmployment', emit(({ context }) => prompt('awaitingEmploymentStatus', context))],
          on: {
            'user.choice': [
              { guard: ({ event }) => event.value === 'EMPLOYED', target: 'awaitingEmployerName', actions: assign({ employment: { status: 'EMPLOYED' } }) },
              { guard: ({ event }) => event.value === 'FLEXIBLE', target: 'awaitingPlatformWork', actions: assign({ employment: { status: 'FLEXIBLE' } }) },
              { guard: ({ event }) => event.value === 'SELF_EMPLOYED', target: 'awaitingBusinessName', actions: assign({ employment: { status: 'SELF_EMPLOYED' } }) },
              {
                guard: ({ event }) => (EMPLOYMENT_STATUSES as readonly string[]).includes(event.value),
                target: 'awaitingSince',
                actions: assign({ employment: ({ event }) => ({ status: textOf(event) as EmploymentStatusCode }) }),
              },
            ],
            'user.text': {
              actions: ['noteFailure', emit(({ context }) => reask('awaitingEmploymentStatus', context, { key: 'common.pleaseChoose' }))],
            },
          },
        },
        awaitingEmployerName: {
          description: 'EMPLOYED: waits for the name of the employer.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingEmployerName', context))],
          on: {
            'user.text': [
              {
                guard: 'isEmployerName',
                target: 'awaitingCreditCode',
                actions: assign({ employment: ({ context, event }) => ({ status: 'EMPLOYED' as const, ...context.employment, employer: freeText(event) }) }),
              },
              { actions: ['noteFailure', emit(({ context }) => reask('awaitingEmployerName', context, { key: 'employment.awaitingEmployerName.error' }))] },
            ],
            'user.choice': { actions: ['noteFailure', emit(({ context }) => reask('awaitingEmployerName', context, { key: 'employment.awaitingEmployerName.error' }))] },
          },
        },
        awaitingCreditCode: {
          description: "EMPLOYED: waits for the employer's 18-character unified social credit code, or skip.",
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingCreditCode', context))],
          on: {
            'user.choice': { guard: ({ event }) => event.value === 'skip', target: 'awaitingSince' },
            'user.text': [
              {
                guard: 'isValidCreditCode',
                target: 'awaitingSince',
                actions: assign({
                  employment: ({ context, event }) => {
                    const r = parseCreditCode(textOf(event));
                    return { status: 'EMPLOYED' as const, ...context.employment, ...(r.ok ? { employerCreditCode: r.code } : {}) };
                  },
                }),
              },
              {
                actions: [
                  'noteFailure',
                  emit(({ context, event }) => {
                    const r = parseCreditCode(textOf(event));
                    return reask('awaitingCreditCode', context, { key: `employment.awaitingCreditCode.error_${r.ok ? 'BAD_CHECK' : r.error}` });
                  }),
                ],
              },
            ],
          },
        },
        awaitingPlatformWork: {
          description: 'FLEXIBLE: waits for a short description of the platform or gig work.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingPlatformWork', context))],
          on: {
            'user.text': [
              {
                guard: 'isWorkDescription',
                target: 'awaitingSince',
                actions: assign({ employment: ({ context, event }) => ({ status: 'FLEXIBLE' as const, ...context.employment, platformWork: freeText(event) }) }),
              },
              { actions: ['noteFailure', emit(({ context }) => reask('awaitingPlatformWork', context, { key: 'employment.awaitingPlatformWork.error' }))] },
            ],
            'user.choice': { actions: ['noteFailure', emit(({ context }) => reask('awaitingPlatformWork', context, { key: 'employment.awaitingPlatformWork.error' }))] },
          },
        },
        awaitingBusinessName: {
          description: 'SELF_EMPLOYED: waits for the name of the business, or skip.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingBusinessName', context))],
          on: {
            'user.choice': { guard: ({ event }) => event.value === 'skip', target: 'awaitingSince' },
            'user.text': [
              {
                guard: 'isEmployerName',
                target: 'awaitingSince',
                actions: assign({ employment: ({ context, event }) => ({ status: 'SELF_EMPLOYED' as const, ...context.employment, employer: freeText(event) }) }),
              },
              { actions: ['noteFailure', emit(({ context }) => reask('awaitingBusinessName', context, { key: 'employment.awaitingBusinessName.error' }))] },
            ],
          },
        },
        awaitingSince: {
          description: 'Waits for since when (YYYY-MM or YYYY-MM-DD), or "not sure".',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingSince', context))],
          on: {
            'user.choice': { guard: ({ event }) => event.value === 'unknown', target: 'checkingCoverage' },
            'user.text': [
              {
                guard: 'isSinceDate',
                target: 'checkingCoverage',
                actions: assign({ employment: ({ context, event }) => ({ status: 'OTHER' as const, ...context.employment, since: parseSince(textOf(event)) ?? undefined }) }),
              },
              { actions: ['noteFailure', emit(({ context }) => reask('awaitingSince', context, { key: 'employment.awaitingSince.error' }))] },
            ],
          },
        },
        checkingCoverage: {
          description: 'Looks whether the person pays a pension and a medical insurance; if not, the reason is asked.',
          invoke: {
            src: 'getCoverage',
            input: ({ context }) => ({ personId: context.personId ?? '' }),
            onDone: [
              {
                guard: ({ event }) => !event.output.hasPayingPension || !event.output.hasPayingMedical,
                target: 'awaitingReason',
                actions: assign({ employment: ({ context, event }) => ({ status: 'OTHER' as const, ...context.employment, coverage: event.output }) }),
              },
              { target: 'submittingReport' },
            ],
            onError: { target: '#resident.failed' },
          },
        },
        awaitingReason: {
          description: 'Not insured for pension or medical care: waits for the main reason (numbered list).',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingReason', context))],
          on: {
            'user.choice': [
              {
                guard: ({ event }) => event.value === 'OTHER',
                target: 'awaitingReasonText',
                actions: assign({ employment: ({ context }) => ({ status: 'OTHER' as const, ...context.employment, nonEnrolmentReason: 'OTHER' as const }) }),
              },
              {
                guard: ({ event }) => (NON_ENROLMENT_REASONS as readonly string[]).includes(event.value),
                target: 'awaitingIntention',
                actions: assign({
                  employment: ({ context, event }) => ({ status: 'OTHER' as const, ...context.employment, nonEnrolmentReason: textOf(event) as NonEnrolmentReasonCode }),
                }),
              },
            ],
            'user.text': { actions: ['noteFailure', emit(({ context }) => reask('awaitingReason', context, { key: 'common.pleaseChoose' }))] },
          },
        },
        awaitingReasonText: {
          description: 'Reason "other": waits for the reason in a few words.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingReasonText', context))],
          on: {
            'user.text': [
              {
                guard: 'isReasonText',
                target: 'awaitingIntention',
                actions: assign({ employment: ({ context, event }) => ({ status: 'OTHER' as const, ...context.employment, reasonText: freeText(event) }) }),
              },
              { actions: ['noteFailure', emit(({ context }) => reask('awaitingReasonText', context, { key: 'employment.awaitingReasonText.error' }))] },
            ],
            'user.choice': { actions: ['noteFailure', emit(({ context }) => reask('awaitingReasonText', context, { key: 'employment.awaitingReasonText.error' }))] },
          },
        },
        awaitingIntention: {
          description: 'Waits for whether the person would like to enrol (yes, no, not sure).',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingIntention', context))],
          on: {
            'user.choice': {
              guard: ({ event }) => ['YES', 'NO', 'UNSURE'].includes(event.value),
              target: 'submittingReport',
              actions: assign({ employment: ({ context, event }) => ({ status: 'OTHER' as const, ...context.employment, intention: textOf(event) as EnrolmentIntentionCode }) }),
            },
            'user.text': { actions: ['noteFailure', emit(({ context }) => reask('awaitingIntention', context, { key: 'common.pleaseChoose' }))] },
          },
        },
        submittingReport: {
          description: 'Stores the report and updates the person (a contradiction with the enrolments is flagged for staff).',
          invoke: {
            src: 'submitEmploymentReport',
            input: ({ context }) => {
              const e = context.employment ?? { status: 'OTHER' as const };
              return {
                personId: context.personId ?? '',
                status: e.status,
                ...(e.employer ? { employer: e.employer } : {}),
                ...(e.employerCreditCode ? { employerCreditCode: e.employerCreditCode } : {}),
                ...(e.platformWork ? { platformWork: e.platformWork } : {}),
                ...(e.since ? { since: e.since } : {}),
                ...(e.nonEnrolmentReason ? { nonEnrolmentReason: e.nonEnrolmentReason } : {}),
                ...(e.reasonText ? { reasonText: e.reasonText } : {}),
                ...(e.intention ? { intention: e.intention } : {}),
              };
            },
            onDone: [
              {
                guard: ({ context }) => context.employment?.intention === 'YES',
                target: '#resident.menu',
                actions: emit(reply([{ key: 'employment.submittingReport.done' }, { key: 'employment.submittingReport.adviceEnrol' }])),
              },
              { target: '#resident.menu', actions: emit(reply({ key: 'employment.submittingReport.done' })) },
            ],
            onError: { target: '#resident.failed' },
          },
        },
      },
    },
    household: {
      description: 'No one missed in a household (户不漏人): shows the members on record (masked) and takes a report of a missing one.',
      initial: 'loadingHousehold',
      exit: 'clearHousehold',
      states: {
        loadingHousehold: {
          description: "Loads the masked list of the household's members on record.",
          invoke: {
            src: 'getHousehold',
            input: ({ context }) => ({ personId: context.personId ?? '' }),
            onDone: {
              target: 'awaitingHouseholdChoice',
              actions: [
                assign({ household: ({ event }) => ({ hasHousehold: event.output.hasHousehold, members: event.output.members }) }),
                emit(({ event }) => reply(householdParts(event.output))),
              ],
            },
            onError: { target: '#resident.failed' },
          },
        },
        awaitingHouseholdChoice: {
          description: 'Offers to report someone missing from the household, or the menu.',
          tags: ['awaitingInput'],
          entry: [
            'resetFailures',
            assign({ household: ({ context }) => ({ hasHousehold: context.household?.hasHousehold ?? false, members: context.household?.members ?? [] }) }),
            emit(({ context }) => prompt('awaitingHouseholdChoice', context)),
          ],
          on: {
            'user.choice': [
              { guard: ({ event }) => event.value === 'report', target: 'awaitingMemberIdNumber' },
              { guard: ({ event }) => event.value === 'menu', target: '#resident.menu' },
            ],
            'user.text': { actions: ['noteFailure', emit(({ context }) => reask('awaitingHouseholdChoice', context, { key: 'common.pleaseChoose' }))] },
          },
        },
        awaitingMemberIdNumber: {
          description: "Waits for the missing member's ID number.",
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingMemberIdNumber', context))],
          on: {
            'user.text': [
              {
                guard: 'isValidIdNumber',
                target: 'checkingMember',
                actions: assign({
                  household: ({ context, event }) => {
                    const r = parseIdNumber(textOf(event));
                    const base = { hasHousehold: context.household?.hasHousehold ?? false, members: context.household?.members ?? [] };
                    return r.ok ? { ...base, idNumber: r.idNumber, sex: r.sex, birthDate: r.birthDate } : base;
                  },
                }),
              },
              {
                actions: [
                  'noteFailure',
                  emit(({ context, event }) => {
                    const r = parseIdNumber(textOf(event));
                    return reask('awaitingMemberIdNumber', context, { key: `household.awaitingMemberIdNumber.error_${r.ok ? 'BAD_CHECK' : r.error}` });
                  }),
                ],
              },
            ],
            'user.choice': {
              actions: ['noteFailure', emit(({ context }) => reask('awaitingMemberIdNumber', context, { key: 'household.awaitingMemberIdNumber.error_BAD_LENGTH' }))],
            },
          },
        },
        checkingMember: {
          description: 'Checks whether the person is already in the registry or already reported.',
          invoke: {
            src: 'checkMissingMember',
            input: ({ context }) => ({ personId: context.personId ?? '', idNumber: context.household?.idNumber ?? '' }),
            onDone: [
              {
                guard: ({ event }) => event.output.status === 'IN_REGISTRY',
                target: 'awaitingHouseholdChoice',
                actions: emit(({ event }) => reply({ key: 'household.checkingMember.inRegistry', params: { idNumber: event.output.maskedIdNumber } })),
              },
              {
                guard: ({ event }) => event.output.status === 'ALREADY_REPORTED',
                target: 'awaitingHouseholdChoice',
                actions: emit(({ event }) =>
                  reply({
                    key: 'household.checkingMember.alreadyReported',
                    params: { idNumber: event.output.maskedIdNumber, reference: event.output.status === 'ALREADY_REPORTED' ? event.output.reference : '' },
                  }),
                ),
              },
              {
                target: 'awaitingMemberName',
                actions: assign({
                  household: ({ context, event }) => ({
                    hasHousehold: context.household?.hasHousehold ?? false,
                    members: context.household?.members ?? [],
                    ...context.household,
                    maskedIdNumber: event.output.maskedIdNumber,
                  }),
                }),
              },
            ],
            onError: { target: '#resident.failed' },
          },
        },
        awaitingMemberName: {
          description: "Waits for the missing member's name.",
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingMemberName', context))],
          on: {
            'user.text': [
              {
                guard: 'isPlausibleName',
                target: 'awaitingRelationship',
                actions: assign({
                  household: ({ context, event }) => ({
                    hasHousehold: context.household?.hasHousehold ?? false,
                    members: context.household?.members ?? [],
                    ...context.household,
                    name: textOf(event).normalize('NFKC').trim(),
                  }),
                }),
              },
              { actions: ['noteFailure', emit(({ context }) => reask('awaitingMemberName', context, { key: 'household.awaitingMemberName.error' }))] },
            ],
            'user.choice': { actions: ['noteFailure', emit(({ context }) => reask('awaitingMemberName', context, { key: 'household.awaitingMemberName.error' }))] },
          },
        },
        awaitingRelationship: {
          description: 'Waits for how the missing member is related to the resident (numbered list).',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingRelationship', context))],
          on: {
            'user.choice': {
              guard: ({ event }) => (RELATIONSHIPS as readonly string[]).includes(event.value),
              target: 'confirmingMember',
              actions: assign({
                household: ({ context, event }) => ({
                  hasHousehold: context.household?.hasHousehold ?? false,
                  members: context.household?.members ?? [],
                  ...context.household,
                  relationship: textOf(event) as RelationshipCode,
                }),
              }),
            },
            'user.text': { actions: ['noteFailure', emit(({ context }) => reask('awaitingRelationship', context, { key: 'common.pleaseChoose' }))] },
          },
        },
        confirmingMember: {
          description: 'Shows what will be reported (ID number masked) and waits for the confirmation.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('confirmingMember', context))],
          on: {
            'user.choice': [
              { guard: ({ event }) => event.value === 'submit', target: 'submittingMember' },
              { guard: ({ event }) => event.value === 'reenter', target: 'awaitingMemberIdNumber' },
              { guard: ({ event }) => event.value === 'menu', target: '#resident.menu' },
            ],
            'user.text': { actions: ['noteFailure', emit(({ context }) => reask('confirmingMember', context, { key: 'common.pleaseChoose' }))] },
          },
        },
        submittingMember: {
          description: 'Creates one NEW_PERSON change request (unless the person is known or already reported) and tells the reference.',
          invoke: {
            src: 'reportMissingMember',
            input: ({ context }) => ({
              personId: context.personId ?? '',
              idNumber: context.household?.idNumber ?? '',
              name: context.household?.name ?? '',
              relationship: context.household?.relationship ?? 'OTHER',
            }),
            onDone: [
              {
                guard: ({ event }) => event.output.outcome === 'CREATED',
                target: '#resident.menu',
                actions: emit(({ event }) =>
                  reply({
                    key: 'household.submittingMember.created',
                    params: event.output.outcome === 'CREATED' ? { reference: event.output.reference, dueDate: event.output.dueDate } : {},
                  }),
                ),
              },
              {
                guard: ({ event }) => event.output.outcome === 'ALREADY_REPORTED',
                target: '#resident.menu',
                actions: emit(({ event }) =>
                  reply({
                    key: 'household.checkingMember.alreadyReported',
                    params: event.output.outcome === 'ALREADY_REPORTED' ? { idNumber: event.output.maskedIdNumber, reference: event.output.reference } : {},
                  }),
                ),
              },
              {
                target: '#resident.menu',
                actions: emit(({ event }) =>
                  reply({ key: 'household.checkingMember.inRegistry', params: event.output.outcome === 'IN_REGISTRY' ? { idNumber: event.output.maskedIdNumber } : {} }),
                ),
              },
            ],
            onError: { target: '#resident.failed' },
          },
        },
      },
    },
    questions: {
      description: "Asks a verified resident any open reviewer's question about their requests before the menu.",
      initial: 'loadingQuestions',
      exit: assign({ openQuestion: undefined }),
      states: {
        loadingQuestions: {
          description: 'Looks for requests a reviewer sent back with a question (NEEDS_INFO).',
          invoke: {
            src: 'getOpenQuestions',
            input: ({ context }) => ({ personId: context.personId ?? '' }),
            onDone: [
              { guard: ({ event }) => event.output.length > 0, target: 'awaitingAnswer', actions: assign({ openQuestion: ({ event }) => event.output[0] }) },
              { target: '#resident.menu' },
            ],
            onError: { target: '#resident.menu' },
          },
        },
        awaitingAnswer: {
          description: "Shows the reviewer's question and waits for the resident's answer (or 'later').",
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('awaitingAnswer', context))],
          on: {
            'user.choice': { guard: ({ event }) => event.value === 'later', target: '#resident.menu' },
            'user.text': [
              { guard: ({ event }) => event.text.trim().length >= 1 && event.text.trim().length <= 500, target: 'savingAnswer' },
              { actions: ['noteFailure', emit(({ context }) => reask('awaitingAnswer', context, { key: 'questions.awaitingAnswer.error' }))] },
            ],
          },
        },
        savingAnswer: {
          description: 'Sends the answer back to the request, which returns to the review queue.',
          invoke: {
            src: 'answerQuestion',
            input: ({ context, event }) => ({
              personId: context.personId ?? '',
              requestId: context.openQuestion?.requestId ?? '',
              answer: event.type === 'user.text' ? event.text.trim() : '',
            }),
            onDone: {
              target: 'loadingQuestions',
              actions: emit(({ event }) => reply({ key: event.output.ok ? 'questions.savingAnswer.done' : 'questions.savingAnswer.closed', params: { reference: event.output.reference } })),
            },
            onError: { target: '#resident.failed' },
          },
        },
      },
    },
    handingOff: {
      description: 'Hands the conversation to a human (12333 agent) and tells the resident what happens next.',
      invoke: {
        src: 'requestHuman',
        input: { reason: 'RESIDENT_ASKED' },
        onDone: { target: 'routingAfterHandoff', actions: emit(reply({ key: 'common.handoff.requested' })) },
        onError: { target: 'failed' },
      },
    },
    routingAfterHandoff: {
      description: 'Returns to where a resident can go on while waiting for the human.',
      always: [{ guard: 'isVerified', target: 'menu' }, { guard: 'isNoticeAcknowledged', target: 'verifying' }, { target: 'awaitingNoticeAck' }],
    },
    signingOut: {
      description: 'Ends the binding of this chat to the person.',
      invoke: {
        src: 'signOut',
        onDone: { target: 'ended', actions: [assign({ personId: undefined }), emit(reply({ key: 'menu.signingOut.done' }))] },
        onError: { target: 'failed' },
      },
    },
    ended: {
      description: 'Nothing more to do; any message starts again.',
      tags: ['awaitingInput', 'done'],
      on: { 'user.text': { target: 'routing' }, 'user.choice': { target: 'routing' } },
    },
    failed: {
      description: 'A service failed; apologises and starts again from the top on the next message.',
      tags: ['awaitingInput'],
      entry: emit(reply([{ key: 'common.technicalProblem' }])),
      on: { 'user.text': { target: 'routing' }, 'user.choice': { target: 'routing' } },
    },
  },
});

export type ResidentMachine = typeof residentMachine;

/**
 * Supplies the domain ports as the flow's actors (the engine binds them to the turn's transaction). The ports
 * of dialogue part 2 are optional here so that fakes written for part 1 still fit; a missing one fails the
 * turn with the "technical problem" apology if it is ever invoked.
 */
export function provideResidentPorts(ports: ResidentPorts & Partial<ResidentPart2Ports> & Partial<ReviewQuestionPorts>): ResidentMachine {
  return residentMachine.provide({
    actors: {
      acknowledgeNotice: fromPromise(({ input }: { input: { noticeVersion: string } }) => ports.acknowledgeNotice(input)),
      checkIdentity: fromPromise(({ input }: { input: CheckIdentityInput }) => ports.checkIdentity(input)),
      verifyFactor: fromPromise(({ input }: { input: VerifyFactorInput }) => ports.verifyFactor(input)),
      requestVisit: fromPromise(({ input }: { input: VisitRequestInput }) => ports.requestVisit(input)),
      campaignTask: fromPromise(async ({ input }: { input: { personId: string } }) => (ports.campaignTask ? ports.campaignTask(input) : null)),
      requestHuman: fromPromise(({ input }: { input: { reason: string } }) => ports.requestHuman(input)),
      getStatus: fromPromise(({ input }: { input: { personId: string } }) => ports.getStatus(input)),
      getDetails: fromPromise(({ input }: { input: { personId: string } }) => ports.getDetails(input)),
      confirmRegistration: fromPromise(({ input }: { input: { personId: string } }) => ports.confirmRegistration(input)),
      signOut: fromPromise(() => ports.signOut()),
      ...(ports.checkCorrection ? { checkCorrection: fromPromise(({ input }: { input: CheckCorrectionInput }) => ports.checkCorrection!(input)) } : {}),
      ...(ports.submitCorrection ? { submitCorrection: fromPromise(({ input }: { input: SubmitCorrectionInput }) => ports.submitCorrection!(input)) } : {}),
      ...(ports.getCoverage ? { getCoverage: fromPromise(({ input }: { input: { personId: string } }) => ports.getCoverage!(input)) } : {}),
      ...(ports.submitEmploymentReport
        ? { submitEmploymentReport: fromPromise(({ input }: { input: EmploymentReportInput }) => ports.submitEmploymentReport!(input)) }
        : {}),
      ...(ports.getHousehold ? { getHousehold: fromPromise(({ input }: { input: { personId: string } }) => ports.getHousehold!(input)) } : {}),
      ...(ports.checkMissingMember
        ? { checkMissingMember: fromPromise(({ input }: { input: { personId: string; idNumber: string } }) => ports.checkMissingMember!(input)) }
        : {}),
      ...(ports.reportMissingMember ? { reportMissingMember: fromPromise(({ input }: { input: ReportMemberInput }) => ports.reportMissingMember!(input)) } : {}),
      ...(ports.getOpenQuestions ? { getOpenQuestions: fromPromise(({ input }: { input: { personId: string } }) => ports.getOpenQuestions!(input)) } : {}),
      ...(ports.answerQuestion
        ? { answerQuestion: fromPromise(({ input }: { input: { personId: string; requestId: string; answer: string } }) => ports.answerQuestion!(input)) }
        : {}),
    },
  });
}
