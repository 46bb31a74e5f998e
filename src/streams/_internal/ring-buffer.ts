/**
 * A growable FIFO ring of values: O(1) push and shift, no `Array.prototype.shift` copying, and
 * a power-of-two capacity so wrapping is a mask. Starts small and doubles as needed, so an
 * unbounded (`Infinity`) buffer costs only what it holds.
 */
export class RingBuffer<T> {
  #items: (T | undefined)[];
  #mask: number;
  #head = 0;
  /** How many values it holds. */
  size = 0;

  constructor(initialCapacity = 8) {
    let capacity = 8;
    while (capacity < initialCapacity) capacity *= 2;
    this.#items = new Array(capacity);
    this.#mask = capacity - 1;
  }

  /** Appends `value`. */
  push(value: T): void {
    if (this.size > this.#mask) this.#grow();
    this.#items[(this.#head + this.size) & this.#mask] = value;
    this.size++;
  }

  /** Removes and returns the oldest value; the caller checks `size` first. */
  shift(): T {
    const items = this.#items;
    const head = this.#head;
    const value = items[head] as T;
    items[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.size--;
    return value;
  }

  #grow(): void {
    const items = this.#items;
    const grown = new Array<T | undefined>(items.length * 2);
    for (let i = 0; i < this.size; i++) grown[i] = items[(this.#head + i) & this.#mask];
    this.#items = grown;
    this.#mask = grown.length - 1;
    this.#head = 0;
  }
}
