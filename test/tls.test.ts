import assert from "node:assert/strict";
import { connect as rawConnect } from "node:net";
import type { PeerCertificate } from "node:tls";
import {
  BrokenResourceError,
  ClosedResourceError,
  type ConnectTcpOptions,
  connectTcp,
  createTcpListener,
  EndOfStream,
  moveOnAfter,
  SocketAttribute,
  type SocketListener,
  type SocketStream,
  sleep,
  TimeoutError,
  TLSAttribute,
  TLSListener,
  TLSStream,
  type TLSWrapOptions,
  withTaskGroup,
} from "../src/index.js";
import { connectTcpSeams } from "../src/net/connect-tcp.js";
import { checkHalfCloseableStream, checkTwoWayStream } from "./_support/stream-conformance.js";
import {
  clientContext,
  memoryBytePair,
  serverContext,
  tlsPair,
  transportPair,
} from "./_support/tls.js";
import { describe, it } from "./harness.js";

const isBun = (globalThis as { Bun?: unknown }).Bun !== undefined;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

for (const kind of ["memory", "tcp"] as const) {
  describe(`TLSStream over ${kind}`, () => {
    describe("conformance", () => {
      const options = { kind: "bytes", brokenAfterReceiverCloses: false } as const;
      // Bun's TLS engine cannot send once the peer half-closed (checked below), so the
      // half-close checks run where the runtime can do them.
      if (isBun) checkTwoWayStream(() => tlsPair(kind), options);
      else checkHalfCloseableStream(() => tlsPair(kind), options);
    });

    it("after the peer's sendEof: can still send (Node, Deno), a clear error on Bun", async () => {
      const [client, server] = await tlsPair(kind);
      try {
        await client.send(encoder.encode("request"));
        await client.sendEof();
        assert.equal(decoder.decode(await server.receive()), "request");
        await assert.rejects(server.receive(), EndOfStream);
        if (isBun) {
          await assert.rejects(
            server.send(encoder.encode("reply")),
            (e: unknown) => e instanceof BrokenResourceError && /on Bun/.test(e.message),
          );
        } else {
          await server.send(encoder.encode("reply"));
          assert.equal(decoder.decode(await client.receive()), "reply");
        }
      } finally {
        await client.close();
        await server.close();
      }
    });

    it("echoes and carries 1 MiB intact in both directions", async () => {
      const [client, server] = await tlsPair(kind);
      try {
        const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7) % 256);
        await withTaskGroup(async (tg) => {
          tg.startSoon(async () => {
            let received = 0;
            while (received < big.length) {
              const chunk = await server.receive();
              await server.send(chunk);
              received += chunk.length;
            }
          });
          tg.startSoon(() => client.send(big));
          const parts: Uint8Array[] = [];
          let total = 0;
          while (total < big.length) {
            const chunk = await client.receive();
            parts.push(chunk);
            total += chunk.length;
          }
          assert.deepEqual(Buffer.concat(parts), Buffer.from(big));
        });
      } finally {
        await client.close();
        await server.close();
      }
    });

    it("offers the TLS attributes on both sides, and the transport's", async () => {
      const [client, server] = await tlsPair(
        kind,
        { context: { ...clientContext, ALPNProtocols: ["h2", "http/1.1"] } },
        { context: { ...serverContext, ALPNProtocols: ["h2"] } },
      );
      try {
        assert.equal(client.extra(TLSAttribute.alpnProtocol), "h2");
        assert.equal(server.extra(TLSAttribute.alpnProtocol), "h2");
        assert.equal(client.extra(TLSAttribute.serverSide), false);
        assert.equal(server.extra(TLSAttribute.serverSide), true);
        assert.equal(client.extra(TLSAttribute.standardCompatible), true);
        assert.match(client.extra(TLSAttribute.tlsVersion), /^TLSv1\.[23]$/);
        assert.equal(
          client.extra(TLSAttribute.cipher).name,
          server.extra(TLSAttribute.cipher).name,
        );
        const peer = client.extra(TLSAttribute.peerCertificate) as PeerCertificate;
        assert.equal(peer.subject.CN, "localhost");
        assert.ok((client.extra(TLSAttribute.peerCertificateBinary) as Uint8Array).length > 100);
        assert.equal(server.extra(TLSAttribute.peerCertificate), null);
        assert.equal(server.extra(TLSAttribute.peerCertificateBinary), null);
        assert.equal(client.extra(TLSAttribute.tlsSocket).encrypted, true);
        if (kind === "tcp") {
          assert.equal(
            client.extra(SocketAttribute.remotePort),
            server.extra(SocketAttribute.localPort),
          );
        }
      } finally {
        await client.close();
        await server.close();
      }
    });
  });
}

