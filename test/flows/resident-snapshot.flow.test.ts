import type { FlowEvent } from '../../flows/effects';
import { choice, ID, NAME, text } from '../helpers/resident-flow';
import { createFakePorts, DEFAULT_INPUT, FlowDriver, GOOD_FACTOR } from './fake-ports';

/**
 * The resident statechart on its own (fake ports, no database; helpers in test/helpers/resident-flow.ts).
 * The stored snapshot restores to the same flow at every waiting state.
 */

describe('snapshot JSON round trip', () => {
  /** A walk through the main path; at every waiting state the stored snapshot must continue identically. */
  const walk: FlowEvent[] = [
    text('?'),
    choice('language'),
    choice('agree'),
    text('bad'),
    text(ID),
    text(NAME),
    text(GOOD_FACTOR),
    text('?'),
    choice('status'),
    choice('confirm'),
    choice('correct'),
    { type: 'user.human' },
    choice('signOut'),
    text('again'),
    { type: 'user.menu' },
  ];

  it('restoring the stored snapshot at every waiting state gives the same next effects and state', async () => {
    const original = createFakePorts();
    const flow = new FlowDriver(original.ports, DEFAULT_INPUT);
    await flow.start();
    for (const event of walk) {
      expect(flow.snapshot.hasTag('awaitingInput')).toBe(true);
      const stored = flow.persisted();
      const restored = new FlowDriver(createFakePorts().ports, DEFAULT_INPUT, stored);
      const onRestore = await restored.start();
      expect(onRestore).toEqual([]); // entry actions are not replayed
      expect(restored.state).toBe(flow.state);
      expect(restored.persisted()).toEqual(stored);

      const expected = await flow.send(event);
      const actual = await restored.send(event);
      expect(actual).toEqual(expected);
      expect(restored.state).toBe(flow.state);
      expect(restored.persisted()).toEqual(flow.persisted());
      restored.stop();
    }
  });
});
