import { forSending } from '../../src/conversation/messages';
import { renderReply } from '../../src/conversation/render';
import { createI18n } from '../../src/lib/i18n';

/** A value read back to the resident in full (sensitive parameter) is masked in what the transcript stores. */
describe('renderReply with a sensitive parameter', () => {
  const i18n = createI18n();
  const summary = (lng: 'zh-CN' | 'en') =>
    renderReply(i18n, lng, {
      type: 'reply',
      parts: [
        { key: 'correct.confirmingChange.summary', params: { field: '$t(correct.fields.phone)', old: '138****1234', new: '13900110011' }, sensitive: { new: '139****0011' } },
        { key: 'understanding.faq.hotline.a' },
      ],
    });

  it.each(['zh-CN', 'en'] as const)('shows the new value in full and stores it masked (%s)', (lng) => {
    const m = summary(lng);
    expect(m.text).toContain('13900110011');
    expect(m.text).toContain('138****1234');
    expect(m.transcriptText).toContain('139****0011');
    expect(m.transcriptText).not.toContain('13900110011');
    const sent = forSending(m, '7');
    expect(sent).toEqual({ text: m.text, id: '7', sensitive: true });
  });

  it('redacts a phone that is not a sensitive parameter, and has no transcript text without one', () => {
    const m = renderReply(i18n, 'zh-CN', { type: 'reply', parts: [{ key: 'correct.confirmingChange.summary', params: { field: 'x', old: '13800001234', new: '13900110011' } }] });
    expect(m.text).not.toMatch(/1\d{10}/u);
    expect(m.transcriptText).toBeUndefined();
    expect(forSending(m, '8')).toEqual({ text: m.text, id: '8' });
  });
});
