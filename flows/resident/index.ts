import { assign, emit } from 'xstate';
import { readReference } from '../../src/domain/codes/reference';
import type { ResidentFlowPorts } from '../../src/domain/ports';
import { reply } from '../effects';
import { confirmState } from './confirm';
import { correctState } from './correct';
import { employmentState } from './employment';
import { householdState } from './household';
import { questionsState } from './questions';
import { requestsState } from './requests';
import { portActors, residentSetup } from './setup';
import { statusState } from './status';
import { verifyState } from './verify';
import { menuState, sessionStates, welcomeStates } from './welcome';

/**
 * The resident's dialogue: welcome and privacy notice, identity verification, then the menu (enrolment
 * status, confirm details, corrections with a field policy, employment report, missing household members),
 * with reviewers' questions asked after verification, and the progress of the resident's requests (查进度, from
 * anywhere). One slice per task (verify.ts, status.ts, ...), all built on the shared setup (setup.ts) with the
 * question helpers (ask.ts). Pure: domain work comes in as actors
 * through provideResidentPorts().
 *
 * State ids are what stored snapshots restore to. Bump RESIDENT_FLOW_VERSION when a change makes old snapshots
 * unsafe to restore (states renamed or removed, context reshaped); the engine then restarts such conversations
 * with an apology instead of restoring them.
 */
export const RESIDENT_FLOW_ID = 'resident';
export const RESIDENT_FLOW_VERSION = 3;

export { MAX_FAILURES, PRIVACY_NOTICE_VERSION, parseSince, type ResidentContext, type ResidentInput } from './setup';
export { CORRECTION_FIELDS } from './correct';
export { EMPLOYMENT_STATUSES, NON_ENROLMENT_REASONS } from '../../src/domain/ports';
export { RELATIONSHIPS } from './household';

export const residentMachine = residentSetup.createMachine({
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
    // 查进度 or a reference, from anywhere: a verified resident's own requests; anyone else verifies first.
    'user.progress': [
      { guard: 'isVerified', target: '.requests', actions: assign({ progressReference: ({ event }) => readReference(event.text) ?? undefined }) },
      { guard: 'isNoticeAcknowledged', target: '.verifying', actions: emit(reply({ key: 'requests.verifyFirst' })) },
      { target: '.welcome', actions: emit(reply({ key: 'requests.verifyFirst' })) },
    ],
  },
  states: {
    ...welcomeStates,
    verifying: verifyState,
    menu: menuState,
    status: statusState,
    confirm: confirmState,
    correct: correctState,
    employment: employmentState,
    household: householdState,
    questions: questionsState,
    requests: requestsState,
    afterVerification: {
      description: 'A chat opened from a campaign link goes straight to the task the campaign is about; others to the questions and menu.',
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
    ...sessionStates,
  },
});

export type ResidentMachine = typeof residentMachine;

/**
 * Supplies the domain ports as the flow's actors (the engine binds them to the turn's transaction). Every port
 * is required; a port that fails (or is missing at run time) fails the turn with the "technical problem" apology.
 */
export function provideResidentPorts(ports: ResidentFlowPorts): ResidentMachine {
  return residentMachine.provide({ actors: portActors(ports) });
}
