import { assign, emit } from 'xstate';
import { chinaDateTime } from '../../src/domain/calendar/china-time';
import { parseIdNumber } from '../../src/domain/codes/id-number';
import { reply } from '../effects';
import { askChoice, askText, callPort } from './ask';
import { ask, keyedQuestion, opt, says, type Prompt } from './prompts';
import { residentSetup, type ResidentContext } from './setup';

/** The error sentence for a second factor in the wrong format (last 4 phone digits, or a 6-digit SMS code). */
const factorError = (c: ResidentContext) => ({ key: c.verifyMethod === 'sms' ? 'verify.awaitingFactor.errorSms' : 'verify.awaitingFactor.errorPhone' });
/** China time of an ISO instant, as MM-DD HH:mm. */
const chinaTime = (iso: string) => chinaDateTime(new Date(iso)).slice(5);

const VISIT = opt('visit', 'verify.offeringVisit.optionVisit', 'answers.visit');
const HUMAN = opt('human', 'verify.offeringVisit.optionHuman', 'answers.human');

/** The lock: when it ends, the commonest cause (a changed phone) and where to update it; a visit or a person offered. */
const LOCKED: Prompt = {
  parts: (c) => [
    { key: 'verify.locked.message' },
    ...(c.lockedUntil ? [{ key: 'verify.locked.until', params: { time: chinaTime(c.lockedUntil) } }] : []),
    { key: 'verify.locked.phoneChanged' },
  ],
  options: [VISIT, HUMAN],
};

/** After a wrong answer: ID number and name are kept, the tries left are said from the third failure on. */
const mismatch = (triesLeft: number | undefined) =>
  reply([
    { key: 'verify.failed.mismatchFactor' },
    ...(triesLeft !== undefined && triesLeft <= 2 ? [{ key: 'verify.failed.triesLeft', params: { count: triesLeft } }] : []),
    { key: 'verify.failed.reenterHint' },
  ]);

/** The factor question, which also takes a new ID number (a resident who mistyped it starts again from there). */
function factorQuestion() {
  const q = askText({
    description: 'Waits for the second factor: last 4 digits of the phone on record, or an SMS code (or a new ID number to start again).',
    prompt: {
      parts: (c) => [{ key: c.verifyMethod === 'sms' ? 'verify.awaitingFactor.promptSms' : 'verify.awaitingFactor.promptPhone' }],
      example: 'verify.awaitingFactor.example',
    },
    valid: 'isFactorFormat',
    to: 'verifyingFactor',
    error: factorError,
  });
  const onText = q.on!['user.text'] as unknown[];
  const again = {
    guard: 'isValidIdNumber' as const,
    target: 'awaitingName',
    actions: assign(({ event }) => {
      const r = parseIdNumber(event.type === 'user.text' ? event.text : '');
      return { pendingIdNumber: r.ok ? r.idNumber : undefined, pendingName: undefined };
    }),
  };
  return { ...q, on: { ...q.on, 'user.text': [again, ...onText] } } as typeof q;
}

