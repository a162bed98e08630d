import { CORRECTION_FIELDS, MAX_FAILURES } from '../../flows/resident';
import type { CheckCorrectionInput, CheckCorrectionResult, CorrectableField, SubmitCorrectionResult } from '../../src/domain/ports';
import { CORRECTION_ERRORS } from '../../src/domain/ports';
import { LOCALES } from '../../src/lib/i18n';
import { atMenu, fakePorts, Flow, i18n, keys, lastOptions, PERSON, render } from '../helpers/resident-reports';

/**
 * What a verified resident reports, on fake ports (test/helpers/resident-reports.ts); every reply rendered in both languages.
 * Corrections: direct and reviewed, region lists, every refusal.
 */

describe('corrections', () => {
  it('offers the ten fields in order, numbered, from the menu and from "something is wrong"', async () => {
    const { flow } = await atMenu();
    const fields = await flow.choose('correct');
    expect(flow.state).toBe('correct.awaitingField');
    expect(lastOptions(fields)).toEqual([...CORRECTION_FIELDS]);
    expect(CORRECTION_FIELDS).toEqual(['name', 'sex', 'birthDate', 'idNumber', 'ethnicity', 'phone', 'residenceRegion', 'residenceAddress', 'hukouRegion', 'hukouAddress']);

    const { flow: f2 } = await atMenu();
    await f2.choose('confirm');
    expect(f2.state).toBe('confirm.confirmingDetails');
    const again = await f2.choose('wrong');
    expect(f2.state).toBe('correct.awaitingField');
    expect(lastOptions(again)).toEqual([...CORRECTION_FIELDS]);
  });

  it('a DIRECT field: value → old vs new → confirm → applied without asking for evidence', async () => {
    const { flow, callsOf } = await atMenu({
      checkCorrection: async ({ value }) => ({ ok: true, value: value.replace(/\s/g, ''), policy: 'DIRECT', oldDisplay: '138****1234', newDisplay: '139****5678', retype: true }),
    });
    await flow.choose('correct');
    const ask = await flow.choose('phone');
    expect(keys(ask)).toEqual(['correct.awaitingValue.prompt_phone']);
    expect(flow.state).toBe('correct.enteringValue.awaitingValue');

    // No reply shows the new number in full (DOMAIN.md): it is typed a second time instead, however spaced.
    const again = await flow.text('139 1234 5678');
    expect(callsOf('checkCorrection')).toEqual([{ personId: PERSON, field: 'phone', value: '139 1234 5678' }]);
    expect(flow.state).toBe('correct.enteringValue.repeatingValue');
    expect(keys(again)).toEqual(['correct.repeatingValue.prompt']);
    const shown = await flow.text('+86 139-1234-5678');
    expect(flow.state).toBe('correct.confirmingChange');
    expect(keys(shown)).toEqual(['correct.confirmingChange.summary', 'correct.confirmingChange.promptDirect']);
    expect(shown[0]!.parts[0]!.params).toEqual({ field: '$t(correct.fields.phone)', old: '138****1234', new: '139****5678' });
    expect(lastOptions(shown)).toEqual(['submit', 'reenter', 'menu']);
    expect(render(shown, 'zh-CN')).toContain('原来：138****1234');
    expect(render(shown, 'en')).toContain('New: 139****5678');

    const done = await flow.choose('submit');
    expect(callsOf('submitCorrection')).toEqual([{ personId: PERSON, field: 'phone', value: '13912345678' }]);
    expect(keys(done)).toEqual(['correct.submittingChange.applied', 'menu.awaitingChoice.prompt']);
    expect(done[0]!.parts[0]!.params).toEqual({ field: '$t(correct.fields.phone)' });
    expect(flow.state).toBe('menu.awaitingChoice');
    expect(flow.context.correction).toBeUndefined();
  });

  it.each([
    ['phone', '13912345678', '13912345679'],
    ['idNumber', '11010519491231002x', '110105194912310028'],
  ])('a new %s typed differently the second time is asked for anew (a failure); the same one goes on', async (field, first, other) => {
    const { flow, callsOf } = await atMenu({
      checkCorrection: async ({ value }) => ({ ok: true, value: value.toUpperCase(), policy: 'DIRECT', newDisplay: 'masked', retype: true }),
    });
    await flow.choose('correct');
    await flow.choose(field);
    await flow.text(first);
    const differ = await flow.text(other);
    expect(keys(differ)).toEqual(['correct.repeatingValue.error', `correct.awaitingValue.prompt_${field}`]);
    expect(flow.state).toBe('correct.enteringValue.awaitingValue');
    expect(flow.context.failures).toBe(1);
    expect(flow.context.correction).toEqual({ field });
    await flow.text(first);
    await flow.text(` ${first.toUpperCase()} `);
    expect(flow.state).toBe('correct.confirmingChange');
    expect(callsOf('checkCorrection')).toHaveLength(2);
  });

  it('a new residence region applied: the street address is offered next (change it, or keep it and see the menu)', async () => {
    const { flow } = await atMenu({
      checkCorrection: async ({ value }) => ({ ok: true, value, policy: 'DIRECT', newDisplay: '盘龙区' }),
      submitCorrection: async () => ({ outcome: 'APPLIED', next: 'residenceAddress' }),
    });
    await flow.choose('correct');
    await flow.choose('residenceRegion');
    await flow.text('530103');
    const offer = await flow.choose('submit');
    expect(keys(offer)).toEqual(['correct.submittingChange.applied', 'correct.offeringNext.prompt_residenceAddress']);
    expect(lastOptions(offer)).toEqual(['change', 'keep']);
    expect(render(offer, 'zh-CN')).toContain('现在改详细地址吗');
    expect(render(offer, 'en')).toContain('Change the address now?');
    const ask = await flow.choose('change');
    expect(keys(ask)).toEqual(['correct.awaitingValue.prompt_residenceAddress']);
    expect(flow.context.correction).toEqual({ field: 'residenceAddress' });
    await flow.send({ type: 'user.menu' });
    await flow.choose('correct');
    await flow.choose('residenceRegion');
    await flow.text('530103');
    await flow.choose('submit');
    const kept = await flow.choose('keep');
    expect(keys(kept)).toEqual(['menu.awaitingChoice.prompt']);
  });

  it('a REVIEWED field: asks for a short explanation, submits it, tells the reference and the date', async () => {
    const { flow, callsOf } = await atMenu({
      checkCorrection: async ({ value }) => ({ ok: true, value, policy: 'REVIEWED', oldDisplay: '张*', newDisplay: value }),
    });
    await flow.choose('correct');
    await flow.choose('name');
    const shown = await flow.text('张三丰');
    expect(keys(shown)).toContain('correct.confirmingChange.promptReviewed');
    const ask = await flow.choose('submit');
    expect(keys(ask)).toEqual(['correct.awaitingEvidence.prompt']);
    expect(flow.state).toBe('correct.awaitingEvidence');

    const tooShort = await flow.text('x');
    expect(keys(tooShort)).toEqual(['correct.awaitingEvidence.error', 'correct.awaitingEvidence.prompt']);
    const done = await flow.text('户口本上是这个名字');
    expect(callsOf('submitCorrection')).toEqual([{ personId: PERSON, field: 'name', value: '张三丰', evidence: '户口本上是这个名字' }]);
    expect(keys(done)).toEqual(['correct.submittingChange.submitted', 'common.receipt', 'menu.awaitingChoice.prompt']);
    expect(render(done, 'zh-CN')).toContain('CR261129ABCDEF');
    expect(render(done, 'zh-CN')).toContain('3个工作日');
    expect(render(done, 'en')).toMatch(/3 working days \(by 2026-12-03\).*CR261129ABCDEF/s);
  });

  it('sex is a numbered choice', async () => {
    const { flow, callsOf } = await atMenu();
    await flow.choose('correct');
    const ask = await flow.choose('sex');
    expect(lastOptions(ask)).toEqual(['MALE', 'FEMALE']);
    await flow.choose('FEMALE');
    expect(callsOf('checkCorrection')).toEqual([{ personId: PERSON, field: 'sex', value: 'FEMALE' }]);
    expect(flow.state).toBe('correct.confirmingChange');
  });

  /** Errors that go back to the field list: nothing to change, or a value only the ID number decides. */
  const BACK_TO_FIELDS: readonly string[] = ['UNCHANGED', 'SEX_CONTRADICTS_ID', 'BIRTH_DATE_CONTRADICTS_ID'];
  const REFUSALS: CheckCorrectionResult[] = CORRECTION_ERRORS.filter((e) => !BACK_TO_FIELDS.includes(e)).map((error) => ({ ok: false, error }));

  it.each(REFUSALS.map((r) => [r.ok ? '' : r.error, r]))('refusal %s: its own message, then the question again', async (error, result) => {
    const { flow } = await atMenu({ checkCorrection: async () => result });
    await flow.choose('correct');
    await flow.choose('phone');
    const again = await flow.text('whatever');
    expect(keys(again)).toEqual([`correct.awaitingValue.error_${error}`, 'correct.awaitingValue.prompt_phone']);
    expect(flow.state).toBe('correct.enteringValue.awaitingValue');
  });

  it(`after ${MAX_FAILURES} refused values: explains with an example and offers a human; a good value goes on`, async () => {
    let n = 0;
    const { flow } = await atMenu({
      checkCorrection: async ({ value }): Promise<CheckCorrectionResult> =>
        ++n <= MAX_FAILURES ? { ok: false, error: 'BAD_PHONE' } : { ok: true, value, policy: 'DIRECT', newDisplay: value, retype: true },
    });
    await flow.choose('correct');
    await flow.choose('phone');
    await flow.text('1');
    await flow.text('2');
    const third = await flow.text('3');
    expect(keys(third)).toEqual(['correct.awaitingValue.error_BAD_PHONE', 'correct.awaitingValue.example_phone', 'common.offerHuman']);
    await flow.text('13912345678');
    expect(flow.state).toBe('correct.enteringValue.repeatingValue');
    await flow.text('13912345678');
    expect(flow.state).toBe('correct.confirmingChange');
  });

  it.each(BACK_TO_FIELDS)('%s: its own message, then the field list again (not the same question)', async (error) => {
    const { flow } = await atMenu({ checkCorrection: async () => ({ ok: false, error }) as CheckCorrectionResult });
    await flow.choose('correct');
    await flow.choose('ethnicity');
    const same = await flow.text('彝族');
    expect(keys(same)).toEqual([`correct.awaitingValue.error_${error}`, 'correct.awaitingField.prompt']);
    expect(flow.state).toBe('correct.awaitingField');
  });

  it('ALREADY_PENDING names the open request and returns to the menu', async () => {

    const { flow: f2 } = await atMenu({ checkCorrection: async () => ({ ok: false, error: 'ALREADY_PENDING', reference: 'CR261128AAAAAA' }) });
    await f2.choose('correct');
    await f2.choose('name');
    const pending = await f2.text('李四');
    expect(keys(pending)).toEqual(['correct.checkingValue.alreadyPending', 'menu.awaitingChoice.prompt']);
    expect(render(pending, 'en')).toContain('CR261128AAAAAA');
  });

  it('a region name with several matches: a numbered list; a wrong number is re-asked, the right one is checked as its code', async () => {
    const matches = [
      { code: '530302104', label: '曲靖市麒麟区东山镇' },
      { code: '532532101', label: '红河哈尼族彝族自治州河口瑶族自治县东山镇' },
    ];
    const check = async ({ value }: CheckCorrectionInput): Promise<CheckCorrectionResult> =>
      /^\d{9}$/.test(value) ? { ok: true, value, policy: 'DIRECT', newDisplay: matches.find((m) => m.code === value)!.label } : { ok: false, error: 'CHOOSE_REGION', matches };
    const { flow, callsOf } = await atMenu({ checkCorrection: check });
    await flow.choose('correct');
    await flow.choose('residenceRegion');
    const list = await flow.text('东山镇');
    expect(flow.state).toBe('correct.enteringValue.choosingRegion');
    expect(keys(list)).toEqual(['correct.choosingRegion.prompt', 'correct.choosingRegion.match', 'correct.choosingRegion.match', 'correct.choosingRegion.hint']);
    expect(list[0]!.options).toBeUndefined();
    expect(render(list, 'zh-CN')).toContain('2. 红河哈尼族彝族自治州河口瑶族自治县东山镇');

    const wrong = await flow.text('7');
    expect(keys(wrong)[0]).toBe('correct.choosingRegion.error');
    expect(flow.state).toBe('correct.enteringValue.choosingRegion');

    const picked = await flow.text('2');
    expect(callsOf('checkCorrection').at(-1)).toEqual({ personId: PERSON, field: 'residenceRegion', value: '532532101' });
    expect(flow.state).toBe('correct.confirmingChange');
    expect(render(picked, 'zh-CN')).toContain('改为：红河哈尼族彝族自治州河口瑶族自治县东山镇');
  });

  it('"enter it again" asks for the value again; the menu leaves and forgets the draft', async () => {
    const { flow } = await atMenu();
    await flow.choose('correct');
    await flow.choose('hukouAddress');
    await flow.text('五华区华山街道西仓坡5号');
    const again = await flow.choose('reenter');
    expect(keys(again)).toEqual(['correct.awaitingValue.prompt_hukouAddress']);
    await flow.text('五华区华山街道西仓坡6号');
    await flow.choose('menu');
    expect(flow.state).toBe('menu.awaitingChoice');
    expect(flow.context.correction).toBeUndefined();
  });

  it('a value refused at submission (the record changed meanwhile) asks again', async () => {
    const { flow } = await atMenu({
      checkCorrection: async ({ value }) => ({ ok: true, value, policy: 'DIRECT', newDisplay: value }),
      submitCorrection: async (): Promise<SubmitCorrectionResult> => ({ outcome: 'REFUSED', error: 'UNCHANGED' }),
    });
    await flow.choose('correct');
    await flow.choose('residenceAddress');
    await flow.text('华山街道西仓坡5号');
    const r = await flow.choose('submit');
    expect(keys(r)).toEqual(['correct.awaitingValue.error_UNCHANGED', 'correct.awaitingValue.prompt_residenceAddress']);
  });

  it('the snapshot survives a JSON round trip in the middle of a correction', async () => {
    const f = fakePorts();
    const flow = new Flow(f.ports);
    await flow.start();
    await flow.choose('correct');
    await flow.choose('birthDate');
    await flow.text('1990-03-08');
    expect(flow.state).toBe('correct.confirmingChange');
    const restored = new Flow(f.ports, flow.persisted());
    await restored.start();
    expect(restored.state).toBe('correct.confirmingChange');
    await restored.choose('submit');
    await restored.text('出生证明上是3月8日');
    expect(f.callsOf('submitCorrection')).toEqual([{ personId: PERSON, field: 'birthDate', value: '1990-03-08', evidence: '出生证明上是3月8日' }]);
    flow.stop();
    restored.stop();
  });

  it.each(CORRECTION_FIELDS.map((f) => [f]))('field %s has a prompt and an example in both languages', async (field: CorrectableField) => {
    for (const lng of LOCALES) {
      for (const k of [`correct.awaitingValue.prompt_${field}`, `correct.awaitingValue.example_${field}`, `correct.fields.${field}`]) {
        expect([lng, k, i18n.exists(k, { lng })]).toEqual([lng, k, true]);
      }
    }
  });
});
