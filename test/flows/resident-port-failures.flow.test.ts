import type { FlowEffect, FlowEvent } from '../../flows/effects';
import type { ResidentInput } from '../../flows/resident';
import type { ResidentFlowPorts } from '../../src/domain/ports';
import { ACKED, atMenu, choice, ID, NAME, started, text } from '../helpers/resident-flow';
import { DEFAULT_INPUT, GOOD_FACTOR, replies, replyKeys } from './fake-ports';

/**
 * The resident statechart on its own (fake ports, no database; helpers in test/helpers/resident-flow.ts).
 * A port that throws: an apology and a fresh start.
 */

describe('a port that fails', () => {
  it.each([
    ['acknowledgeNotice', DEFAULT_INPUT, [choice('agree')]],
    ['checkIdentity', ACKED, [text(ID), text(NAME)]],
    ['verifyFactor', ACKED, [text(ID), text(NAME), text(GOOD_FACTOR)]],
    ['requestHuman', ACKED, [{ type: 'user.human' }]],
  ] as [keyof ResidentFlowPorts, ResidentInput, FlowEvent[]][])('%s throwing: apologises, and the next message starts again', async (port, input, events) => {
    const { flow } = await started({ [port]: async () => Promise.reject(new Error('database down')) }, input);
    let last: FlowEffect[] = [];
    for (const e of events) last = await flow.send(e);
    expect(flow.state).toBe('failed');
    expect(replyKeys(last)).toEqual(['common.technicalProblem']);
    const again = await flow.send(text('你好'));
    expect(flow.snapshot.hasTag('awaitingInput')).toBe(true);
    expect(replies(again).length).toBeGreaterThan(0);
  });

  it.each(['getStatus', 'getDetails', 'confirmRegistration', 'signOut'] as const)('%s throwing after verification: apologises', async (port) => {
    const { flow } = await atMenu({ [port]: async () => Promise.reject(new Error('boom')) });
    let last = await flow.send(choice(port === 'getStatus' ? 'status' : port === 'signOut' ? 'signOut' : 'confirm'));
    if (port === 'confirmRegistration') last = await flow.send(choice('correct'));
    expect(flow.state).toBe('failed');
    expect(replyKeys(last).slice(-1)).toEqual(['common.technicalProblem']);
    await flow.send(text('hi'));
    expect(flow.state).toBe('menu.awaitingChoice'); // still verified
  });

  it('getRequestProgress throwing: apologises and keeps no reference asked about', async () => {
    const { flow } = await atMenu({ getRequestProgress: async () => Promise.reject(new Error('boom')) });
    const last = await flow.send({ type: 'user.progress', text: 'CR-7K4M-2Q9X' });
    expect(flow.state).toBe('failed');
    expect(replyKeys(last)).toEqual(['common.technicalProblem']);
    expect(flow.snapshot.context.progressReference).toBeUndefined();
  });
});
