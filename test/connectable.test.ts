/**
 * Connectables: TCPConnectable, UNIXConnectable, TLSConnectable and asConnectable, against real
 * loopback listeners, UNIX sockets and TLS servers.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { pathToFileURL } from "node:url";
import {
  type AnyByteStream,
  asConnectable,
  BrokenResourceError,
  ByteStreamConnectable,
  Cancelled,
  CancelScope,
  ConnectionFailed,
  createTcpListener,
  createUnixListener,
  EndOfStream,
  type IPSocketAddress,
  type Listener,
  moveOnAfter,
  SocketAttribute,
  type SocketListener,
  SocketStream,
  sleepForever,
  TCPConnectable,
  TLSAttribute,
  TLSConnectable,
  TLSListener,
  TLSStream,
  UNIXConnectable,
  withTaskGroup,
} from "../src/index.js";
import { connectTcpSeams } from "../src/net/connect-tcp.js";
import { closedPort, decoder, encoder, useSocketDir } from "./_support/net.js";
import { clientContext, memoryBytePair, serverContext } from "./_support/tls.js";
import { describe, it } from "./harness.js";

const { socketPath, inDir } = useSocketDir("anyio-connectable-");

/** Sends `text` on `stream` and checks that the echo comes back. */
async function roundTrip(stream: AnyByteStream, text: string): Promise<void> {
  await stream.send(encoder.encode(text));
  assert.equal(decoder.decode(await stream.receive()), text);
}

/** Runs `body` while `listener` echoes one chunk per connection. */
async function whileEchoing(
  listener: Listener<AnyByteStream>,
  body: () => Promise<void>,
): Promise<void> {
  await withTaskGroup(async (tg) => {
    tg.startSoon(() => listener.serve(async (stream) => stream.send(await stream.receive())));
    await body();
    tg.cancelScope.cancel();
  });
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown })?.code;
}

