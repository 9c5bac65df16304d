/**
 * Every file the tool reads as input (a config, an --objective file, a sweep's sweep.csv and
 * sweep.json, a lock, a result marker) is read here: only a regular file below a size limit is
 * read, anything else is refused by name before a byte is read. The file is opened with
 * O_NONBLOCK and checked with fstat on the open descriptor, so a FIFO does not block the open
 * (and cannot be swapped for another file between the check and the read), and /dev/zero or a
 * directory is never read into memory.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { ConfigError } from '../core/errors.ts';

/** The default limit for an input file: 64 MiB (a config or a sweep table is far smaller). */
export const INPUT_LIMIT_BYTES = 64 * 1024 * 1024;

/** What a non-regular file is, for messages. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The text of `file` (UTF-8, a leading byte-order mark removed), or a ConfigError naming `field`:
 * the file is missing, is not a regular file (a directory, FIFO, device, socket), or is larger than
 * `maxBytes` (default INPUT_LIMIT_BYTES). Symbolic links are followed.
 *
 * @remarks Example (an internal helper, not in the package API): `readInputText('config.json', 'CONFIG') // '{"kind": …}'`
 */
export function readInputText(file: string, field: string, maxBytes = INPUT_LIMIT_BYTES): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(field, `file not found: ${file}`);
    if (code === 'EISDIR') throw new ConfigError(field, `${file} is a directory, not a file`);
    throw new ConfigError(field, `cannot open ${file} (${code ?? (e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ConfigError(field, `${file} is ${kindOf(st)}, not a regular file; only regular files are read`);
    if (st.size > maxBytes) throw new ConfigError(field, `${file} is ${st.size} bytes; at most ${maxBytes} are read`);
    const text = readFileSync(fd, 'utf8');
    // (a file that grew after the fstat is read whole by readFileSync: check again)
    if (Buffer.byteLength(text) > maxBytes) throw new ConfigError(field, `${file} is more than ${maxBytes} bytes; at most ${maxBytes} are read`);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(field, `cannot read ${file} (${code ?? (e as Error).message})`);
  } finally {
    closeSync(fd);
  }
}

/**
 * `file` parsed as JSON (see `readInputText` for what is refused); a syntax error is a
 * ConfigError naming `field`.
 */
export function readInputJson(file: string, field: string, maxBytes = INPUT_LIMIT_BYTES): unknown {
  const text = readInputText(file, field, maxBytes);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(field, `is not valid JSON: ${(e as Error).message}`);
  }
}
