import { assign, emit, fromPromise, setup } from 'xstate';
import { parseIdNumber } from '../src/domain/id-number';
import type {
  CheckIdentityInput,
  CheckIdentityResult,
  EnrolmentStatusView,
  MaskedDetails,
  RegistrationStatusCode,
  ResidentPorts,
  VerifyFactorInput,
  VerifyFactorResult,
  VerifyMethod,
} from '../src/domain/ports';
import { reply, type ChoiceOption, type FlowEffect, type FlowEvent, type TextPart } from './effects';

/**
 * The resident's dialogue: welcome and privacy notice, identity verification, then the menu (enrolment
 * status, confirm details, corrections). Pure: domain work comes in as actors through provideResidentPorts().
 *
 * Bump FLOW_VERSION when a change makes old snapshots unsafe to restore (states renamed or removed, context
 * reshaped); the engine then restarts such conversations with an apology instead of restoring them.
 */
export const RESIDENT_FLOW_ID = 'resident';
export const RESIDENT_FLOW_VERSION = 1;
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
  /** The person found by ID number and name who has no phone on record (for a home-visit request). */
  visitPersonId?: string;
  failures: number;
  status?: EnrolmentStatusView;
  details?: MaskedDetails;
  registrationStatus?: RegistrationStatusCode;
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
  opt('human', 'menu.awaitingChoice.optionHuman', 'answers.human'),
  opt('signOut', 'menu.awaitingChoice.optionSignOut', 'answers.signOut'),
];
const VISIT_OPTIONS = [
  opt('visit', 'verify.offeringVisit.optionVisit', 'answers.visit'),
  opt('human', 'verify.offeringVisit.optionHuman', 'answers.human'),
  opt('retry', 'verify.offeringVisit.optionRetry', 'answers.retry'),
];
const CONFIRM_OPTIONS = [
  opt('correct', 'confirm.confirmingDetails.optionAllCorrect', 'answers.yes'),
  opt('wrong', 'confirm.confirmingDetails.optionSomethingWrong', 'answers.no'),
  opt('menu', 'common.optionMenu', 'answers.menu'),
];
const AFTER_STATUS_OPTIONS = [
  opt('confirm', 'status.afterStatus.optionConfirm', 'answers.confirm'),
  opt('menu', 'common.optionMenu', 'answers.menu'),
];

/** Every question's prompt, keyed by the state it waits in; re-asked after a failed answer. */
const PROMPTS: Record<string, { parts: (ctx: ResidentContext) => TextPart[]; options?: ChoiceOption[]; example?: string }> = {
  awaitingNoticeAck: { parts: () => [{ key: 'welcome.awaitingNoticeAck.notice' }], options: NOTICE_OPTIONS },
  awaitingIdNumber: { parts: () => [{ key: 'verify.awaitingIdNumber.prompt' }], example: 'verify.awaitingIdNumber.example' },
  awaitingName: { parts: () => [{ key: 'verify.awaitingName.prompt' }], example: 'verify.awaitingName.example' },
  awaitingFactor: {
    parts: (c) => [{ key: c.verifyMethod === 'sms' ? 'verify.awaitingFactor.promptSms' : 'verify.awaitingFactor.promptPhone' }],
    example: 'verify.awaitingFactor.example',
  },
  offeringVisit: { parts: () => [{ key: 'verify.offeringVisit.prompt' }], options: VISIT_OPTIONS },
  awaitingChoice: { parts: () => [{ key: 'menu.awaitingChoice.prompt' }], options: MENU_OPTIONS },
  afterStatus: { parts: () => [{ key: 'status.afterStatus.prompt' }], options: AFTER_STATUS_OPTIONS },
  confirmingDetails: { parts: () => [{ key: 'confirm.confirmingDetails.prompt' }], options: CONFIRM_OPTIONS },
};

function prompt(state: string, ctx: ResidentContext, lead: TextPart[] = []): FlowEffect {
  const p = PROMPTS[state];
  if (!p) throw new Error(`no prompt for ${state}`);
  return reply([...lead, ...p.parts(ctx)], p.options);
}

