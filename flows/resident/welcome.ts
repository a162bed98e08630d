import { assign, emit } from 'xstate';
import { reply } from '../effects';
import type { SchemeFocus } from '../../src/domain/ports';
import { askChoice, each } from './ask';
import { ask, FOCUS_TYPES, opt, says } from './prompts';
import { MAX_FAILURES, PRIVACY_NOTICE_VERSION, residentSetup } from './setup';

/**
 * The way in and the way out: the privacy notice and its acknowledgement, routing to verification or the menu,
 * the menu itself, handing off to a human, signing out, the end and the apology after a failed service.
 */

/**
 * The notice offers the other language only (its label, rendered in the conversation's language, names it:
 * English in Chinese, 中文 in English), so the language the resident is reading is never offered.
 */
const NOTICE = says('welcome.awaitingNoticeAck.notice', {
  options: [
    opt('agree', 'welcome.awaitingNoticeAck.optionAgree', 'answers.yes'),
    opt('language', 'welcome.awaitingNoticeAck.optionLanguage', 'answers.otherLanguage'),
  ],
});

export const welcomeStates = {
  welcome: residentSetup.createStateConfig({
    description: 'Decides whether the privacy notice still has to be shown.',
    always: [{ guard: 'isNoticeAcknowledged', target: 'routing' }, { target: 'awaitingNoticeAck' }],
  }),
  awaitingNoticeAck: askChoice({
    description: 'Shows what is collected, why and for how long, and waits for the acknowledgement or a language choice.',
    prompt: NOTICE,
    lead: [{ key: 'welcome.awaitingNoticeAck.greeting' }],
    routes: {
      agree: 'recordingNotice',
      language: { actions: [emit({ type: 'setLocale', locale: 'other' }), emit(({ context }) => ask(NOTICE, context))] },
      // The values offered before the single language option, still routed for conversations saved then.
      english: { actions: [emit({ type: 'setLocale', locale: 'en' }), emit(({ context }) => ask(NOTICE, context))] },
      chinese: { actions: [emit({ type: 'setLocale', locale: 'zh-CN' }), emit(({ context }) => ask(NOTICE, context))] },
    },
  }),
  recordingNotice: residentSetup.createStateConfig({
    description: 'Records the acknowledgement with the notice version and time.',
    invoke: {
      src: 'acknowledgeNotice',
      input: { noticeVersion: PRIVACY_NOTICE_VERSION },
      onDone: { target: 'routing', actions: assign({ noticeAcknowledged: true }) },
      onError: { target: 'failed' },
    },
  }),
  routing: residentSetup.createStateConfig({
    description: 'Goes to the menu when the chat is bound to a verified person, otherwise to verification.',
    always: [{ guard: 'isVerified', target: 'questions' }, { target: 'verifying' }],
  }),
};

/** The menu's choices: each labelled menu.awaitingChoice.option<Value> and also chosen by the words of answers.<value>. */
const MENU_OPTIONS = (['status', 'confirm', 'correct', 'employment', 'household', 'human', 'signOut'] as const).map((v) =>
  opt(v, `menu.awaitingChoice.option${v[0]!.toUpperCase()}${v.slice(1)}`, `answers.${v}`),
);

export const menuState = residentSetup.createStateConfig({
  description: 'The main menu of a verified resident.',
  initial: 'awaitingChoice',
  states: {
    awaitingChoice: askChoice({
      description: 'Waits for a menu choice.',
      prompt: says('menu.awaitingChoice.prompt', { options: MENU_OPTIONS, hint: 'number' }),
      routes: {
        status: '#resident.status',
        confirm: '#resident.confirm',
        correct: '#resident.correct',
        employment: '#resident.employment',
        household: '#resident.household',
        human: '#resident.handingOff',
        signOut: '#resident.signingOut',
        // 改手机号 (the understanding layer's `correct:phone`): straight to the new number.
        'correct:phone': { to: '#resident.correct.enteringValue', save: () => ({ correction: { field: 'phone' as const } }) },
        // Asked in words about one scheme (the understanding layer's `status:<focus>`): the status, that scheme first.
        ...each(
          Object.keys(FOCUS_TYPES).map((f) => `status:${f}`),
          { to: '#resident.status', save: (_c, v) => ({ statusFocus: v.split(':')[1] as SchemeFocus }) },
        ),
      },
    }),
  },
});

export const sessionStates = {
  handingOff: residentSetup.createStateConfig({
    description: 'Hands the conversation to a human (12333 agent) and tells the resident what happens next.',
    invoke: {
      src: 'requestHuman',
      input: ({ context }) => ({ reason: context.handoffReason ?? (context.failures >= MAX_FAILURES ? 'REPEATED_FAILURES' : 'RESIDENT_ASKED') }),
      onDone: { target: 'routingAfterHandoff', actions: [assign({ handoffReason: undefined }), emit(reply({ key: 'common.handoff.requested' }))] },
      onError: { target: 'failed', actions: assign({ handoffReason: undefined }) },
    },
  }),
  routingAfterHandoff: residentSetup.createStateConfig({
    description: 'Returns to where a resident can go on while waiting for the human.',
    always: [{ guard: 'isVerified', target: 'menu' }, { guard: 'isNoticeAcknowledged', target: 'verifying' }, { target: 'awaitingNoticeAck' }],
  }),
  signingOut: residentSetup.createStateConfig({
    description: 'Ends the binding of this chat to the person.',
    invoke: {
      src: 'signOut',
      onDone: { target: 'ended', actions: [assign({ personId: undefined }), emit(reply({ key: 'menu.signingOut.done' }))] },
      onError: { target: 'failed' },
    },
  }),
  ended: residentSetup.createStateConfig({
    description: 'Nothing more to do; any message starts again.',
    tags: ['awaitingInput', 'done'],
    on: { 'user.text': { target: 'routing' }, 'user.choice': { target: 'routing' } },
  }),
  failed: residentSetup.createStateConfig({
    description: 'A service failed; apologises and starts again from the top on the next message.',
    tags: ['awaitingInput'],
    entry: emit(reply([{ key: 'common.technicalProblem' }])),
    on: {
      'user.text': { target: 'routing' },
      'user.choice': { target: 'routing' },
      'user.human': { target: 'handingOff', actions: assign({ handoffReason: 'FLOW_FAILED' as const }) },
    },
  }),
};
