/**
 * Output from notebooks (notebooks/*.ts, percent format). Run by `npm run notebooks`, a notebook's
 * tables, text and figures are collected per cell and rendered into its HTML page; run as a plain
 * script, they print to the terminal (figures as their title), so every notebook also reads and
 * runs as an ordinary program.
 */
import type { FigureSpec } from '../plot/html.ts';

export type NotebookOutput =
  | { kind: 'text'; text: string }
  | { kind: 'table'; columns: string[]; rows: unknown[][]; caption?: string }
  | { kind: 'figure'; name: string; figure: FigureSpec };

interface Collector {
  push(o: NotebookOutput): void;
}

function collector(): Collector | undefined {
  return (globalThis as { __asgdSddeNotebook?: Collector }).__asgdSddeNotebook;
}

const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4)) : String(v));

/**
 * Output helpers for notebooks: under `npm run notebooks` text, tables and figures are collected into the
 * notebook's HTML page; run as a plain script they print to the terminal.
 */
export const nb = {
  /** Preformatted text. */
  text(text: string): void {
    const c = collector();
    if (c) c.push({ kind: 'text', text });
    else console.log(text);
  },
  /** A table from rows of objects (columns from the first row). */
  table(rows: Record<string, unknown>[], caption?: string): void {
    const columns = rows.length ? Object.keys(rows[0]) : [];
    const cells = rows.map((r) => columns.map((k) => fmt(r[k])));
    const c = collector();
    if (c) c.push({ kind: 'table', columns, rows: cells, ...(caption ? { caption } : {}) });
    else {
      if (caption) console.log(caption);
      console.table(rows.map((r) => Object.fromEntries(columns.map((k) => [k, fmt(r[k])]))));
    }
  },
  /** An interactive figure on the page, and figures/<notebook>-<name>.png. */
  figure(name: string, figure: FigureSpec): void {
    const c = collector();
    if (c) c.push({ kind: 'figure', name, figure });
    else console.log(`[figure ${name}: ${figure.title}]`);
  },
};