/** The re-ask after a failed answer; on the MAX_FAILURES-th, an explanation with an example and a human offered. */
function reask(state: string, ctx: ResidentContext, problem: TextPart): FlowEffect {
  const p = PROMPTS[state];
  if (!p) throw new Error(`no prompt for ${state}`);
  if (ctx.failures >= MAX_FAILURES) {
    const explain: TextPart[] = [{ key: p.example ?? 'common.explainChoices' }, { key: 'common.offerHuman' }];
    return reply([problem, ...explain], p.options);
  }
  return reply([problem, ...p.parts(ctx)], p.options);
}

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
    requestVisit: notProvided<void, { personId: string; reason: string }>('requestVisit'),
    requestHuman: notProvided<void, { reason: string }>('requestHuman'),
    getStatus: notProvided<EnrolmentStatusView, { personId: string }>('getStatus'),
    getDetails: notProvided<MaskedDetails, { personId: string }>('getDetails'),
    confirmRegistration: notProvided<{ registrationStatus: RegistrationStatusCode }, { personId: string }>('confirmRegistration'),
    signOut: notProvided<void, void>('signOut'),
  },
  guards: {
    isNoticeAcknowledged: ({ context }) => context.noticeAcknowledged,
    isVerified: ({ context }) => Boolean(context.personId),
    isValidIdNumber: ({ event }) => event.type === 'user.text' && parseIdNumber(event.text).ok,
    isPlausibleName: ({ event }) =>
      event.type === 'user.text' && /^[\p{L}\p{M}·•.\s'-]{1,40}$/u.test(event.text.trim()) && /\p{L}/u.test(event.text),
    isFactorFormat: ({ context, event }) =>
      event.type === 'user.text' && (context.verifyMethod === 'sms' ? /^\d{6}$/ : /^\d{4}$/).test(event.text.replace(/\s/g, '')),
  },
  actions: {
    resetFailures: assign({ failures: 0 }),
    noteFailure: assign({ failures: ({ context }) => context.failures + 1 }),
    clearPending: assign({ pendingIdNumber: undefined, pendingName: undefined }),
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
      always: [{ guard: 'isVerified', target: 'menu' }, { target: 'verifying' }],
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
              { guard: ({ event }) => event.output.next === 'LOCKED', target: 'locked' },
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
            'user.choice': { actions: ['noteFailure', emit(({ context }) => reask('awaitingFactor', context, { key: 'verify.awaitingFactor.errorPhone' }))] },
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
                target: '#resident.menu',
                actions: [
                  assign({ personId: ({ event }) => (event.output.ok ? event.output.personId : undefined) }),
                  emit(reply({ key: 'verify.verified.success' })),
                ],
              },
              { guard: ({ event }) => !event.output.ok && event.output.reason === 'LOCKED', target: 'locked' },
              { target: 'awaitingIdNumber', actions: emit(reply({ key: 'verify.failed.mismatch' })) },
            ],
            onError: { target: '#resident.failed' },
          },
        },
        offeringVisit: {
          description: 'No phone on record: the person cannot verify remotely; offers a home visit or a human.',
          tags: ['awaitingInput'],
          entry: ['resetFailures', emit(({ context }) => prompt('offeringVisit', context))],
          on: {
            'user.choice': [
              { guard: ({ event }) => event.value === 'visit', target: 'requestingVisit' },
              { guard: ({ event }) => event.value === 'human', target: '#resident.handingOff' },
              { guard: ({ event }) => event.value === 'retry', target: 'awaitingIdNumber' },
            ],
            'user.text': { actions: ['noteFailure', emit(({ context }) => reask('offeringVisit', context, { key: 'common.pleaseChoose' }))] },
          },
        },
        requestingVisit: {
          description: 'Puts the person on the household-visit list (NEEDS_VISIT with the reason).',
          invoke: {
            src: 'requestVisit',
            input: ({ context }) => ({ personId: context.visitPersonId ?? '', reason: 'NO_PHONE_ON_RECORD' }),
            onDone: { target: '#resident.ended', actions: emit(reply({ key: 'verify.requestingVisit.done' })) },
            onError: { target: '#resident.failed' },
          },
        },
        locked: {
          description: 'Too many failed verifications: locked for a day; a human can still help.',
          tags: ['awaitingInput'],
          entry: emit(reply([{ key: 'verify.locked.message' }, { key: 'common.offerHuman' }])),
          on: { 'user.text': { actions: emit(reply([{ key: 'verify.locked.message' }, { key: 'common.offerHuman' }])) } },
        },
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
      description: 'Corrections arrive with the correction flow (dialogue part 2); until then the bot says so plainly.',
      always: { target: 'menu', actions: emit(reply({ key: 'correct.unavailable.message' })) },
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

/** Supplies the domain ports as the flow's actors (the engine binds them to the turn's transaction). */
export function provideResidentPorts(ports: ResidentPorts): ResidentMachine {
  return residentMachine.provide({
    actors: {
      acknowledgeNotice: fromPromise(({ input }: { input: { noticeVersion: string } }) => ports.acknowledgeNotice(input)),
      checkIdentity: fromPromise(({ input }: { input: CheckIdentityInput }) => ports.checkIdentity(input)),
      verifyFactor: fromPromise(({ input }: { input: VerifyFactorInput }) => ports.verifyFactor(input)),
      requestVisit: fromPromise(({ input }: { input: { personId: string; reason: string } }) => ports.requestVisit(input)),
      requestHuman: fromPromise(({ input }: { input: { reason: string } }) => ports.requestHuman(input)),
      getStatus: fromPromise(({ input }: { input: { personId: string } }) => ports.getStatus(input)),
      getDetails: fromPromise(({ input }: { input: { personId: string } }) => ports.getDetails(input)),
      confirmRegistration: fromPromise(({ input }: { input: { personId: string } }) => ports.confirmRegistration(input)),
      signOut: fromPromise(() => ports.signOut()),
    },
  });
}