describe("TLSStream", () => {
  it("rejects bad arguments with TypeError/RangeError naming them", async () => {
    await assert.rejects(TLSStream.wrap(null as never), /transport must be a byte stream/);
    const [a, b] = memoryBytePair();
    try {
      await assert.rejects(TLSStream.wrap(a, { serverSide: true }), TypeError);
      await assert.rejects(TLSStream.wrap(a, { serverSide: false }), /needs the server's hostname/);
      await assert.rejects(TLSStream.wrap(a, { hostname: 42 as never }), /hostname must be/);
      await assert.rejects(
        TLSStream.wrap(a, { hostname: "x", standardCompatible: "yes" as never }),
        /standardCompatible must be a boolean/,
      );
    } finally {
      await a.close();
      await b.close();
    }
    const [client, server] = await tlsPair("memory");
    try {
      await assert.rejects(client.receive(0), RangeError);
      await assert.rejects(client.receive(-1), RangeError);
      await assert.rejects(client.send("text" as never), TypeError);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("closes the transport when an argument is bad too: wrap() owns it from the call", async () => {
    const cases: [TLSWrapOptions, RegExp][] = [
      [{ serverSide: true }, /needs a certificate/],
      [{ serverSide: false }, /needs the server's hostname/],
      [{ hostname: 42 as never }, /hostname must be a non-empty string, got 42/],
      [{ hostname: "x", serverSide: 1 as never }, /serverSide must be a boolean, got 1/],
      [{ hostname: "x", context: null as never }, /context must be an options object, got null/],
      [
        { hostname: "x", standardCompatible: "yes" as never },
        /standardCompatible must be a boolean, got "yes"/,
      ],
      [null as never, /options must be an object, got null/],
    ];
    for (const [options, message] of cases) {
      const [a, b] = await transportPair("tcp");
      try {
        await assert.rejects(TLSStream.wrap(a, options), { name: "TypeError", message });
        await assert.rejects(a.send(encoder.encode("late")), ClosedResourceError);
        await assert.rejects(b.receive(), EndOfStream); // the peer sees it go
      } finally {
        await a.close();
        await b.close();
      }
    }
    // What is refused as a transport is closed too, if it has a close().
    let closed = 0;
    const halfAStream = {
      receive: async () => new Uint8Array(1),
      close: async () => {
        closed++;
      },
    };
    await assert.rejects(TLSStream.wrap(halfAStream as never, { hostname: "x" }), {
      name: "TypeError",
      message: "transport must be a byte stream, got a Object",
    });
    assert.equal(closed, 1);
  });

  it("refuses a certificate that does not match the host name, and closes the transport", async () => {
    const [a, b] = await transportPair("tcp");
    const results = await Promise.allSettled([
      withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          await assert.rejects(
            TLSStream.wrap(b, { serverSide: true, context: serverContext }),
            BrokenResourceError,
          );
        });
        const error = await TLSStream.wrap(a, {
          hostname: "example.com",
          context: clientContext,
        }).catch((e: unknown) => e);
        assert.ok(error instanceof BrokenResourceError, String(error));
        assert.equal((error.cause as { code?: string }).code, "ERR_TLS_CERT_ALTNAME_INVALID");
      }),
    ]);
    assert.equal(
      results[0].status,
      "fulfilled",
      String((results[0] as { reason?: unknown }).reason),
    );
    await assert.rejects(a.receive(), ClosedResourceError);
  });

  it("refuses a server whose certificate is not trusted, unless told not to verify", async () => {
    const [a, b] = memoryBytePair();
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        await assert.rejects(
          TLSStream.wrap(b, { serverSide: true, context: serverContext }),
          BrokenResourceError,
        );
      });
      const error = await TLSStream.wrap(a, { hostname: "localhost" }).catch((e: unknown) => e);
      assert.ok(error instanceof BrokenResourceError, String(error));
    });
    const [client, server] = await tlsPair("memory", { context: { rejectUnauthorized: false } });
    await client.close();
    await server.close();
  });

  it("matches a unicode host name through IDNA 2008 (faß → xn--fa-hia)", async () => {
    const [client, server] = await tlsPair("memory", { hostname: "faß.example" });
    try {
      await client.send(encoder.encode("ok"));
      assert.equal(decoder.decode(await server.receive()), "ok");
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("verifies an IP address against the certificate's IP entries", async () => {
    const [client, server] = await tlsPair("tcp", { hostname: "127.0.0.1" });
    await client.close();
    await server.close();
  });

  describe("ragged EOF (standardCompatible)", () => {
    for (const clientStrict of [true, false]) {
      for (const serverStrict of [true, false]) {
        it(`client ${clientStrict ? "strict" : "lax"}, server ${serverStrict ? "strict" : "lax"}`, async () => {
          const [client, server] = await tlsPair(
            "tcp",
            { standardCompatible: clientStrict },
            { standardCompatible: serverStrict },
          );
          try {
            await server.send(encoder.encode("bye"));
            await server.close();
            assert.equal(decoder.decode(await client.receive()), "bye");
            if (clientStrict && !serverStrict) {
              await assert.rejects(client.receive(), BrokenResourceError);
            } else {
              await assert.rejects(client.receive(), EndOfStream);
            }
          } finally {
            await client.close();
          }
        });
      }
    }
  });

  it("sendEof is refused on TLS 1.2, which cannot half-close", async () => {
    const [client, server] = await tlsPair("memory", {
      context: { ...clientContext, maxVersion: "TLSv1.2" },
    });
    try {
      assert.equal(client.extra(TLSAttribute.tlsVersion), "TLSv1.2");
      await assert.rejects(client.sendEof(), /TLSv1\.2 cannot half-close/);
      const unique = client.extra(TLSAttribute.channelBindingTlsUnique);
      assert.deepEqual(unique, server.extra(TLSAttribute.channelBindingTlsUnique));
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("unwrap() ends TLS and returns the transport with the bytes after close_notify", async () => {
    const [client, server] = await tlsPair("tcp");
    await client.send(encoder.encode("secret"));
    assert.equal(decoder.decode(await server.receive()), "secret");
    await withTaskGroup(async (tg) => {
      tg.startSoon(async () => {
        const [transport, leftover] = await server.unwrap();
        await transport.send(encoder.encode("plain from server"));
        // The client may answer before this side finished unwrapping: then its plaintext
        // comes back as the leftover.
        let text = decoder.decode(leftover);
        while (text.length < "plain from client".length) {
          text += decoder.decode(await transport.receive());
        }
        assert.equal(text, "plain from client");
        await transport.close();
      });
      const [transport, leftover] = await client.unwrap();
      await transport.send(encoder.encode("plain from client"));
      let text = decoder.decode(leftover);
      while (text.length < "plain from server".length) {
        text += decoder.decode(await transport.receive());
      }
      assert.equal(text, "plain from server");
      await transport.close();
    });
    await assert.rejects(client.receive(), ClosedResourceError);
  });

  it("a cancelled receive loses nothing", async () => {
    const [client, server] = await tlsPair("tcp");
    try {
      await moveOnAfter(20).run(() => server.receive());
      await client.send(encoder.encode("after"));
      assert.equal(decoder.decode(await server.receive()), "after");
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("close() while another task receives gives it ClosedResourceError", async () => {
    const [client, server] = await tlsPair("memory");
    try {
      await withTaskGroup(async (tg) => {
        tg.startSoon(async () => {
          await assert.rejects(server.receive(), ClosedResourceError);
        });
        await sleep(5);
        await server.close();
      });
      await assert.rejects(server.send(encoder.encode("x")), ClosedResourceError);
    } finally {
      await client.close();
    }
  });

  it("a cancelled handshake closes the transport", async () => {
    const [a, b] = await transportPair("tcp");
    await moveOnAfter(20).run(() =>
      TLSStream.wrap(a, { hostname: "localhost", context: clientContext }),
    );
    await assert.rejects(a.receive(), ClosedResourceError);
    await b.close();
  });
});

describe("connectTcp with TLS", () => {
  it("connects, verifies the host connected to, and closes the socket on failure", async () => {
    const tcp = await createTcpListener({ localHost: "127.0.0.1" });
    const listener = new TLSListener(tcp, serverContext, { onHandshakeError: () => {} });
    const port = tcp.extra(SocketAttribute.localPort);
    try {
      await withTaskGroup(async (tg) => {
        tg.startSoon(() => listener.serve(async (stream) => stream.send(await stream.receive())));
        const stream = await connectTcp("127.0.0.1", port, { tlsContext: clientContext });
        try {
          await stream.send(encoder.encode("ping"));
          assert.equal(decoder.decode(await stream.receive()), "ping");
          assert.equal(stream.extra(SocketAttribute.remotePort), port);
        } finally {
          await stream.close();
        }
        await assert.rejects(
          connectTcp("127.0.0.1", port, { tlsHostname: "example.com", tlsContext: clientContext }),
          (e: unknown) => e instanceof BrokenResourceError,
        );
        tg.cancelScope.cancel();
      });
    } finally {
      await listener.close();
    }
  });

  it("checks every option, TLS ones included, before it resolves or connects", async () => {
    const multi = await createTcpListener({ localHost: "127.0.0.1" });
    const listener = multi.listeners[0] as SocketListener;
    const port = listener.extra(SocketAttribute.localPort);
    const lookups: string[] = [];
    const realLookup = connectTcpSeams.getaddrinfo;
    connectTcpSeams.getaddrinfo = (host, ...rest) => {
      lookups.push(host);
      return realLookup(host, ...rest);
    };
    const cases: [ConnectTcpOptions, string, string][] = [
      [{ tls: "yes" as never }, "TypeError", 'tls must be a boolean, got "yes"'],
      [{ tlsHostname: 42 as never }, "TypeError", "tlsHostname must be a non-empty string, got 42"],
      [{ tlsHostname: "" }, "TypeError", 'tlsHostname must be a non-empty string, got ""'],
      [{ tlsHostname: "xn--é" }, "TypeError", 'The host name "xn--é" is not valid IDNA'],
      [
        { tlsContext: null as never },
        "TypeError",
        "tlsContext must be an options object, got null",
      ],
      [
        { tlsContext: "ca.pem" as never },
        "TypeError",
        'tlsContext must be an options object, got "ca.pem"',
      ],
      [
        { tls: true, tlsStandardCompatible: "yes" as never },
        "TypeError",
        'tlsStandardCompatible must be a boolean, got "yes"',
      ],
      // Checked even when it asks for no TLS, as every other option is.
      [
        { tlsStandardCompatible: 0 as never },
        "TypeError",
        "tlsStandardCompatible must be a boolean, got 0",
      ],
      [
        { tls: true, happyEyeballsDelay: -1 },
        "RangeError",
        "happyEyeballsDelay must be a non-negative number, got -1",
      ],
    ];
    try {
      // A literal address connects without a lookup; a name is looked up first.
      for (const host of ["127.0.0.1", "localhost"]) {
        for (const [options, name, message] of cases) {
          await assert.rejects(connectTcp(host, port, options), { name, message }, message);
        }
      }
      // Without a tlsHostname, the host connected to is the name verified: it must be one.
      await assert.rejects(connectTcp("", port, { tls: true }), {
        name: "TypeError",
        message: 'remoteHost must be a non-empty string, got ""',
      });
      assert.deepEqual(lookups, []);
      // The kernel queues connections in the order they were made: if a bad call had
      // connected, accept() would return that connection before this one.
      await using probe = await connectTcp("127.0.0.1", port);
      await using accepted = await listener.accept();
      assert.equal(
        accepted.extra(SocketAttribute.remotePort),
        probe.extra(SocketAttribute.localPort),
      );
      assert.deepEqual(lookups, []);
    } finally {
      connectTcpSeams.getaddrinfo = realLookup;
      await multi.close();
    }
  });
});

describe("TLSListener", () => {
  it("rejects bad arguments", () => {
    assert.throws(() => new TLSListener({} as never, serverContext), /listener must be a Listener/);
  });

  it("survives garbage, a silent client and a client that hangs up; keeps serving", async () => {
    const tcp = await createTcpListener({ localHost: "127.0.0.1" });
    const errors: unknown[] = [];
    const listener = new TLSListener(tcp, serverContext, {
      handshakeTimeout: 100,
      onHandshakeError: (error) => errors.push(error),
    });
    const port = tcp.extra(SocketAttribute.localPort);
    let handled = 0;
    try {
      await withTaskGroup(async (tg) => {
        tg.startSoon(() =>
          listener.serve(async (stream) => {
            handled++;
            await stream.send(await stream.receive());
          }),
        );
        // Garbage: an HTTP request to a TLS port.
        await rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        // A client that connects and says nothing (the handshake timeout ends it).
        const silent = rawConnect(port, "127.0.0.1");
        silent.on("error", () => {});
        // A client that connects and hangs up at once.
        const gone = rawConnect(port, "127.0.0.1", () => gone.destroy());
        gone.on("error", () => {});
        while (errors.length < 3) await sleep(10);
        silent.destroy();
        // A good client is still served.
        await using stream = await connectTcp("127.0.0.1", port, { tlsContext: clientContext });
        await stream.send(encoder.encode("still here"));
        assert.equal(decoder.decode(await stream.receive()), "still here");
        tg.cancelScope.cancel();
      });
    } finally {
      await listener.close();
    }
    assert.equal(handled, 1);
    assert.ok(
      errors.some((e) => e instanceof TimeoutError),
      errors.map(String).join("; "),
    );
    assert.ok(errors.some((e) => e instanceof BrokenResourceError));
  });
});

/** Connects with raw node:net, sends `text`, waits until the peer closes. */
function rawExchange(port: number, text: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = rawConnect(port, "127.0.0.1", () => socket.write(text));
    socket.on("error", () => resolve());
    socket.on("close", () => resolve());
    socket.resume();
  });
}

export type { SocketStream };
