import { redactSensitive } from '../../src/domain/codes/masking';
import type { ResidentFlowPorts } from '../../src/domain/ports';
import { LOCALES } from '../../src/lib/i18n';
import { atMenu, fakePorts, Flow, i18n, keys } from '../helpers/resident-reports';

/**
 * What a verified resident reports, on fake ports (test/helpers/resident-reports.ts); every reply rendered in both languages.
 * Robustness of the report flows: locale texts, snapshots, failing ports.
 */

describe('robustness', () => {
  it('no text of the report locale files would be altered by the outbound redaction (no ID- or phone-like examples)', () => {
    const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : []);
    for (const lng of LOCALES) {
      for (const ns of ['correct', 'employment', 'household']) {
        for (const text of strings(i18n.t(ns, { lng, returnObjects: true }))) expect(redactSensitive(text)).toBe(text);
      }
    }
  });

  it('a failing report port apologises and starts again', async () => {
    const { flow } = await atMenu({
      checkCorrection: async () => {
        throw new Error('db down');
      },
    });
    await flow.choose('correct');
    await flow.choose('phone');
    const r = await flow.text('13912345678');
    expect(keys(r)).toEqual(['common.technicalProblem']);
    expect(flow.state).toBe('failed');
  });

  it('a port missing at run time (the type requires every port) apologises', async () => {
    const { ports } = fakePorts();
    const { checkCorrection: _a, submitCorrection: _b, getCoverage: _c, submitEmploymentReport: _d, getHousehold: _e, checkMissingMember: _f, reportMissingMember: _g, ...session } = ports;
    const flow = new Flow(session as ResidentFlowPorts);
    await flow.start();
    const r = await flow.choose('household');
    expect(keys(r)).toEqual(['common.technicalProblem']);
  });

  it('free text where a choice is expected is re-asked in every new question', async () => {
    const { flow } = await atMenu();
    await flow.choose('correct');
    expect(keys(await flow.text('随便'))).toEqual(['common.pleaseChoose', 'correct.awaitingField.prompt']);
    await flow.send({ type: 'user.menu' });
    await flow.choose('employment');
    expect(keys(await flow.text('随便'))).toEqual(['common.pleaseChoose', 'employment.awaitingEmploymentStatus.prompt']);
    await flow.send({ type: 'user.menu' });
    await flow.choose('household');
    expect(keys(await flow.text('随便'))).toEqual(['common.pleaseChoose', 'household.awaitingHouseholdChoice.prompt']);
  });
});
