import { parseMobilePhone } from '../../src/domain/codes/phone';

describe('parseMobilePhone', () => {
  test.each([
    ['13812341234', '13812341234'],
    ['  13812341234 ', '13812341234'],
    ['138 1234 1234', '13812341234'],
    ['138-1234-1234', '13812341234'],
    ['+8613812341234', '13812341234'],
    ['+86 138 1234 1234', '13812341234'],
    ['+86-138-1234-1234', '13812341234'],
    ['8613812341234', '13812341234'],
    ['86 13812341234', '13812341234'],
    ['008613812341234', '13812341234'],
    ['(+86) 138 1234 1234', '13812341234'],
    ['１３８１２３４１２３４', '13812341234'],
    ['＋86 138－1234－1234', '13812341234'],
    ['19912345678', '19912345678'],
    ['14712345678', '14712345678'],
  ])('%j -> %s', (raw, phone) => {
    expect(parseMobilePhone(raw)).toEqual({ ok: true, phone });
  });

  test.each([
    ['empty', ''],
    ['too short', '1381234123'],
    ['too long', '138123412345'],
    ['second digit 2', '12812341234'],
    ['second digit 0', '10812341234'],
    ['does not start with 1', '23812341234'],
    ['landline', '0871-65123456'],
    ['other country code', '+85213812341234'],
    ['+86 with a short number', '+861381234123'],
    ['86 prefix without a mobile number', '86123'],
    ['letters', '138abcd1234'],
    ['dots', '138.1234.1234'],
    ['text', 'my phone'],
    ['ID number', '530102199003071238'],
  ])('%s: %j -> BAD_PHONE', (_label, raw) => {
    expect(parseMobilePhone(raw)).toEqual({ ok: false, error: 'BAD_PHONE' });
  });
});
