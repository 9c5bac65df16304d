/**
 * CSV tables: a header and equally long numeric columns, full double precision (shortest
 * round-trip form). A value that is not representable (an overflowed loss, say) is written as an
 * empty cell, never as NaN or Infinity.
 */
import { writeFileAtomic } from './atomic.ts';

export interface Table {
  columns: string[];
  data: ArrayLike<number>[];
}

export function toCsv(table: Table): string {
  const { columns, data } = table;
  if (columns.length !== data.length) throw new Error(`csv: ${columns.length} column names for ${data.length} columns`);
  const n = data.length === 0 ? 0 : data[0].length;
  for (const col of data) if (col.length !== n) throw new Error('csv: columns of unequal length');
  const lines = [columns.join(',')];
  for (let i = 0; i < n; i++) {
    let line = '';
    for (let j = 0; j < data.length; j++) {
      const v = data[j][i];
      line += (j ? ',' : '') + (Number.isFinite(v) ? String(v) : '');
    }
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

export function writeCsv(file: string, table: Table): void {
  writeFileAtomic(file, toCsv(table));
}
