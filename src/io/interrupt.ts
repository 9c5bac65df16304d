/**
 * SIGINT, SIGTERM and SIGHUP while a command waits on something outside the process — Chromium
 * rendering a PNG — stop the command at once: the clean-ups registered here run (a stage is
 * discarded, so the old result stays as it was; locks are released) and the process exits with
 * 128 + the signal's number (130, 143, 129). Outside such waits the signals keep Node's default
 * action (the process ends at once, even inside a long synchronous computation, which a JavaScript
 * handler could only see after it finished): nothing is published then either, and the stage and
 * lock it leaves are removed or taken over by the next command writing there.
 */

const cleanups = new Set<() => void>();

/** Run `cleanup` if the process is interrupted during `whileWaiting`; the returned function unregisters it. */
export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => void cleanups.delete(cleanup);
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * Await `wait()` with SIGINT/SIGTERM/SIGHUP handled as above (for the duration of the call only);
 * `say` reports an interruption (default: stderr).
 *
 * @remarks Example (an internal helper, not in the package API): `const r = await whileWaiting(() => renderPng(html, png));`
 */
export async function whileWaiting<T>(wait: () => Promise<T>, say: (message: string) => void = (m) => void process.stderr.write(m)): Promise<T> {
  const handlers = Object.entries(SIGNALS).map(([signal, number]) => {
    const handler = () => {
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
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await wait();
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
