/**
 * A growable FIFO of bytes: append at the end, take from the front, search for a delimiter.
 * Bytes live in one `Uint8Array` between a start and an end offset; the front is reclaimed by
 * moving the live bytes down when the array would otherwise have to grow.
 */
const EMPTY = new Uint8Array(0);

export class ByteBuffer {
  #data: Uint8Array = EMPTY;
  #start = 0;
  #end = 0;

  /** How many bytes it holds. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Appends a copy of `chunk`. */
  append(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    if (this.#end + n > this.#data.length) this.#makeRoom(n);
    this.#data.set(chunk, this.#end);
    this.#end += n;
  }

  /** Removes the first `n` bytes (at most `length`) and returns them in a new array. */
  take(n: number): Uint8Array {
    const count = Math.min(n, this.length);
    const out = this.#data.slice(this.#start, this.#start + count);
    this.skip(count);
    return out;
  }

  /** Drops the first `n` bytes. */
  skip(n: number): void {
    this.#start += Math.min(n, this.length);
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  /** A copy of the bytes it holds. */
  copy(): Uint8Array {
    return this.#data.slice(this.#start, this.#end);
  }

  /** The index (from the front) of the first `needle` at or after `from`, or -1. */
  indexOf(needle: Uint8Array, from = 0): number {
    const data = this.#data;
    const first = needle[0] as number;
    const last = this.#end - needle.length;
    for (let i = this.#start + from; i <= last; i++) {
      i = data.indexOf(first, i);
      if (i === -1 || i > last) return -1;
      let j = 1;
      while (j < needle.length && data[i + j] === needle[j]) j++;
      if (j === needle.length) return i - this.#start;
    }
    return -1;
  }

  #makeRoom(n: number): void {
    const length = this.length;
    const data = this.#data;
    if (length + n <= data.length) {
      data.copyWithin(0, this.#start, this.#end);
    } else {
      let capacity = Math.max(64, data.length);
      while (capacity < length + n) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(data.subarray(this.#start, this.#end));
      this.#data = grown;
    }
    this.#start = 0;
    this.#end = length;
  }
}
