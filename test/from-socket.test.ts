/**
 * `SocketStream.fromSocket` and `SocketListener.fromSocket`: sockets and servers made with
 * plain `node:net` (default options: not half-open, not paused on connect), wrapped.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, Socket } from "node:net";
import {
  ClosedResourceError,
  ConnectionFailed,
  connectTcp,
  connectUnix,
  EndOfStream,
  type IPSocketAddress,
  SocketAttribute,
  SocketListener,
  SocketStream,
  sleep,
  TypedAttributeLookupError,
} from "../src/index.js";
import { closeServer, decoder, encoder, listen, useSocketDir } from "./_support/net.js";
import { describe, it } from "./harness.js";

const { socketPath } = useSocketDir("anyio-from-socket-");

/**
 * A raw `node:net` connection made with default options: [client, accepted, UNIX path]. The
 * server is closed before returning.
 */
async function rawPair(kind: "tcp" | "unix"): Promise<[Socket, Socket, string | undefined]> {
  const server = createServer();
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const path = kind === "unix" ? socketPath() : undefined;
  await listen(server, path ?? 0);
  const client =
    path !== undefined
      ? connect(path)
      : connect((server.address() as { port: number }).port, "127.0.0.1");
  await once(client, "connect");
  const [socket] = await accepted;
  server.close();
  return [client, socket, path];
}

/** Reads until the end of the stream. */
async function receiveAll(stream: SocketStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  return text;
}

describe("SocketStream.fromSocket", () => {
  for (const kind of ["tcp", "unix"] as const) {
    it(`wraps a ${kind} client and an accepted socket: both ways, and half-open`, async () => {
      const [rawClient, rawServer] = await rawPair(kind);
      await using client = SocketStream.fromSocket(rawClient);
      await using server = SocketStream.fromSocket(rawServer);
      await client.send(encoder.encode("request"));
      await client.sendEof();
      assert.equal(await receiveAll(server), "request");
      // The raw sockets were not half-open; the streams are: the server can still answer.
      await server.send(encoder.encode("reply"));
      await server.sendEof();
      assert.equal(await receiveAll(client), "reply");
    });
  }

  it("TCP attributes equal the raw socket's, on both ends", async () => {
    const [rawClient, rawServer] = await rawPair("tcp");
    await using client = SocketStream.fromSocket(rawClient);
    await using server = SocketStream.fromSocket(rawServer);
    for (const [stream, raw] of [
      [client, rawClient],
      [server, rawServer],
    ] as const) {
      assert.equal(stream.extra(SocketAttribute.rawSocket), raw);
      assert.equal(stream.extra(SocketAttribute.family), raw.remoteFamily);
      assert.deepEqual(stream.extra(SocketAttribute.localAddress), {
        host: raw.localAddress,
        port: raw.localPort,
      });
      assert.deepEqual(stream.extra(SocketAttribute.remoteAddress), {
        host: raw.remoteAddress,
        port: raw.remotePort,
      });
      assert.equal(stream.extra(SocketAttribute.localPort), raw.localPort);
      assert.equal(stream.extra(SocketAttribute.remotePort), raw.remotePort);
    }
    const local = client.extra(SocketAttribute.localAddress) as IPSocketAddress;
    assert.deepEqual(server.extra(SocketAttribute.remoteAddress), local);
  });

  it("UNIX attributes: an accepted socket has its server's path, a client one no remote", async () => {
    const [rawClient, rawServer] = await rawPair("unix");
    // rawPair closed the server: the accepted socket no longer knows its path.
    await using lost = SocketStream.fromSocket(rawServer);
    assert.throws(() => lost.extra(SocketAttribute.localAddress), TypedAttributeLookupError);
    assert.equal(lost.extra(SocketAttribute.remoteAddress), "");
    await using client = SocketStream.fromSocket(rawClient);
    assert.equal(client.extra(SocketAttribute.family), "unix");
    assert.equal(client.extra(SocketAttribute.rawSocket), rawClient);
    assert.equal(client.extra(SocketAttribute.localAddress), "");
    assert.throws(() => client.extra(SocketAttribute.remoteAddress), TypedAttributeLookupError);
    assert.throws(() => client.extra(SocketAttribute.localPort), TypedAttributeLookupError);

    // Wrapped while its server still listens, an accepted socket has the path.
    const server = createServer();
    const accepted = once(server, "connection") as Promise<[Socket]>;
    const path2 = socketPath();
    await listen(server, path2);
    try {
      await using other = await connectUnix(path2);
      const [raw] = await accepted;
      await using stream = SocketStream.fromSocket(raw);
      assert.equal(stream.extra(SocketAttribute.family), "unix");
      assert.equal(stream.extra(SocketAttribute.localAddress), path2);
      assert.equal(stream.extra(SocketAttribute.remoteAddress), "");
      assert.equal(other.extra(SocketAttribute.remoteAddress), path2);
    } finally {
      await closeServer(server);
    }
  });

  it("bytes node:net buffered before the wrap come first", async () => {
    const [rawClient, rawServer] = await rawPair("tcp");
    rawClient.write("early ");
    rawClient.write("bird");
    await sleep(30); // read by node:net into the accepted socket's buffer, unread
    await using server = SocketStream.fromSocket(rawServer);
    await using client = SocketStream.fromSocket(rawClient);
    await client.sendEof();
    assert.equal(await receiveAll(server), "early bird");
  });

  it("a socket whose peer had already ended: EndOfStream at once, and it can still send", async () => {
    const [rawClient, rawServer] = await rawPair("tcp");
    rawServer.allowHalfOpen = true; // or node:net would end our side when the FIN comes
    rawServer.resume();
    rawClient.end();
    await once(rawServer, "end");
    rawServer.pause();
    await using server = SocketStream.fromSocket(rawServer);
    await assert.rejects(server.receive(), EndOfStream);
    await server.send(encoder.encode("still here"));
    await server.sendEof();
    const got = once(rawClient, "data") as Promise<[Buffer]>;
    assert.equal(String((await got)[0]), "still here");
    rawClient.destroy();
  });

  it("close destroys the socket, and the peer sees the end", async () => {
    const [rawClient, rawServer] = await rawPair("tcp");
    const client = SocketStream.fromSocket(rawClient);
    await using server = SocketStream.fromSocket(rawServer);
    await client.close();
    assert.equal(rawClient.destroyed, true);
    await assert.rejects(client.receive(), ClosedResourceError);
    await assert.rejects(server.receive(), EndOfStream);
  });

  it("rejects what is not a connected net.Socket, naming it, and leaves it to the caller", () => {
    assert.throws(() => SocketStream.fromSocket({} as never), {
      name: "TypeError",
      message: "socket must be a net.Socket, got a Object",
    });
    assert.throws(() => SocketStream.fromSocket("socket" as never), /got "socket"/);
    assert.throws(() => SocketStream.fromSocket(undefined as never), /got undefined/);
    assert.throws(() => SocketStream.fromSocket(new Socket()), {
      name: "TypeError",
      message: "socket must be a connected net.Socket, got one that is not connected",
    });
  });

  it("rejects a socket that is connecting, destroyed, or read by someone else", async () => {
    const server = createServer((s) => s.destroy());
    await listen(server, 0);
    try {
      const port = (server.address() as { port: number }).port;
      const connecting = connect(port, "127.0.0.1");
      connecting.on("error", () => {}); // the server resets it
      assert.throws(() => SocketStream.fromSocket(connecting), /one that is still connecting/);
      await once(connecting, "connect");
      const onData = () => {};
      connecting.on("data", onData);
      assert.throws(
        () => SocketStream.fromSocket(connecting),
        /must not be read by anyone else, got one with 1 'data' listener/,
      );
      connecting.off("data", onData);
      connecting.destroy();
      assert.throws(() => SocketStream.fromSocket(connecting), /one that is destroyed/);
      // The failed calls took nothing over: no handler of ours was left on it.
      assert.equal(connecting.listenerCount("close"), 0);
    } finally {
      await closeServer(server);
    }
  });
});