describe("TCPConnectable", () => {
  it("connects to a real listener; each connect() opens a new connection", async () => {
    await using tcp = await createTcpListener({ localHost: "127.0.0.1" });
    const port = tcp.extra(SocketAttribute.localPort);
    const target = new TCPConnectable("127.0.0.1", port);
    assert.equal(target.host, "127.0.0.1");
    assert.equal(target.port, port);
    await whileEchoing(tcp, async () => {
      await using a = await target.connect();
      await using b = await target.connect();
      assert.ok(a instanceof SocketStream && b instanceof SocketStream);
      assert.notEqual(a.extra(SocketAttribute.localPort), b.extra(SocketAttribute.localPort));
      await roundTrip(a, "first");
      await roundTrip(b, "second");
    });
  });

  it("connects with its options: localHost and localPort bind the client", async () => {
    await using tcp = await createTcpListener({ localHost: "127.0.0.1" });
    const localPort = await closedPort();
    const target = new TCPConnectable("127.0.0.1", tcp.extra(SocketAttribute.localPort), {
      localHost: "127.0.0.1",
      localPort,
      happyEyeballsDelay: 50,
    });
    assert.deepEqual(target.options, { localHost: "127.0.0.1", localPort, happyEyeballsDelay: 50 });
    assert.ok(Object.isFrozen(target.options));
    await using stream = await target.connect();
    assert.equal(stream.extra(SocketAttribute.localPort), localPort);
    await using accepted = await (tcp.listeners[0] as SocketListener).accept();
    assert.equal(accepted.extra(SocketAttribute.remotePort), localPort);
  });

  it("keeps only the TCP options: a tls slipped in does not make it TLS", async () => {
    await using tcp = await createTcpListener({ localHost: "127.0.0.1" });
    const port = tcp.extra(SocketAttribute.localPort);
    const target = new TCPConnectable("127.0.0.1", port, { tls: true } as never);
    assert.deepEqual(target.options, {});
    await using stream = await target.connect();
    assert.ok(stream instanceof SocketStream && !(stream instanceof TLSStream));
  });

  it("refused: ConnectionFailed naming host:port, caused by connectTcp's ConnectionFailed", async () => {
    const port = await closedPort();
    const error = await new TCPConnectable("127.0.0.1", port).connect().catch((e: unknown) => e);
    assert.ok(error instanceof ConnectionFailed, `got ${error}`);
    assert.equal(
      error.message,
      `error connecting to 127.0.0.1:${port}: All connection attempts failed`,
    );
    assert.equal(error.code, "ANYIO_CONNECTION_FAILED");
    assert.ok(error.cause instanceof ConnectionFailed);
    assert.equal(codeOf(error.cause.cause), "ECONNREFUSED");
  });

  it("an IPv6 host is bracketed in the message", async () => {
    const port = await closedPort(); // free on 127.0.0.1; nobody listens on ::1 there either
    const error = await new TCPConnectable("::1", port).connect().catch((e: unknown) => e);
    assert.ok(error instanceof ConnectionFailed, `got ${error}`);
    assert.ok(error.message.startsWith(`error connecting to [::1]:${port}: `), error.message);
  });

  it("a name that does not resolve: ConnectionFailed caused by the resolver's error", async () => {
    const target = new TCPConnectable("no-such-host.invalid", 80);
    const error = await target.connect().catch((e: unknown) => e);
    assert.ok(error instanceof ConnectionFailed, `got ${error}`);
    assert.ok(error.message.startsWith("error connecting to no-such-host.invalid:80: "));
    assert.match(String(codeOf(error.cause)), /ENOTFOUND|EAI_AGAIN|EAI_FAIL/);
    assert.equal((error.cause as { syscall?: string }).syscall, "getaddrinfo");
  });

  it("cancellation is Cancelled, not ConnectionFailed, and leaves nothing open", async () => {
    await using tcp = await createTcpListener({ localHost: "127.0.0.1" });
    const target = new TCPConnectable("127.0.0.1", tcp.extra(SocketAttribute.localPort));
    const scope = new CancelScope();
    scope.cancel();
    await scope.run(async () => {
      await assert.rejects(target.connect(), Cancelled);
    });
    // An attempt that never answers (a peer behind a firewall), cancelled while it waits.
    const real = connectTcpSeams.connectSocket;
    connectTcpSeams.connectSocket = (): Promise<Socket> => sleepForever();
    try {
      const timeout = moveOnAfter(20);
      await timeout.run(() => target.connect());
      assert.ok(timeout.cancelledCaught);
    } finally {
      connectTcpSeams.connectSocket = real;
    }
  });

  it("rejects a bad host or port when made, naming the value", () => {
    assert.throws(() => new TCPConnectable(5 as never, 80), {
      name: "TypeError",
      message: "host must be a non-empty string, got 5",
    });
    assert.throws(() => new TCPConnectable("", 80), { name: "TypeError", message: /got ""/ });
    for (const port of [0, 65536, -1, 1.5, Number.NaN]) {
      assert.throws(() => new TCPConnectable("localhost", port), {
        name: "RangeError",
        message: `TCP port number out of range: port must be an integer from 1 to 65535, got ${port}`,
      });
    }
    assert.throws(() => new TCPConnectable("localhost", "80" as never), {
      name: "RangeError",
      message: /got "80"$/,
    });
    assert.throws(() => new TCPConnectable("localhost", 80, { localPort: 70000 }), /got 70000/);
    assert.throws(
      () => new TCPConnectable("localhost", 80, { happyEyeballsDelay: -1 }),
      RangeError,
    );
    assert.throws(() => new TCPConnectable("localhost", 80, { localHost: 1 as never }), TypeError);
    assert.throws(() => new TCPConnectable("localhost", 80, null as never), TypeError);
    // The edges of the range are fine.
    assert.equal(new TCPConnectable("localhost", 1).port, 1);
    assert.equal(new TCPConnectable("localhost", 65535).port, 65535);
  });
});

