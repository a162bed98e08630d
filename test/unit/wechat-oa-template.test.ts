import { AccessTokenCache } from '../../src/channels/wechat-oa/access-token';
import { PassiveReplyLedger } from '../../src/channels/wechat-oa/passive-reply-ledger';
import { WechatApiError, type WechatApi } from '../../src/channels/wechat-oa/wechat-api';
import { WechatOaSender } from '../../src/channels/wechat-oa/wechat-oa-sender';
import { fixedClock } from '../../src/lib/clock';

/** Campaign reminders outside the 48-hour window go as official-account template messages. */
function sender(api: WechatApi) {
  return new WechatOaSender({ api, tokens: new AccessTokenCache(api, fixedClock('2026-12-01T02:00:00Z')), ledger: new PassiveReplyLedger(), decisionWaitMs: 10 });
}

describe('WechatOaSender template messages', () => {
  const base = {
    fetchAccessToken: async () => ({ accessToken: 'tok', expiresInSeconds: 7200 }),
    sendCustomText: async () => {
      throw new Error('custom text must not be used for a template message');
    },
  };

  it('sends a message with wechatTemplate through the template API, the text in the first field', async () => {
    const calls: unknown[] = [];
    const api: WechatApi = { ...base, sendTemplate: async (token, openId, t) => void calls.push({ token, openId, ...t }) };
    await sender(api).send('openid-1', { text: '张*请点链接核对', wechatTemplate: { templateId: 'TPL1', url: 'https://rs.example.cn/chat?c=AAAAAAAAAAAAAAAA' } });
    expect(calls).toEqual([{ token: 'tok', openId: 'openid-1', templateId: 'TPL1', url: 'https://rs.example.cn/chat?c=AAAAAAAAAAAAAAAA', text: '张*请点链接核对' }]);
  });

  it('a refusal no retry can fix (43004 unsubscribed) is permanent; an API without templates is permanent', async () => {
    const refusing: WechatApi = {
      ...base,
      sendTemplate: async () => {
        throw new WechatApiError(43004, 'require subscribe');
      },
    };
    await expect(sender(refusing).send('o', { text: 'x', wechatTemplate: { templateId: 'T', url: 'u' } })).rejects.toMatchObject({ permanent: true });
    await expect(sender(base).send('o', { text: 'x', wechatTemplate: { templateId: 'T', url: 'u' } })).rejects.toMatchObject({ permanent: true });
  });
});
