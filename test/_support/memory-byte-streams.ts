/**
 * Byte streams made of memory object streams, for tests: the send side is a memory object
 * stream of chunks, the receive side a `BufferedByteReceiveStream` over one (so `maxBytes` is
 * honoured).
 */
import {
  BufferedByteReceiveStream,
  createMemoryObjectStream,
  StapledByteStream,
} from "../../src/index.js";

/** A one-way byte stream: `[send, receive]`. */
export function memoryByteStream(): [
  ReturnType<typeof createMemoryObjectStream<Uint8Array>>[0],
  BufferedByteReceiveStream,
] {
  const [send, receive] = createMemoryObjectStream<Uint8Array>();
  return [send, new BufferedByteReceiveStream(receive)];
}

/** Two connected two-way byte streams (each can half-close with `sendEof()`). */
export function memoryBytePair(): [StapledByteStream, StapledByteStream] {
  const [aSend, bReceive] = memoryByteStream();
  const [bSend, aReceive] = memoryByteStream();
  return [new StapledByteStream(aSend, aReceive), new StapledByteStream(bSend, bReceive)];
}
