import { forSending } from '../../src/conversation/messages';
import { renderReply } from '../../src/conversation/render';
import { createI18n } from '../../src/lib/i18n';

/** No reply carries a full ID number or phone (DOMAIN.md): the renderer masks any that reaches it, whatever the part. */
describe('renderReply masks ID numbers and phones', () => {
  const i18n = createI18n();
  it.each(['zh-CN', 'en'] as const)('a correction summary given full numbers shows them masked (%s)', (lng) => {
    const m = renderReply(i18n, lng, {
      type: 'reply',
      parts: [
        { key: 'correct.confirmingChange.summary', params: { field: '$t(correct.fields.phone)', old: '13800001234', new: '13900110011' } },
        { key: 'correct.confirmingChange.summary', params: { field: '$t(correct.fields.idNumber)', old: '11010519491231002X', new: '530102199003071234' } },
      ],
    });
    expect(m.text).not.toMatch(/1\d{10}/u);
    expect(m.text).not.toMatch(/\d{17}[\dX]/u);
    expect(m.text).toContain('139****0011');
    expect(forSending(m, '8')).toEqual({ text: m.text, id: '8' });
  });
});
