import type { ResidentFlowPorts } from '../../src/domain/ports';
import { ACKED, atFactor, atMenu, choice, ID, started, text } from '../helpers/resident-flow';
import { type FlowDriver, replies, replyKeys } from './fake-ports';

/**
 * The resident statechart on its own (fake ports, no database; helpers in test/helpers/resident-flow.ts).
 * Commands that work at every waiting state (menu, human).
 */

describe('from anywhere', () => {
  /** Ways to reach a waiting state, with whether the resident is verified there. */
  const places: [string, (o?: Partial<ResidentFlowPorts>) => Promise<{ flow: FlowDriver; calls: { port: string }[] }>, string][] = [
    ['the notice', () => started(), 'awaitingNoticeAck'],
    ['the ID number', () => started({}, ACKED), 'verifying.awaitingIdNumber'],
    ['the name', async () => {
      const s = await started({}, ACKED);
      await s.flow.send(text(ID));
      return s;
    }, 'verifying.awaitingIdNumber'],
    ['the factor', () => atFactor(), 'verifying.awaitingIdNumber'],
    ['the menu', () => atMenu(), 'menu.awaitingChoice'],
    ['the status', async () => {
      const s = await atMenu();
      await s.flow.send(choice('status'));
      return s;
    }, 'menu.awaitingChoice'],
    ['the details', async () => {
      const s = await atMenu();
      await s.flow.send(choice('confirm'));
      return s;
    }, 'menu.awaitingChoice'],
  ];

  it.each(places)('user.menu at %s goes to the start of where the resident may be', async (_where, reach, expected) => {
    const { flow } = await reach();
    const effects = await flow.send({ type: 'user.menu' });
    expect(flow.state).toBe(expected);
    expect(replies(effects).length).toBeGreaterThan(0);
    expect(flow.snapshot.context.pendingIdNumber).toBeUndefined();
  });

  it.each(places)('user.human at %s asks for a human and tells the resident', async (_where, reach) => {
    const { flow, calls } = await reach();
    const effects = await flow.send({ type: 'user.human' });
    expect(calls.filter((c) => c.port === 'requestHuman')).toEqual([{ port: 'requestHuman', input: { reason: 'RESIDENT_ASKED' } }]);
    expect(replyKeys(effects)[0]).toBe('common.handoff.requested');
    expect(flow.snapshot.hasTag('awaitingInput')).toBe(true);
  });
});
