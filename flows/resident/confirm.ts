import { assign, emit } from 'xstate';
import { reply } from '../effects';
import { askChoice, callPort } from './ask';
import { detailsParts, MENU_OPTION, opt, says } from './prompts';
import { residentSetup } from './setup';

/** The masked record, confirmed directly or reported wrong (then the correction dialogue). */
export const confirmState = residentSetup.createStateConfig({
  description: 'Shows the masked record and lets the resident confirm it or report that something is wrong.',
  initial: 'loadingDetails',
  states: {
    loadingDetails: callPort('Loads the masked record.', {
      src: 'getDetails',
      input: ({ context }) => ({ personId: context.personId ?? '' }),
      onDone: { target: 'confirmingDetails', actions: [assign({ details: ({ event }) => event.output }), emit(({ event }) => reply(detailsParts(event.output)))] },
    }),
    confirmingDetails: askChoice({
      description: 'Waits for "all correct", "something is wrong" or the menu.',
      prompt: says('confirm.confirmingDetails.prompt', {
        options: [
          opt('correct', 'confirm.confirmingDetails.optionAllCorrect', 'answers.yes'),
          opt('wrong', 'confirm.confirmingDetails.optionSomethingWrong', 'answers.no'),
          MENU_OPTION,
        ],
      }),
      exit: assign({ details: undefined }),
      routes: { correct: 'confirmingRegistration', wrong: '#resident.correct', menu: '#resident.menu' },
    }),
    confirmingRegistration: callPort('Confirms the registration directly (CONFIRMED, audited).', {
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
    }),
  },
});
