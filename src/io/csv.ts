/**
 * CSV tables: a header and equally long numeric columns, full double precision (shortest
 * round-trip form). A value that is not representable (an overflowed loss, say) is written as an
 * empty cell, never as NaN or Infinity. Files are written in chunks of rows (never one string of
 * the whole table: 10⁷ rows would pass V8's string limit) to a temporary file, then renamed.
 */
import { writeStreamAtomic } from './atomic.ts';

/** A table of equally long numeric columns with their names. */
export interface Table {
  columns: string[];
  data: ArrayLike<number>[];
}

const ROWS_PER_CHUNK = 4096;

/** The table's text in chunks: the header line, then blocks of ROWS_PER_CHUNK rows. */
function emitCsv(table: Table, emit: (chunk: string) => void): void {
  const { columns, data } = table;
  if (columns.length !== data.length) throw new Error(`csv: ${columns.length} column names for ${data.length} columns`);
  const n = data.length === 0 ? 0 : data[0].length;
  for (const col of data) if (col.length !== n) throw new Error('csv: columns of unequal length');
  emit(columns.join(',') + '\n');
  for (let start = 0; start < n; start += ROWS_PER_CHUNK) {
    let chunk = '';
    const end = Math.min(n, start + ROWS_PER_CHUNK);
    for (let i = start; i < end; i++) {
      let line = '';
      for (let j = 0; j < data.length; j++) {
        const v = data[j][i];
        line += (j ? ',' : '') + (Number.isFinite(v) ? String(v) : '');
      }
      chunk += line + '\n';
    }
    emit(chunk);
  }
}

/**
 * The table as CSV text: a header line, then one row per line at full double precision (shortest
 * round-trip form); a non-finite value is an empty cell.
 *
 * @throws Error when the column names and columns differ in number or the columns in length.
 * @example
 * ```ts
 * import { toCsv } from 'asgd-sdde';
 *
 * console.log(toCsv({ columns: ['k', 'F'], data: [[0, 1], [1.5, NaN]] })); // data by column; NaN is an empty cell
 * //> k,F
 * //> 0,1.5
 * //> 1,
 * ```
 */
export function toCsv(table: Table): string {
  let out = '';
  emitCsv(table, (c) => void (out += c));
  return out;
}

/**
 * Write the table as CSV (see {@link toCsv}) in chunks to a temporary file, then rename it into place.
 *
 * @throws Error as {@link toCsv}; file-system errors.
 */
export function writeCsv(file: string, table: Table): void {
  writeStreamAtomic(file, (emit) => emitCsv(table, emit));
}
