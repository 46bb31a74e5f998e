/**
 * A line-based chat server: every line a client sends goes to every other client.
 *
 *   npm run build && node dist/examples/chat-server.js [port]
 *   (then, in other terminals: nc 127.0.0.1 PORT)
 *
 * Each client has a memory object stream of outgoing lines and a writer task that drains it, so
 * one slow client cannot hold up the others: when its queue (100 lines) is full, it is dropped.
 * Ctrl-C cancels everything in order and exits with 130.
 */
import {
  BrokenResourceError,
  BufferedByteReceiveStream,
  createMemoryObjectStream,
  createTcpListener,
  EndOfStream,
  ExceptionGroup,
  IncompleteRead,
  type MemoryObjectSendStream,
  run,
  SocketAttribute,
  type SocketStream,
  WouldBlock,
  withTaskGroup,
} from "../src/index.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = encoder.encode("\n");
const clients = new Set<MemoryObjectSendStream<string>>();

function broadcast(line: string, from: MemoryObjectSendStream<string> | undefined): void {
  for (const client of clients) {
    if (client === from) continue;
    try {
      client.sendNowait(line);
    } catch (error) {
      if (!(error instanceof WouldBlock)) throw error;
      clients.delete(client); // too slow: its writer ends when the queue is closed
      client.close();
    }
  }
}

async function handle(stream: SocketStream): Promise<void> {
  const [outbox, queue] = createMemoryObjectStream<string>(100);
  const address = stream.extra(SocketAttribute.remoteAddress);
  const name = typeof address === "string" ? address : `${address.host}:${address.port}`;
  const lines = new BufferedByteReceiveStream(stream);
  clients.add(outbox);
  try {
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        for await (const line of queue) await stream.send(encoder.encode(line));
        tg.cancelScope.cancel(); // dropped as too slow
      });
      broadcast(`* ${name} joined\n`, outbox);
      try {
        for (;;) {
          const line = decoder.decode(await lines.receiveUntil(NEWLINE, 4096));
          broadcast(`<${name}> ${line}\n`, outbox);
        }
      } catch (error) {
        if (!(error instanceof EndOfStream || error instanceof IncompleteRead)) throw error;
      }
      broadcast(`* ${name} left\n`, outbox);
      tg.cancelScope.cancel();
    });
  } catch (error) {
    // A client that vanished (reset) is normal for a server: drop it, keep serving the others.
    const leaves = error instanceof ExceptionGroup ? error.leaves() : [error];
    if (!leaves.every((e) => e instanceof BrokenResourceError)) throw error;
  } finally {
    clients.delete(outbox);
    outbox.close();
    queue.close();
  }
}

await run(
  async function main() {
    const port = Number(process.argv[2] ?? 0);
    await using listener = await createTcpListener({ localHost: "127.0.0.1", localPort: port });
    process.stdout.write(`listening on ${listener.extra(SocketAttribute.localPort)}\n`);
    await listener.serve(handle);
  },
  { handleSignals: true },
);