describe("UNIXConnectable", () => {
  it("connects to a real UNIX listener, by path or by file: URL", async () => {
    const path = socketPath();
    await using listener = await createUnixListener(path);
    const byPath = new UNIXConnectable(path);
    const byUrl = new UNIXConnectable(pathToFileURL(path));
    assert.equal(byUrl.path, path);
    await whileEchoing(listener, async () => {
      for (const target of [byPath, byUrl]) {
        await using stream = await target.connect();
        assert.equal(stream.extra(SocketAttribute.family), "unix");
        assert.equal(stream.extra(SocketAttribute.remoteAddress), path);
        await roundTrip(stream, "over unix");
      }
    });
  });

  it("nothing at the path: ConnectionFailed naming the path, caused by ENOENT", async () => {
    const path = inDir("missing.sock");
    const error = await new UNIXConnectable(path).connect().catch((e: unknown) => e);
    assert.ok(error instanceof ConnectionFailed, `got ${error}`);
    assert.ok(
      error.message.startsWith(`error connecting to ${JSON.stringify(path)}: `),
      error.message,
    );
    assert.equal(codeOf(error.cause), "ENOENT");
  });

  it("rejects a bad path when made, naming it", () => {
    assert.throws(() => new UNIXConnectable(""), {
      name: "TypeError",
      message: 'path must be a non-empty string or a file: URL, got ""',
    });
    assert.throws(() => new UNIXConnectable(7 as never), /got 7$/);
    assert.throws(
      () => new UNIXConnectable(new URL("http://example.com/app.sock")),
      /got the URL "http:\/\/example.com\/app.sock"/,
    );
  });
});

describe("TLSConnectable", () => {
  it("over a TCP connectable: verified against the TCP host by default; echoes", async () => {
    const tcp = await createTcpListener({ localHost: "127.0.0.1" });
    await using listener = new TLSListener(tcp, serverContext);
    const port = tcp.extra(SocketAttribute.localPort);
    const inner = new TCPConnectable("localhost", port);
    const secure = new TLSConnectable(inner, { context: clientContext });
    assert.equal(secure.connectable, inner);
    assert.equal(secure.hostname, "localhost");
    assert.equal(secure.standardCompatible, true);
    await whileEchoing(listener, async () => {
      await using stream = await secure.connect();
      assert.ok(stream instanceof TLSStream);
      assert.equal(stream.extra(TLSAttribute.serverSide), false);
      assert.equal(stream.extra(TLSAttribute.standardCompatible), true);
      assert.equal(stream.extra(TLSAttribute.peerCertificate)?.subject.CN, "localhost");
      assert.equal(stream.extra(SocketAttribute.remotePort), port);
      await roundTrip(stream, "secret");
    });
  });

  it("a hostname the certificate does not match fails the handshake; nothing is left", async () => {
    const tcp = await createTcpListener({ localHost: "127.0.0.1" });
    const failures: unknown[] = [];
    await using listener = new TLSListener(tcp, serverContext, {
      onHandshakeError: (e) => failures.push(e),
    });
    const inner = new TCPConnectable("127.0.0.1", tcp.extra(SocketAttribute.localPort));
    const secure = new TLSConnectable(inner, { hostname: "wrong.example", context: clientContext });
    await whileEchoing(listener, async () => {
      const error = await secure.connect().catch((e: unknown) => e);
      assert.ok(error instanceof BrokenResourceError, `got ${error}`);
      assert.match(String((error.cause as Error).message), /wrong\.example/);
      // The IP address of the TCP host is in the certificate too: the default works.
      await using stream = await new TLSConnectable(inner, { context: clientContext }).connect();
      await roundTrip(stream, "by address");
    });
  });

  it("over a UNIX connectable, with the hostname given (there is no TCP host)", async () => {
    const path = socketPath();
    await using listener = new TLSListener(await createUnixListener(path), serverContext);
    assert.throws(
      () => new TLSConnectable(new UNIXConnectable(path), { context: clientContext }),
      /needs the server's hostname/,
    );
    const secure = new TLSConnectable(new UNIXConnectable(path), {
      hostname: "localhost",
      context: clientContext,
      standardCompatible: false,
    });
    await whileEchoing(listener, async () => {
      await using stream = await secure.connect();
      assert.equal(stream.extra(SocketAttribute.family), "unix");
      assert.equal(stream.extra(TLSAttribute.standardCompatible), false);
      await roundTrip(stream, "tls over unix");
    });
  });

  it("the wrapped connectable's failure comes through as it is", async () => {
    const port = await closedPort();
    const secure = new TLSConnectable(new TCPConnectable("127.0.0.1", port));
    const error = await secure.connect().catch((e: unknown) => e);
    assert.ok(error instanceof ConnectionFailed, `got ${error}`);
    assert.ok(error.message.startsWith(`error connecting to 127.0.0.1:${port}`));
  });

  it("cancelled during the handshake: Cancelled, and the connection is closed", async () => {
    // A TCP server that never answers the ClientHello.
    await using tcp = await createTcpListener({ localHost: "127.0.0.1" });
    const inner = new TCPConnectable("127.0.0.1", tcp.extra(SocketAttribute.localPort));
    const secure = new TLSConnectable(inner, { context: clientContext });
    const timeout = moveOnAfter(50);
    await timeout.run(() => secure.connect());
    assert.ok(timeout.cancelledCaught);
    // The server side sees the client go away.
    await using accepted = await (tcp.listeners[0] as SocketListener).accept();
    const hello = await accepted.receive();
    assert.equal(hello[0], 22); // a TLS handshake record: the ClientHello
    await assert.rejects(
      (async () => {
        for (;;) await accepted.receive();
      })(),
      EndOfStream,
    );
  });

  it("over a connectable of your own (a memory transport)", async () => {
    const [clientEnd, serverEnd] = memoryBytePair();
    class Memory extends ByteStreamConnectable<AnyByteStream> {
      calls = 0;
      async connect(): Promise<AnyByteStream> {
        this.calls++;
        return clientEnd;
      }
    }
    const memory = new Memory();
    const secure = new TLSConnectable(memory, { hostname: "localhost", context: clientContext });
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await using server = await TLSStream.wrap(serverEnd, {
          serverSide: true,
          context: serverContext,
        });
        await server.send(await server.receive());
      });
      await using stream = await secure.connect();
      await roundTrip(stream, "in memory");
    });
    assert.equal(memory.calls, 1);
  });

  it("rejects bad arguments when made", () => {
    assert.throws(() => new TLSConnectable({} as never), {
      name: "TypeError",
      message: "connectable must be a connectable, got a Object",
    });
    const inner = new TCPConnectable("localhost", 443);
    assert.throws(() => new TLSConnectable(inner, null as never), /options must be an object/);
    assert.throws(() => new TLSConnectable(inner, { context: null as never }), /context must be/);
    assert.throws(
      () => new TLSConnectable(inner, { standardCompatible: "no" as never }),
      /standardCompatible must be a boolean, got "no"/,
    );
    assert.throws(() => new TLSConnectable(inner, { hostname: "" }), /hostname must be/);
    // A name the handshake could not encode is refused now, not after connecting.
    assert.throws(() => new TLSConnectable(inner, { hostname: "xn--é" }), {
      name: "TypeError",
      message: 'The host name "xn--é" is not valid IDNA',
    });
  });
});

