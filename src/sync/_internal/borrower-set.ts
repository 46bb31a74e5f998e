/**
 * The borrowers of a `CapacityLimiter`: a short array while it holds few, a `Set` once it holds
 * more.
 *
 * A limiter's borrowers are mostly tasks, and each is new to it. A `Set` gives every new key an
 * identity hash and a slot in its table: `has`, `add` and `delete` of a fresh object cost 60-100
 * ns a borrower on every runtime here, against 5-13 ns for a search of a short array (a
 * throwaway script, 100,000 objects through a set of 10). Up to {@link SHORT} borrowers, the
 * array is the cheaper of the two; past that the search would grow with the tokens, so the
 * borrowers move to a `Set` and stay there.
 *
 * Keys compare as in a `Set` (SameValueZero, -0 kept as 0), and iteration is in insertion order,
 * as a `Set`'s.
 *
 * @module
 */

/** How many borrowers the array holds before they move to a `Set`. */
const SHORT = 16;

export class BorrowerSet {
  #short: unknown[] | null = [];
  #set: Set<unknown> | null = null;

  get size(): number {
    return this.#short !== null ? this.#short.length : (this.#set as Set<unknown>).size;
  }

  has(borrower: unknown): boolean {
    const short = this.#short;
    return short !== null ? short.includes(borrower) : (this.#set as Set<unknown>).has(borrower);
  }

  /** Adds `borrower`, which the caller has checked is not in the set. */
  add(borrower: unknown): void {
    const short = this.#short;
    if (short === null) (this.#set as Set<unknown>).add(borrower);
    // (A Set keeps -0 as 0.)
    else if (short.length < SHORT) short.push(borrower === 0 ? 0 : borrower);
    else {
      this.#set = new Set(short).add(borrower);
      this.#short = null;
    }
  }

  /** Removes `borrower`; whether it was there. */
  delete(borrower: unknown): boolean {
    const short = this.#short;
    if (short === null) return (this.#set as Set<unknown>).delete(borrower);
    let at = short.indexOf(borrower);
    // (`indexOf` compares with ===, under which NaN is not itself.)
    if (at === -1 && Number.isNaN(borrower)) at = short.findIndex((b) => Number.isNaN(b));
    if (at === -1) return false;
    // Shifted by hand: `splice` makes an array of what it removes (Node 24's limiter row
    // was 1.2x slower with it than with a Set).
    for (let i = at + 1; i < short.length; i++) short[i - 1] = short[i];
    short.pop();
    return true;
  }

  [Symbol.iterator](): Iterator<unknown> {
    return (this.#short ?? (this.#set as Set<unknown>)).values();
  }
}
