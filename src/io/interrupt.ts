/**
 * SIGINT, SIGTERM and SIGHUP stop the command at once, whatever it is doing (computing, rendering a
 * PNG in Chromium, writing): the clean-ups registered here run — a stage is discarded, so the old
 * result stays as it was; locks are released — and the process exits with 128 + the signal's
 * number (130, 143, 129). Publishing is synchronous, so a signal is handled before it starts or
 * after it ends, never between two of its renames. The handlers are installed by the command-line
 * entry point only (`installInterruptHandlers`); a library caller keeps its own signal handling.
 */

const cleanups = new Set<() => void>();
let installed = false;

/** Run `cleanup` if the process is interrupted; the returned function unregisters it. */
export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => void cleanups.delete(cleanup);
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * Install the handlers (once per process). `say` reports the interruption (default: stderr).
 *
 * @example installInterruptHandlers(); // in a CLI entry point, before running the command
 */
export function installInterruptHandlers(say: (message: string) => void = (m) => void process.stderr.write(m)): void {
  if (installed) return;
  installed = true;
  for (const [signal, number] of Object.entries(SIGNALS)) {
    process.on(signal, () => {
      for (const cleanup of [...cleanups]) {
        try {
          cleanup();
        } catch {
          // best effort: the next command removes what is left
        }
      }
      cleanups.clear();
      say(`interrupted (${signal}): stopped; nothing new was published, a previous result is kept\n`);
      process.exit(128 + number);
    });
  }
}
