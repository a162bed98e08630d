import ExcelJS from 'exceljs';
import type { Figures } from './figures';

/** What a periodic report (情况通报) shows: one region and its children over a period. */
export interface ReportData {
  region: { code: string; name: string };
  from: string;
  to: string;
  /** When the report was generated, already formatted for the reader (China time). */
  generatedAt: string;
  totals: Figures;
  rows: ({ code: string; name: string; days: ({ date: string } & Figures)[] } & Figures)[];
}

/** A column of the report: a label key (translated by the caller) and how to read it from the figures. */
export interface ReportColumn {
  key: string;
  value: (f: Figures) => number;
  /** Shares are printed as percentages. */
  percent?: boolean;
}

export const REPORT_COLUMNS: ReportColumn[] = [
  { key: 'persons', value: (f) => f.persons },
  { key: 'confirmed', value: (f) => f.confirmed },
  { key: 'confirmedShare', value: (f) => f.confirmedShare, percent: true },
  { key: 'unregistered', value: (f) => f.unregistered },
  { key: 'pendingReview', value: (f) => f.pendingReview },
  { key: 'needsVisit', value: (f) => f.needsVisit },
  { key: 'workingAge', value: (f) => f.cover.workingAge },
  { key: 'pensionPaying', value: (f) => f.cover.pensionPaying },
  { key: 'medical', value: (f) => f.cover.medical },
  { key: 'gap', value: (f) => f.cover.gap },
  { key: 'coverShare', value: (f) => f.cover.coverShare, percent: true },
  { key: 'flexibleWithoutCover', value: (f) => f.cover.flexibleWithoutCover },
  { key: 'platformWithoutCover', value: (f) => f.cover.platformWithoutCover },
  { key: 'missingPhone', value: (f) => f.flags.missingPhone },
  { key: 'missingResidence', value: (f) => f.flags.missingResidence },
  { key: 'duplicateMedical', value: (f) => f.flags.duplicateMedical },
  { key: 'duplicatePension', value: (f) => f.flags.duplicatePension },
  { key: 'sexMismatch', value: (f) => f.flags.sexMismatch },
  { key: 'unknownRegion', value: (f) => f.flags.unknownRegion },
  { key: 'duplicatesCleared', value: (f) => f.flags.duplicatesCleared },
  { key: 'reviewBacklog', value: (f) => f.review.backlog },
  { key: 'reviewOverdue', value: (f) => f.review.overdue },
  { key: 'conversations', value: (f) => f.activity.conversations ?? 0 },
  { key: 'verifications', value: (f) => f.activity.verifications ?? 0 },
  { key: 'confirmations', value: (f) => f.activity.confirmations ?? 0 },
  { key: 'correctionsSubmitted', value: (f) => f.activity.correctionsSubmitted ?? 0 },
  { key: 'correctionsDecided', value: (f) => f.activity.correctionsDecided ?? 0 },
  { key: 'handoffs', value: (f) => f.activity.handoffs ?? 0 },
  { key: 'notificationsSent', value: (f) => f.activity.notificationsSent ?? 0 },
  { key: 'campaignMessagesSent', value: (f) => f.activity.campaignMessagesSent ?? 0 },
  { key: 'visitsDone', value: (f) => f.activity.visitsDone ?? 0 },
];

/** The translated words the workbook needs (the caller passes i18next's t for the reader's language). */
export type ReportText = (key: string, vars?: Record<string, string>) => string;

/** A sheet name Excel accepts: at most 31 characters, none of []:*?/\ and unique in the workbook. */
function sheetName(name: string, used: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31);
  let out = base;
  for (let i = 2; used.has(out); i++) out = `${base.slice(0, 27)} (${i})`;
  used.add(out);
  return out;
}

function header(ws: ExcelJS.Worksheet, title: string, lines: string[], width: number) {
  ws.mergeCells(1, 1, 1, width);
  const t = ws.getCell(1, 1);
  t.value = title;
  t.font = { bold: true, size: 14 };
  t.alignment = { horizontal: 'center' };
  lines.forEach((l, i) => {
    ws.mergeCells(i + 2, 1, i + 2, width);
    ws.getCell(i + 2, 1).value = l;
  });
  ws.addRow([]);
}

function table(ws: ExcelJS.Worksheet, firstHeader: string, text: ReportText, rows: { label: string; figures: Figures; bold?: boolean }[]) {
  const head = ws.addRow([firstHeader, ...REPORT_COLUMNS.map((c) => text(`progress.col.${c.key}`))]);
  head.font = { bold: true };
  head.alignment = { wrapText: true, vertical: 'middle' };
  head.eachCell((c) => {
    c.border = { bottom: { style: 'thin' } };
  });
  const headerRow = head.number;
  for (const r of rows) {
    const row = ws.addRow([r.label, ...REPORT_COLUMNS.map((c) => c.value(r.figures))]);
    if (r.bold) row.font = { bold: true };
    REPORT_COLUMNS.forEach((c, i) => {
      if (c.percent) row.getCell(i + 2).numFmt = '0.0%';
    });
  }
  ws.getColumn(1).width = 18;
  for (let i = 2; i <= REPORT_COLUMNS.length + 1; i++) ws.getColumn(i).width = 10;
  ws.views = [{ state: 'frozen', xSplit: 1, ySplit: headerRow }];
  ws.pageSetup = { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: `${headerRow}:${headerRow}` };
  ws.headerFooter = { oddFooter: '&P / &N' };
}

/**
 * The periodic report as an xlsx workbook: a summary sheet (the region and each child region) and one sheet per
 * child region with its daily figures. Each sheet has a title, the period, the generated time and the units,
 * and prints landscape on A4, one page wide, with the header row repeated.
 */
export async function buildReportWorkbook(data: ReportData, text: ReportText): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Canbao';
  wb.created = new Date();
  const width = REPORT_COLUMNS.length + 1;
  const meta = [
    text('progress.report.period', { from: data.from, to: data.to }),
    text('progress.report.generated', { at: data.generatedAt }),
    text('progress.report.units'),
  ];
  const used = new Set<string>();
  const summary = wb.addWorksheet(sheetName(text('progress.report.summary'), used));
  header(summary, text('progress.report.title', { region: data.region.name }), meta, width);
  table(summary, text('progress.col.region'), text, [
    { label: `${data.region.name} ${text('progress.report.total')}`, figures: data.totals, bold: true },
    ...data.rows.map((r) => ({ label: r.name, figures: r })),
  ]);
  for (const r of data.rows) {
    const ws = wb.addWorksheet(sheetName(r.name, used));
    header(ws, text('progress.report.title', { region: r.name }), meta, width);
    table(ws, text('progress.col.date'), text, [
      ...r.days.map((d) => ({ label: d.date, figures: d })),
      { label: text('progress.report.periodTotal'), figures: r, bold: true },
    ]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
