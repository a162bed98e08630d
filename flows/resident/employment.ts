import { assign, emit } from 'xstate';
import { parseCreditCode } from '../../src/domain/codes/credit-code';
import { EMPLOYMENT_STATUSES, ENROLMENT_INTENTIONS as INTENTIONS, NON_ENROLMENT_REASONS, type EmploymentStatusCode, type EnrolmentIntentionCode, type NonEnrolmentReasonCode } from '../../src/domain/ports';
import { reply, type TextPart } from '../effects';
import { askChoice, askText, callPort, each } from './ask';
import { MENU_OPTION, opt, says } from './prompts';
import { checkSince, EARLIEST_SINCE_YEAR, parseSince, residentSetup, tidyText, type EmploymentDraft, type GuardName, type ResidentContext } from './setup';

const SKIP = [opt('skip', 'employment.optionSkip', 'employment.answers.skip')];
/** The report so far with more answers (the status is always chosen first). */
const adding = (c: ResidentContext, more: Partial<EmploymentDraft>) => ({ employment: { status: 'OTHER' as const, ...c.employment, ...more } });
/** A status chosen: a new report. */
const starting = (_c: ResidentContext, status: string) => ({ employment: { status: status as EmploymentStatusCode } });

/**
 * A question answered in a few words (employer, work, business, reason): prompt, example and error under
 * employment.<state>; the tidied text saved as `field`. With `skip`, the skip option goes on to `to` as well.
 */
function workText(state: string, description: string, valid: GuardName, field: 'employer' | 'platformWork' | 'reasonText', to: string, skip?: typeof SKIP) {
  return askText({
    description,
    prompt: says(`employment.${state}.prompt`, { example: `employment.${state}.example`, ...(skip ? { options: skip } : {}) }),
    ...(skip ? { choices: { skip: to } } : {}),
    valid,
    to,
    save: (c, text) => adding(c, { [field]: tidyText(text) }),
    error: { key: `employment.${state}.error` },
  });
}

/** The report read back before it is stored: each answer given, one line each. */
function reportSummary(c: ResidentContext): TextPart[] {
  const e = c.employment;
  const reason = e?.nonEnrolmentReason === 'OTHER' && e.reasonText ? e.reasonText : e?.nonEnrolmentReason ? `$t(employment.awaitingReason.option_${e.nonEnrolmentReason})` : undefined;
  const lines: [string, string | undefined][] = [
    ['status', `$t(reference.employment.${e?.status ?? 'OTHER'})`],
    ['employer', e?.employer],
    ['creditCode', e?.employerCreditCode],
    ['platformWork', e?.platformWork],
    ['since', e?.since?.slice(0, 7) ?? '$t(employment.confirmingReport.sinceUnknown)'],
    ['reason', reason],
    ['intention', e?.intention ? `$t(employment.awaitingIntention.option_${e.intention})` : undefined],
  ];
  return [
    { key: 'employment.confirmingReport.header' },
    ...lines.filter(([, v]) => v).map(([label, value]) => ({ key: 'employment.confirmingReport.line', params: { label: `$t(employment.confirmingReport.label_${label})`, value: value! } })),
    { key: 'employment.confirmingReport.prompt' },
  ];
}

function reasonPrompt(c: ResidentContext) {
  const cov = c.employment?.coverage;
  const which = cov && !cov.hasPayingPension && !cov.hasPayingMedical ? 'Both' : cov && !cov.hasPayingPension ? 'Pension' : 'Medical';
  return [{ key: `employment.awaitingReason.prompt${which}` }];
}