describe("asConnectable", () => {
  it("returns a connectable as it is, whatever the TLS options", () => {
    const tcp = new TCPConnectable("localhost", 1234);
    assert.equal(asConnectable(tcp), tcp);
    assert.equal(asConnectable(tcp, { tls: true }), tcp);
    const own = { connect: async () => memoryBytePair()[0] };
    assert.equal(asConnectable(own), own);
  });

  it("{ host, port } and [host, port] become TCPConnectables that connect", async () => {
    await using tcp = await createTcpListener({ localHost: "127.0.0.1" });
    const address = tcp.extra(SocketAttribute.localAddress) as IPSocketAddress;
    const fromObject = asConnectable(address);
    const fromTuple = asConnectable(["127.0.0.1", address.port]);
    for (const target of [fromObject, fromTuple]) {
      assert.ok(target instanceof TCPConnectable);
      assert.equal(target.host, "127.0.0.1");
      assert.equal(target.port, address.port);
    }
    await whileEchoing(tcp, async () => {
      await using a = await fromObject.connect();
      await roundTrip(a, "object");
      // A stream's remote address converts back to where it connected.
      await using b = await asConnectable(a.extra(SocketAttribute.remoteAddress)).connect();
      await roundTrip(b, "remote address");
      await using c = await fromTuple.connect();
      await roundTrip(c, "tuple");
    });
  });

  it("a path or a file: URL becomes a UNIXConnectable that connects", async () => {
    const path = socketPath();
    await using listener = await createUnixListener(path);
    const byPath = asConnectable(path);
    const byUrl = asConnectable(pathToFileURL(path));
    assert.ok(byPath instanceof UNIXConnectable && byUrl instanceof UNIXConnectable);
    assert.equal(byPath.path, path);
    assert.equal(byUrl.path, path);
    await whileEchoing(listener, async () => {
      await using stream = await byUrl.connect();
      await roundTrip(stream, "by url");
    });
  });

  it("anything else is a TypeError naming it", () => {
    const cases: [unknown, string][] = [
      [1234, "cannot convert 1234 to a connectable"],
      [null, "cannot convert null to a connectable"],
      [undefined, "cannot convert undefined to a connectable"],
      [{ host: "localhost" }, "cannot convert a Object to a connectable"],
      [new Uint8Array(3), "cannot convert a Uint8Array to a connectable"],
      [
        ["localhost", 80, 1],
        "cannot convert an array of 3 items to a connectable (a TCP address is [host, port])",
      ],
      [
        new URL("https://example.com/"),
        'cannot convert the URL "https://example.com/" to a connectable (only a file: URL, a UNIX socket\'s path, is one)',
      ],
    ];
    for (const [remote, message] of cases) {
      assert.throws(() => asConnectable(remote as never), { name: "TypeError", message });
    }
    // A bad host or port in an address: the TCPConnectable's own errors.
    assert.throws(() => asConnectable([5 as never, 80]), /host must be a non-empty string, got 5/);
    assert.throws(() => asConnectable(["localhost", 0]), {
      name: "RangeError",
      message: /^TCP port number out of range.*got 0$/,
    });
    assert.throws(() => asConnectable({ host: "localhost", port: 99999 }), RangeError);
  });

  it("tls wraps in a TLSConnectable, verified against the TCP host unless told", async () => {
    const tcp = await createTcpListener({ localHost: "127.0.0.1" });
    await using listener = new TLSListener(tcp, serverContext);
    const port = tcp.extra(SocketAttribute.localPort);
    const secure = asConnectable(["localhost", port], { tls: true, tlsContext: clientContext });
    assert.ok(secure instanceof TLSConnectable);
    assert.ok(secure.connectable instanceof TCPConnectable);
    assert.equal(secure.hostname, "localhost");
    assert.equal(secure.standardCompatible, true);
    assert.equal(secure.context.ca, clientContext.ca);
    const named = asConnectable(["127.0.0.1", port], {
      tls: true,
      tlsHostname: "localhost",
      tlsStandardCompatible: false,
    });
    assert.ok(named instanceof TLSConnectable);
    assert.equal(named.hostname, "localhost");
    assert.equal(named.standardCompatible, false);
    // As with connectTcp, tlsContext or tlsHostname alone asks for TLS too.
    assert.ok(
      asConnectable(["localhost", port], { tlsContext: clientContext }) instanceof TLSConnectable,
    );
    assert.ok(
      asConnectable(["127.0.0.1", port], { tlsHostname: "localhost" }) instanceof TLSConnectable,
    );
    assert.ok(asConnectable(["localhost", port], { tls: false }) instanceof TCPConnectable);
    await whileEchoing(listener, async () => {
      await using stream = await secure.connect();
      assert.ok(stream instanceof TLSStream);
      await roundTrip(stream, "via asConnectable");
    });
  });

  it("tls to a UNIX path needs tlsHostname", async () => {
    const path = socketPath();
    await using listener = new TLSListener(await createUnixListener(path), serverContext);
    assert.throws(() => asConnectable(path, { tls: true }), /needs the server's hostname/);
    const secure = asConnectable(path, { tlsHostname: "localhost", tlsContext: clientContext });
    await whileEchoing(listener, async () => {
      await using stream = await secure.connect();
      await roundTrip(stream, "unix tls");
    });
  });

  it("rejects bad options, naming them", () => {
    const remote = ["localhost", 443] as const;
    assert.throws(
      () => asConnectable(remote, null as never),
      /options must be an object, got null/,
    );
    assert.throws(
      () => asConnectable(remote, { tls: "yes" as never }),
      /tls must be a boolean, got "yes"/,
    );
    assert.throws(
      () => asConnectable(remote, { tlsHostname: 5 as never }),
      /tlsHostname must be a non-empty string, got 5/,
    );
    assert.throws(
      () => asConnectable(remote, { tlsContext: null as never }),
      /tlsContext must be an options object, got null/,
    );
    assert.throws(
      () => asConnectable(remote, { tls: true, tlsStandardCompatible: 1 as never }),
      /tlsStandardCompatible must be a boolean, got 1/,
    );
  });
});
