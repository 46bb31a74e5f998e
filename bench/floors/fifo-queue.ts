/**
 * A growable FIFO ring of values: O(1) push and shift with no `Array.prototype.shift` copying.
 * Shared by the hand-written floors.
 *
 * @module
 */
export class Fifo<T> {
  #items: (T | undefined)[] = new Array(16);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(value: T): void {
    const items = this.#items;
    if (this.#size === items.length) {
      const grown = new Array<T | undefined>(items.length * 2);
      for (let i = 0; i < this.#size; i++) grown[i] = items[(this.#head + i) % items.length];
      this.#items = grown;
      this.#head = 0;
    }
    this.#items[(this.#head + this.#size) % this.#items.length] = value;
    this.#size++;
  }

  /** Removes and returns the oldest value; `undefined` if empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const items = this.#items;
    const value = items[this.#head];
    items[this.#head] = undefined;
    this.#head = (this.#head + 1) % items.length;
    this.#size--;
    return value;
  }
}
