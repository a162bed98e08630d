/** Insurance type codes (docs/domain.md); configurable in a province's deployment, fixed here for Yunnan. */
export const INSURANCE_TYPES = ['110', '120', '170', '210', '310', '390', '410', '510'] as const;
export type InsuranceType = (typeof INSURANCE_TYPES)[number];
/** Basic pension schemes (paying one counts as covered) and basic medical schemes. */
export const PENSION_TYPES: readonly string[] = ['110', '120', '170'];
export const MEDICAL_TYPES: readonly string[] = ['310', '390'];
export const INSURANCE_NAMES: Record<InsuranceType, { zh: string; en: string }> = {
  '110': { zh: '企业职工基本养老保险', en: 'Enterprise employee basic pension' },
  '120': { zh: '机关事业单位养老保险', en: 'Government and institution staff pension' },
  '170': { zh: '城乡居民基本养老保险', en: 'Urban-rural resident basic pension' },
  '210': { zh: '失业保险', en: 'Unemployment insurance' },
  '310': { zh: '职工基本医疗保险', en: 'Employee basic medical insurance' },
  '390': { zh: '城乡居民基本医疗保险', en: 'Urban-rural resident basic medical insurance' },
  '410': { zh: '工伤保险', en: 'Work-injury insurance' },
  '510': { zh: '生育保险', en: 'Maternity insurance' },
};
export const isInsuranceType = (v: string): v is InsuranceType => (INSURANCE_TYPES as readonly string[]).includes(v);