/** Identity verification before anything personal is shown: ID number, name, second factor (or a home visit). */
export const verifyState = residentSetup.createStateConfig({
  description: 'Identity verification before anything personal is shown.',
  initial: 'awaitingIdNumber',
  exit: 'clearPending',
  states: {
    awaitingIdNumber: askText({
      description: 'Waits for the 18-digit (or old 15-digit) citizen ID number.',
      prompt: says('verify.awaitingIdNumber.prompt', { example: 'verify.awaitingIdNumber.example' }),
      entry: ['clearPending'],
      valid: 'isValidIdNumber',
      to: 'awaitingName',
      save: (_c, text) => {
        const r = parseIdNumber(text);
        return { pendingIdNumber: r.ok ? r.idNumber : undefined };
      },
      error: (_c, text) => {
        const r = parseIdNumber(text);
        return { key: `verify.awaitingIdNumber.error_${r.ok ? 'BAD_CHECK' : r.error}` };
      },
      choiceError: { key: 'verify.awaitingIdNumber.error_BAD_LENGTH' },
    }),
    awaitingName: askText({
      description: 'Waits for the full name as registered.',
      ...keyedQuestion('verify.awaitingName'),
      valid: 'isPlausibleName',
      to: 'checkingIdentity',
      save: (_c, text) => ({ pendingName: text.trim() }),
    }),
    checkingIdentity: callPort('Decides what to ask next without revealing whether the ID number exists.', {
      src: 'checkIdentity',
      input: ({ context }) => ({ idNumber: context.pendingIdNumber ?? '', name: context.pendingName ?? '' }),
      onDone: [
        {
          guard: ({ event }) => event.output.next === 'LOCKED',
          target: 'locked',
          actions: [assign({ lockedUntil: ({ event }) => (event.output.next === 'LOCKED' ? event.output.lockedUntil : undefined) }), 'noteLockedCounty'],
        },
        {
          guard: ({ event }) => event.output.next === 'NO_PHONE',
          target: 'offeringVisit',
          actions: assign({ visitPersonId: ({ event }) => (event.output.next === 'NO_PHONE' ? event.output.personId : undefined) }),
        },
        { target: 'awaitingFactor' },
      ],
    }),
    awaitingFactor: factorQuestion(),
    verifyingFactor: callPort('Checks ID number, name and factor together; every mismatch gets the same answer.', {
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
        {
          guard: ({ event }) => !event.output.ok && event.output.reason === 'LOCKED',
          target: 'locked',
          actions: [assign({ lockedUntil: ({ event }) => (event.output.ok ? undefined : event.output.lockedUntil) }), 'noteLockedCounty'],
        },
        { target: 'awaitingFactor', actions: emit(({ event }) => mismatch(event.output.ok ? undefined : event.output.triesLeft)) },
      ],
    }),
    offeringVisit: askChoice({
      description: 'No phone on record: the person cannot verify remotely; offers a home visit or a human.',
      prompt: says('verify.offeringVisit.prompt', {
        options: [VISIT, HUMAN, opt('retry', 'verify.offeringVisit.optionRetry', 'answers.retry')],
      }),
      entry: ['clearPending'],
      routes: {
        visit: { to: 'awaitingVisitDetails', save: () => ({ visit: { reason: 'NO_PHONE_ON_RECORD' } }) },
        human: { to: '#resident.handingOff', save: () => ({ handoffReason: 'NO_PHONE_ON_RECORD' }) },
        retry: 'awaitingIdNumber',
      },
    }),
    awaitingVisitDetails: askText({
      description: "Waits for how to reach the resident (a phone, theirs or a relative's) and when to come.",
      prompt: says('verify.awaitingVisitDetails.prompt', { example: 'verify.awaitingVisitDetails.example' }),
      valid: 'isVisitDetails',
      to: 'requestingVisit',
      save: (c, text) => ({ visit: { reason: 'NO_PHONE_ON_RECORD', ...c.visit, details: text.trim().slice(0, 300) } }),
      error: { key: 'verify.awaitingVisitDetails.error' },
    }),
    requestingVisit: callPort('Records the visit request for the community workers of the region (and NEEDS_VISIT for a known person).', {
      src: 'requestVisit',
      input: ({ context }) => ({
        ...(context.visitPersonId ? { personId: context.visitPersonId } : {}),
        ...(context.visit?.regionHint ? { regionHint: context.visit.regionHint } : {}),
        reason: context.visit?.reason ?? 'NO_PHONE_ON_RECORD',
        details: context.visit?.details ?? '',
      }),
      onDone: { target: '#resident.ended', actions: emit(reply({ key: 'verify.requestingVisit.done' })) },
    }),
    locked: {
      description: 'Too many failed verifications: locked for a day; a home visit or a human can still help.',
      tags: ['awaitingInput'],
      entry: ['clearPending', emit(({ context }) => ask(LOCKED, context))],
      on: {
        'user.choice': [
          { guard: ({ event }) => event.value === 'visit', target: 'awaitingVisitDetails' },
          { guard: ({ event }) => event.value === 'human', target: '#resident.handingOff', actions: assign({ handoffReason: 'VERIFICATION_LOCKED' as const }) },
        ],
        'user.text': { actions: emit(({ context }) => ask(LOCKED, context)) },
        'user.human': { target: '#resident.handingOff', actions: assign({ handoffReason: 'VERIFICATION_LOCKED' as const }) },
      },
    },
  },
});