/** The resident reports their work: status, then what fits it, since when, and why they are not insured if they are not. */
export const employmentState = residentSetup.createStateConfig({
  description: 'The resident reports their work: status, then what fits it, since when, and why they are not insured if they are not.',
  initial: 'awaitingEmploymentStatus',
  exit: 'clearEmployment',
  states: {
    awaitingEmploymentStatus: askChoice({
      description: 'Waits for the employment status (numbered list of eight).',
      prompt: says('employment.awaitingEmploymentStatus.prompt', {
        options: EMPLOYMENT_STATUSES.map((v) => opt(v, `reference.employment.${v}`, `employment.answers.${v}`)),
      }),
      entry: ['clearEmployment'],
      routes: {
        ...each(EMPLOYMENT_STATUSES, { to: 'awaitingSince', save: starting }),
        EMPLOYED: { to: 'awaitingEmployerName', save: starting },
        FLEXIBLE: { to: 'awaitingPlatformWork', save: starting },
        SELF_EMPLOYED: { to: 'awaitingBusinessName', save: starting },
      },
    }),
    awaitingEmployerName: workText('awaitingEmployerName', 'EMPLOYED: waits for the name of the employer.', 'isEmployerName', 'employer', 'awaitingCreditCode'),
    awaitingCreditCode: askText({
      description: "EMPLOYED: waits for the employer's 18-character unified social credit code, or skip.",
      prompt: says('employment.awaitingCreditCode.prompt', { options: SKIP, example: 'employment.awaitingCreditCode.example' }),
      choices: { skip: 'awaitingSince' },
      valid: 'isValidCreditCode',
      to: 'awaitingSince',
      save: (c, text) => {
        const r = parseCreditCode(text);
        return adding(c, r.ok ? { employerCreditCode: r.code } : {});
      },
      error: (_c, text) => {
        const r = parseCreditCode(text);
        return { key: `employment.awaitingCreditCode.error_${r.ok ? 'BAD_CHECK' : r.error}` };
      },
    }),
    awaitingPlatformWork: workText('awaitingPlatformWork', 'FLEXIBLE: waits for a short description of the platform or gig work.', 'isWorkDescription', 'platformWork', 'awaitingSince'),
    awaitingBusinessName: workText('awaitingBusinessName', 'SELF_EMPLOYED: waits for the name of the business, or skip.', 'isEmployerName', 'employer', 'awaitingSince', SKIP),
    awaitingSince: askText({
      description: 'Waits for since when (YYYY-MM or YYYY-MM-DD, not after this month nor before 1940), or "not sure".',
      prompt: says('employment.awaitingSince.prompt', {
        options: [opt('unknown', 'employment.awaitingSince.optionUnknown', 'employment.answers.unknown')],
        example: 'employment.awaitingSince.example',
      }),
      choices: { unknown: 'checkingCoverage' },
      valid: 'isStartMonth',
      to: 'checkingCoverage',
      save: (c, text) => adding(c, { since: parseSince(text) ?? undefined }),
      // A month after this one, or before 1940, is understood and refused with why; anything else is not understood.
      error: (_c, text, e) => {
        const r = checkSince(text, e.type === 'user.text' ? e.at : undefined);
        return r.ok || r.error === 'UNREADABLE' ? { key: 'employment.awaitingSince.error' } : { key: `employment.awaitingSince.error_${r.error}`, params: { year: EARLIEST_SINCE_YEAR } };
      },
    }),
    checkingCoverage: callPort('Looks whether the person pays a pension and a medical insurance; if not, the reason is asked.', {
      src: 'getCoverage',
      input: ({ context }) => ({ personId: context.personId ?? '' }),
      onDone: [
        {
          guard: ({ event }) => !event.output.hasPayingPension || !event.output.hasPayingMedical,
          target: 'awaitingReason',
          actions: assign(({ context, event }) => adding(context, { coverage: event.output })),
        },
        { target: 'confirmingReport' },
      ],
    }),
    awaitingReason: askChoice({
      description: 'Not insured for pension or medical care: waits for the main reason (numbered list).',
      prompt: { parts: reasonPrompt, options: NON_ENROLMENT_REASONS.map((v) => opt(v, `employment.awaitingReason.option_${v}`)) },
      routes: {
        ...each(NON_ENROLMENT_REASONS, { to: 'awaitingIntention', save: (c, v) => adding(c, { nonEnrolmentReason: v as NonEnrolmentReasonCode }) }),
        OTHER: { to: 'awaitingReasonText', save: (c) => adding(c, { nonEnrolmentReason: 'OTHER' }) },
      },
    }),
    awaitingReasonText: workText('awaitingReasonText', 'Reason "other": waits for the reason in a few words.', 'isReasonText', 'reasonText', 'awaitingIntention'),
    awaitingIntention: askChoice({
      description: 'Waits for whether the person would like to enrol (yes, no, not sure).',
      prompt: says('employment.awaitingIntention.prompt', {
        options: INTENTIONS.map((v) =>
          opt(v, `employment.awaitingIntention.option_${v}`, v === 'YES' ? 'answers.yes' : v === 'NO' ? 'answers.no' : 'employment.answers.unsure'),
        ),
      }),
      routes: each(INTENTIONS, { to: 'confirmingReport', save: (c, v) => adding(c, { intention: v as EnrolmentIntentionCode }) }),
    }),
    confirmingReport: askChoice({
      description: 'Reads the report back and waits for the confirmation (or to start it again, or the menu).',
      prompt: {
        parts: reportSummary,
        options: [
          opt('submit', 'employment.confirmingReport.optionSubmit', 'answers.yes'),
          opt('reenter', 'employment.confirmingReport.optionReenter', 'employment.answers.reenter'),
          MENU_OPTION,
        ],
      },
      routes: { submit: 'submittingReport', reenter: 'awaitingEmploymentStatus', menu: '#resident.menu' },
    }),
    submittingReport: callPort('Stores the report and updates the person (a contradiction with the enrolments is flagged for staff).', {
      src: 'submitEmploymentReport',
      input: ({ context }) => {
        const { coverage: _coverage, ...e } = context.employment ?? { status: 'OTHER' as const };
        const answered = Object.entries(e).filter(([, v]) => v !== undefined && v !== '');
        return { personId: context.personId ?? '', ...(Object.fromEntries(answered) as Omit<EmploymentDraft, 'coverage'>) };
      },
      onDone: [
        {
          guard: ({ context }) => context.employment?.intention === 'YES',
          target: '#resident.menu',
          actions: emit(reply([{ key: 'employment.submittingReport.done' }, { key: 'employment.submittingReport.adviceEnrol' }])),
        },
        { target: '#resident.menu', actions: emit(reply({ key: 'employment.submittingReport.done' })) },
      ],
    }),
  },
});
