import { assign, emit } from 'xstate';
import { reply } from '../effects';
import { askChoice, callPort } from './ask';
import { MENU_OPTION, opt, says, statusParts } from './prompts';
import { residentSetup } from './setup';

/** The enrolment status per insurance type and what to do about gaps. */
export const statusState = residentSetup.createStateConfig({
  description: 'Shows the enrolment status per insurance type and what to do about gaps.',
  initial: 'loadingStatus',
  states: {
    loadingStatus: callPort('Loads the enrolment view of the verified person.', {
      src: 'getStatus',
      input: ({ context }) => ({ personId: context.personId ?? '' }),
      onDone: { target: 'afterStatus', actions: [assign({ status: ({ event }) => event.output }), emit(({ context, event }) => reply(statusParts(event.output, context.statusFocus)))] },
    }),
    afterStatus: askChoice({
      description: 'Offers to confirm the details or go back to the menu.',
      prompt: says('status.afterStatus.prompt', { options: [opt('confirm', 'status.afterStatus.optionConfirm', 'answers.confirm'), MENU_OPTION] }),
      exit: assign({ status: undefined, statusFocus: undefined }),
      routes: { confirm: '#resident.confirm', menu: '#resident.menu' },
    }),
  },
});
