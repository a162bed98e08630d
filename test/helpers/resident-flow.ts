import type { FlowEffect, FlowEvent } from '../../flows/effects';
import type { ResidentInput } from '../../flows/resident';
import type { ResidentFlowPorts } from '../../src/domain/ports';
import { createFakePorts, DEFAULT_INPUT, FlowDriver, GOOD_FACTOR, replies } from '../flows/fake-ports';

/**
 * The resident statechart on its own (test/flows/resident-*.flow.test.ts): fake ports through
 * provideResidentPorts(), effects collected from the actor, no database. One behaviour per test, each on its
 * own actor; these helpers start one and walk it to the factor question or the menu.
 */

export const ID = '530102199003071238';
export const NAME = '张三';
export const text = (t: string): FlowEvent => ({ type: 'user.text', text: t });
export const choice = (value: string): FlowEvent => ({ type: 'user.choice', value });
export const ACKED: ResidentInput = { noticeAcknowledged: true, verifyMethod: 'phone_last4' };

export async function started(overrides: Partial<ResidentFlowPorts> = {}, input: ResidentInput = DEFAULT_INPUT) {
  const fake = createFakePorts(overrides);
  const flow = new FlowDriver(fake.ports, input);
  const first = await flow.start();
  return { flow, calls: fake.calls, first };
}

/** A flow that has got as far as the factor question. */
export async function atFactor(overrides: Partial<ResidentFlowPorts> = {}, input: ResidentInput = ACKED) {
  const s = await started(overrides, input);
  await s.flow.send(text(ID));
  await s.flow.send(text(NAME));
  return s;
}

/** A verified flow at the menu. */
export async function atMenu(overrides: Partial<ResidentFlowPorts> = {}) {
  const s = await atFactor(overrides);
  await s.flow.send(text(GOOD_FACTOR));
  expect(s.flow.state).toBe('menu.awaitingChoice');
  return s;
}

export const optionValues = (effects: FlowEffect[]) => replies(effects).flatMap((r) => (r.options ?? []).map((o) => o.value));
