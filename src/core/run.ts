/**
 * `run()`: an optional root for a program, with its own clock and an orderly shutdown on
 * SIGINT/SIGTERM.
 *
 * @module
 */
import { cancelNode, RootTask, roots, runInNode } from "./_internal/kernel.js";
import { type Clock, realClock } from "./clock.js";
import { isCancellation } from "./errors.js";

/**
 * Options of {@link run}.
 *
 * @example
 * ```ts
 * import { realClock, run, type RunOptions, sleep } from "anyio-ts";
 * const options: RunOptions = { clock: realClock, handleSignals: false };
 * await run(() => sleep(1), options);
 * ```
 */
export interface RunOptions {
  /**
   * The clock for every deadline and sleep under this run (a virtual clock in tests).
   * @default the real clock
   */
  clock?: Clock;
  /**
   * Turn SIGINT and SIGTERM into a cancellation of everything under this run; once it has
   * unwound (every `finally` run, every task ended), the process exits with 130 (SIGINT) or 143
   * (SIGTERM). A second signal exits at once. The process is kept alive until `main` ends, so
   * a program can wait for the signal in `sleepForever()`.
   * @default false
   */
  handleSignals?: boolean;
}

const MAX_INTERVAL = 2 ** 31 - 1;
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

/**
 * Runs `main()` as the root task of a new tree and returns its value. Everything works without
 * `run()` too (top-level code has a root that is never cancelled); use it for a clock of your
 * own or for signal handling.
 *
 * Cancellation: with `handleSignals`, SIGINT/SIGTERM cancel the whole tree and the process
 * exits once it has unwound; without it, nothing outside can cancel the root.
 *
 * @throws Whatever `main()` throws.
 * @example
 * ```ts
 * import { run, sleep, withTaskGroup } from "anyio-ts";
 * await run(async () => {
 *   await withTaskGroup(async (tg) => {
 *     tg.startSoon(sleep, 5);
 *   });
 * }, { handleSignals: true });
 * ```
 */
export async function run<T>(main: () => T | PromiseLike<T>, options: RunOptions = {}): Promise<T> {
  if (typeof main !== "function") {
    throw new TypeError(`run() needs a function, got ${String(main)}`);
  }
  const root = new RootTask<T>(main.name || "main", options.clock ?? realClock, main);
  roots.add(root);
  let received: HandledSignal | undefined;
  const onSignal = (signal: HandledSignal) => {
    if (received !== undefined) process.exit(SIGNAL_EXIT_CODES[signal]);
    received = signal;
    cancelNode(root, `${signal} received`);
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  // Signal listeners do not keep the event loop alive; a program waiting for Ctrl-C in
  // sleepForever() must not exit on its own, so hold the loop open until main ends.
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  if (options.handleSignals === true) {
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    keepAlive = setInterval(() => {}, MAX_INTERVAL);
  }
  try {
    const value = await runInNode(root, main);
    if (received !== undefined) process.exit(SIGNAL_EXIT_CODES[received]);
    return value;
  } catch (error) {
    if (received !== undefined && isCancellation(error)) {
      process.exit(SIGNAL_EXIT_CODES[received]);
    }
    throw error;
  } finally {
    roots.delete(root);
    if (keepAlive !== undefined) clearInterval(keepAlive);
    if (options.handleSignals === true) {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    }
  }
}