describe("SocketListener.fromSocket", () => {
  it("accepts from a plain net.Server: early bytes kept, connections half-open", async () => {
    const server = createServer();
    await listen(server, 0);
    await using listener = SocketListener.fromSocket(server);
    assert.equal(listener.extra(SocketAttribute.rawSocket), server);
    const port = (server.address() as { port: number }).port;
    assert.equal(listener.extra(SocketAttribute.localPort), port);
    assert.throws(() => listener.extra(SocketAttribute.remoteAddress), TypedAttributeLookupError);
    await using client = await connectTcp("127.0.0.1", port);
    await client.send(encoder.encode("before accept"));
    await client.sendEof();
    await sleep(30); // the connection and its bytes reach the server before anyone accepts
    await using accepted = await listener.accept();
    assert.equal(await receiveAll(accepted), "before accept");
    await accepted.send(encoder.encode("answer"));
    await accepted.sendEof();
    assert.equal(await receiveAll(client), "answer");
    assert.equal(
      accepted.extra(SocketAttribute.remotePort),
      client.extra(SocketAttribute.localPort),
    );
  });

  it("UNIX: the listener and its connections have the server's path", async () => {
    const path = socketPath();
    const server = createServer();
    await listen(server, path);
    await using listener = SocketListener.fromSocket(server);
    assert.equal(listener.extra(SocketAttribute.family), "unix");
    assert.equal(listener.extra(SocketAttribute.localAddress), path);
    await using client = await connectUnix(path);
    await using accepted = await listener.accept();
    assert.equal(accepted.extra(SocketAttribute.localAddress), path);
    assert.equal(accepted.extra(SocketAttribute.remoteAddress), "");
    await client.send(Uint8Array.of(3));
    assert.equal((await accepted.receive())[0], 3);
  });

  it("close stops the server and releases the port", async () => {
    const server = createServer();
    await listen(server, 0);
    const port = (server.address() as { port: number }).port;
    const listener = SocketListener.fromSocket(server);
    await listener.close();
    assert.equal(server.listening, false);
    await assert.rejects(listener.accept(), ClosedResourceError);
    await assert.rejects(connectTcp("127.0.0.1", port), ConnectionFailed);
    // The port is free again.
    const again = createServer();
    await listen(again, port);
    await closeServer(again);
  });

  it("rejects what is not a listening net.Server without 'connection' listeners", async () => {
    assert.throws(() => SocketListener.fromSocket({} as never), {
      name: "TypeError",
      message: "server must be a net.Server, got a Object",
    });
    assert.throws(() => SocketListener.fromSocket(42 as never), /got 42/);
    assert.throws(() => SocketListener.fromSocket(createServer()), {
      name: "TypeError",
      message: "server must be listening, got a net.Server that is not listening",
    });
    const handled = createServer((s) => s.destroy());
    await listen(handled, 0);
    try {
      assert.throws(
        () => SocketListener.fromSocket(handled),
        /no 'connection' listeners .*got one with 1/,
      );
      // Still the caller's, and still serving with its own handler.
      assert.equal(handled.listening, true);
      const socket = connect((handled.address() as { port: number }).port, "127.0.0.1");
      socket.on("error", () => {}); // the handler resets it
      await once(socket, "close");
    } finally {
      await closeServer(handled);
    }
  });
});
