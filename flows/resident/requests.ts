import { emit } from 'xstate';
import { reply } from '../effects';
import { callPort } from './ask';
import { progressParts } from './prompts';
import { residentSetup } from './setup';

/** How the resident's requests stand (查进度, or a reference sent), then any reviewer's question, then the menu. */
export const requestsState = residentSetup.createStateConfig({
  description: "Tells a verified resident how their own requests stand: the one whose reference they sent, or their latest few.",
  initial: 'loadingRequests',
  states: {
    loadingRequests: callPort("Loads the resident's own requests (another person's reference is answered as not found).", {
      src: 'getRequestProgress',
      input: ({ context }) => ({ personId: context.personId ?? '', ...(context.progressReference ? { reference: context.progressReference } : {}) }),
      onDone: {
        target: '#resident.questions',
        actions: [emit(({ context, event }) => reply(progressParts(event.output, context.progressReference))), 'clearProgressReference'],
      },
      onError: { target: '#resident.failed', actions: 'clearProgressReference' },
    }),
  },
});
