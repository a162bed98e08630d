import { regionChainName, regionChainNameEn, regionNameEn } from '../../src/domain/registry/region-names';

describe('region names a person reads', () => {
  it('reads a township with its parents in Chinese, largest first', () => {
    expect(regionChainName('530102001')).toBe('昆明市五华区华山街道');
    expect(regionChainName('530000')).toBe('云南省');
  });

  it('reads the same chain in English, smallest first, in pinyin with the kind of region', () => {
    expect(regionChainNameEn('530102001')).toBe('Huashan Subdistrict, Wuhua District, Kunming City');
    expect(regionChainNameEn('530000')).toBe('Yunnan Province');
    expect(regionChainNameEn('530102001001')).toBe('530102001001, Huashan Subdistrict, Wuhua District, Kunming City');
  });

  it.each([
    ['楚雄彝族自治州', 'Chuxiong Yi Autonomous Prefecture'],
    ['孟连傣族拉祜族佤族自治县', 'Menglian Dai Lahu Wa Autonomous County'],
    ['基诺山基诺族乡', 'Jinuoshan Jinuo Township'],
    ['勐罕镇', 'Menghan Town'],
    ['耿马华侨农场', 'Gengmahuaqiao Farm'],
  ])('names %s in English as %s', (zh, en) => {
    expect(regionNameEn(zh)).toBe(en);
  });

  it('leaves a code the data does not know as the code', () => {
    expect(regionChainNameEn('999999')).toBe('999999');
    expect(regionChainName('999999')).toBe('999999');
  });
});
