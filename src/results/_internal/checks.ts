/** Argument checks and task-function helpers shared by gather, amap, asCompleted and race. */

/** `value` for an error message: strings quoted, functions by name, the rest as `String()`. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return value.toString();
  return String(value);
}

/**
 * Checks that every element of `fns` is a function (for `what`, such as `"gather()"`) and, if
 * `needOne`, that there is at least one.
 * @throws {TypeError} If an element is not a function, or `fns` is empty and `needOne`.
 */
export function checkFunctions(fns: readonly unknown[], what: string, needOne: boolean): void {
  if (needOne && fns.length === 0) {
    throw new TypeError(`${what} needs at least one function`);
  }
  for (let i = 0; i < fns.length; i++) {
    const fn = fns[i];
    if (typeof fn !== "function") {
      throw new TypeError(`${what} needs functions; argument ${i} is ${show(fn)}`);
    }
  }
}

/**
 * Gives `wrapper` the name of `fn`, so the task that runs it is named after the user's function
 * (in `getRunningTasks()`, the task tree and `TaskHandle.name`), not after our wrapper.
 */
export function nameLike<F extends (...args: never[]) => unknown>(wrapper: F, fn: unknown): F {
  const name = (fn as { name?: unknown }).name;
  Object.defineProperty(wrapper, "name", { value: typeof name === "string" ? name : "" });
  return wrapper;
}
