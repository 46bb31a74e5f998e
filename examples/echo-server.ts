/**
 * A TCP echo server: every byte a client sends comes back to it.
 *
 *   npm run build && node dist/examples/echo-server.js [port]
 *
 * Listens on 127.0.0.1 (port 0 picks a free one) and prints "listening on PORT". Ctrl-C
 * cancels everything in order (the listener, then every connection) and exits with 130.
 */
import {
  BrokenResourceError,
  createTcpListener,
  run,
  SocketAttribute,
  type SocketStream,
} from "../src/index.js";

async function echo(stream: SocketStream): Promise<void> {
  // `for await` receives until the client closes its side; serve() closes the stream after.
  try {
    for await (const chunk of stream) await stream.send(chunk);
  } catch (error) {
    // A client that vanished (reset) is normal for a server: keep serving the others.
    if (!(error instanceof BrokenResourceError)) throw error;
  }
}

await run(
  async function main() {
    const port = Number(process.argv[2] ?? 0);
    await using listener = await createTcpListener({ localHost: "127.0.0.1", localPort: port });
    process.stdout.write(`listening on ${listener.extra(SocketAttribute.localPort)}\n`);
    await listener.serve(echo);
  },
  { handleSignals: true },
);
