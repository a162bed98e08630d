import {
  maskAddress,
  maskIdNumber,
  maskIdNumberForStaff,
  maskName,
  maskPhone,
  redactDeep,
  redactSensitive,
} from '../../src/domain/codes/masking';
import { maskFieldForStaff } from '../../src/domain/registry/person-fields';

const digitsOf = (s: string): string => s.replace(/\D/g, '');

describe('maskIdNumber (chat)', () => {
  test.each([
    ['530102199003071238', '5***************38'],
    ['11010519491231002X', '1***************2X'],
    ['530102900307123', '5************23'],
    [' 530102199003071238 ', '5***************38'],
    ['123456', '1***56'],
    ['12345', '*****'],
    ['', ''],
  ])('%j -> %j', (id, masked) => {
    expect(maskIdNumber(id)).toBe(masked);
  });
});

describe('maskIdNumberForStaff', () => {
  test.each([
    ['530102199003071238', '530102********1238'],
    ['11010519491231002X', '110105********002X'],
    ['530102900307123', '530102*****7123'],
    ['12345678901234', '1***********34'],
    ['', ''],
  ])('%j -> %j', (id, masked) => {
    expect(maskIdNumberForStaff(id)).toBe(masked);
  });
});

describe('maskPhone', () => {
  test.each([
    ['13812341234', '138****1234'],
    ['+86 138 1234 1234', '138****1234'],
    ['138-1234-1234', '138****1234'],
    ['12345678', '12****78'],
    ['1234', '1**4'],
    ['12', '*2'],
    ['1', '*'],
    ['', ''],
    ['0871-65123456', '087*******456'],
  ])('%j -> %j', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  test.each([['1'], ['12'], ['123'], ['1234567'], ['1234567890'], ['123456789012'], ['1-2-3-4'], ['12 34 56'], ['abc12']])(
    'odd input %j never reveals more than half of its digits',
    (phone) => {
      const visible = digitsOf(maskPhone(phone)).length;
      expect(visible).toBeLessThanOrEqual(Math.floor(digitsOf(phone).length / 2));
    },
  );
});

describe('maskName', () => {
  test.each([
    ['张三丰', '张**'],
    ['张三', '张*'],
    ['张', '*'],
    ['欧阳娜娜', '欧***'],
    ['Li Wei', 'L*****'],
    ['  李四 ', '李*'],
    ['阿卜杜拉·买买提', '阿*******'],
    ['𠮷田', '𠮷*'],
    ['', ''],
  ])('%j -> %j', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });
});

describe('maskAddress', () => {
  test.each([
    ['云南省昆明市五华区华山街道12号3栋201', '云南省昆明市五华区******'],
    ['云南省昆明市五华区华山西路', '云南省昆明市******'],
    ['北京市朝阳区建国路88号', '北京市朝阳区******'],
    ['昆明市五华区', '昆明市***'],
    ['五华区', '五**'],
    ['A', '*'],
    ['', ''],
  ])('%j -> %j', (address, masked) => {
    expect(maskAddress(address)).toBe(masked);
  });

  test('never shows more than 6 stars, so the tail length does not leak', () => {
    const long = '云南省昆明市五华区华山街道'.repeat(5);
    expect(maskAddress(long)).toMatch(/[^*]\*{6}$/);
  });

  test.each([
    ['云南省昆明市五华区华山街道12号3栋201'],
    ['昆明市五华区'],
    ['123 Main Street, Springfield'],
  ])('never shows more than half of %j', (address) => {
    const shown = Array.from(maskAddress(address).replace(/\*+$/, '')).length;
    expect(shown).toBeLessThanOrEqual(Math.floor(Array.from(address).length / 2));
  });
});

describe('redactSensitive', () => {
  test.each([
    ['my id is 530102199003071238', 'my id is 5***************38'],
    ['身份证号530102199003071238，谢谢', '身份证号5***************38，谢谢'],
    ['id 11010519491231002x ok', 'id 1***************2X ok'],
    ['old id 530102900307123', 'old id 5************23'],
    ['spaced 530102 19900307 1238', 'spaced 5***************38'],
    ['call 13812341234 please', 'call 138****1234 please'],
    ['手机：13812341234。', '手机：138****1234。'],
    ['call +8613812341234', 'call 138****1234'],
    ['call +86 138 1234 1234', 'call 138****1234'],
    ['call 138-1234-1234', 'call 138****1234'],
    [
      'id 530102199003071238 phone 13912345678',
      'id 5***************38 phone 139****5678',
    ],
    ['13812341234,530102199003071238', '138****1234,5***************38'],
  ])('%j -> %j', (text, redacted) => {
    expect(redactSensitive(text)).toBe(redacted);
  });

  test.each([
    ['short number', 'code 1234'],
    ['date', 'appointment on 2026-11-29 at 10:00'],
    ['compact date', 'born 19900307'],
    ['reference number', 'ref CB-2026-000123'],
    ['long reference number', 'order 20261129000123456789'],
    ['12-digit run starting with 138', 'x 138123412345 y'],
    ['mobile-like digits inside a longer run', 'acct 9913812341234'],
    ['16-digit run', 'card 1234567890123456'],
    ['landline', '0871-65123456'],
    ['second digit 2', '12812341234'],
    ['empty', ''],
    ['plain Chinese', '我想参保'],
  ])('leaves %s alone: %j', (_label, text) => {
    expect(redactSensitive(text)).toBe(text);
  });

  test('is idempotent', () => {
    const once = redactSensitive('id 530102199003071238 phone 13812341234');
    expect(redactSensitive(once)).toBe(once);
  });
});

describe('maskFieldForStaff (person view and review detail)', () => {
  test.each([
    ['idNumber', '530102199003071238', '530102********1238'],
    ['name', '张三丰', '张**'],
    ['birthDate', '1990-03-07', '1990-**-**'],
    ['phone', '13812341234', '138****1234'],
    ['residenceAddress', '云南省昆明市五华区华山街道12号3栋201', '云南省昆明市五华区******'],
    ['hukouAddress', '云南省昆明市五华区华山街道12号3栋201', '云南省昆明市五华区******'],
    ['sex', 'FEMALE', 'FEMALE'],
    ['residenceRegion', '530102', '530102'],
  ])('%s: %s -> %s', (field, value, masked) => {
    expect(maskFieldForStaff(field, value)).toBe(masked);
  });
});

describe('redactDeep', () => {
  it('redacts every string inside objects, arrays and errors', () => {
    const out = redactDeep({ a: ['身份证 530102199003071238'], b: { c: '电话13812341234' }, e: new Error('id 530102199003071238') }) as {
      a: string[];
      b: { c: string };
      e: { type: string; message: string };
    };
    expect(out.a[0]).toBe('身份证 5***************38');
    expect(out.b.c).toBe('电话138****1234');
    expect(out.e).toMatchObject({ type: 'Error', message: 'id 5***************38' });
  });
});
