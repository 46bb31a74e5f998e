/**
 * TLS against peers nobody here wrote: the `openssl s_server` and `s_client` tools. When
 * `openssl` is missing, the setup installs it with apt-get (under a lock: two runtimes test at
 * once); only where that cannot be done are these tests skipped, with the reason printed.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  BrokenResourceError,
  connectTcp,
  createTcpListener,
  SocketAttribute,
  TLSAttribute,
  TLSListener,
  type TLSStream,
  withTaskGroup,
} from "../src/index.js";
import { describe, it } from "./harness.js";

const fixtures = fileURLToPath(new URL("../../test/fixtures/tls/", import.meta.url));
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function hasOpenssl(): boolean {
  return spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0;
}

/** Where concurrent installs of openssl wait for each other (see opensslInstallCommand). */
const APT_LOCK_FILE = join(tmpdir(), "anyio-ts-apt.lock");
const APT_GET = "apt-get -o DPkg::Lock::Timeout=300";

/**
 * The command that installs Debian's openssl package, as `[command, args]`. scripts/test.mjs
 * runs two runtimes at once, so two of these can start together, and the second apt-get would
 * exit 100 ("Could not get lock"): the whole install runs under `flock` on `lockFile`, and
 * looks for openssl again once it holds the lock (the run before it may have installed it).
 * apt-get's `DPkg::Lock::Timeout` waits for dpkg's lock held by anyone else (unattended
 * upgrades), but not for the lists lock `apt-get update` takes: hence flock for our own race.
 */
function opensslInstallCommand(lockFile: string): [string, string[]] {
  const install = `command -v openssl >/dev/null 2>&1 || ${APT_GET} install -y openssl || { ${APT_GET} update && ${APT_GET} install -y openssl; }`;
  return ["sh", ["-c", 'exec flock "$0" sh -c "$1"', lockFile, install]];
}

/**
 * Finds openssl, installing it only if it is not on PATH (then never touching apt at all);
 * the reason if it cannot.
 */
function ensureOpenssl(): string | undefined {
  if (hasOpenssl()) return undefined;
  const [command, args] = opensslInstallCommand(APT_LOCK_FILE);
  const install = spawnSync(command, args, {
    stdio: "ignore",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (hasOpenssl()) return undefined;
  return `openssl is not installed and apt-get could not install it (exit ${install.status})`;
}

/** A running openssl command, its output collected. */
class OpenSSL {
  readonly proc: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.proc = spawn("openssl", args, { cwd: fixtures, stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stdout?.on("data", (d: Buffer) => {
      this.stdout += d.toString();
    });
    this.proc.stderr?.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => this.proc.on("close", (code) => resolve(code)));
  }

  /** Waits until stdout matches `pattern` (or the process ends); the match. */
  async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match !== null) return match;
      if (this.proc.exitCode !== null) {
        throw new Error(`openssl exited (${this.proc.exitCode}) before ${pattern}: ${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Ends the process (if still running) and waits until it is gone. */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      process.kill(this.proc.pid as number, "SIGTERM");
    }
    await this.exited;
  }
}

/** Starts `openssl s_server` on a free loopback port; returns it and the port. */
async function sServer(extra: string[]): Promise<[OpenSSL, number]> {
  const server = new OpenSSL([
    "s_server",
    "-accept",
    "127.0.0.1:0",
    "-cert",
    "server.pem",
    "-key",
    "server.key",
    "-naccept",
    "1",
    ...extra,
  ]);
  const match = await server.waitFor(/ACCEPT 127\.0\.0\.1:(\d+)/);
  return [server, Number(match[1])];
}

describe("installing openssl", () => {
  /**
   * Runs the install command `times` times at once with PATH holding only a fake apt-get (and
   * the tools the scripts use), so no real package is touched: the fake's `install` fails
   * until an `update` ran, then "installs" a fake openssl; two fakes running at once fail as
   * apt-get does on dpkg's lock. Returns the exit codes and the apt-get calls in order.
   */
  async function runInstalls(times: number, opensslThere: boolean) {
    const dir = mkdtempSync(join(tmpdir(), "anyio-openssl-"));
    try {
      const bin = join(dir, "bin");
      const log = join(dir, "apt.log");
      mkdirSync(bin);
      for (const tool of ["sh", "flock", "sleep", "mkdir", "rmdir", "chmod"]) {
        const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
        symlinkSync(found.stdout.trim(), join(bin, tool));
      }
      const fakeOpenssl = "#!/bin/sh\nexit 0\n";
      if (opensslThere) writeFileSync(join(bin, "openssl"), fakeOpenssl, { mode: 0o755 });
      writeFileSync(
        join(bin, "apt-get"),
        [
          "#!/bin/sh",
          `echo "$*" >> ${log}`,
          `mkdir ${dir}/busy 2>/dev/null || { echo "E: Could not get lock" >&2; exit 100; }`,
          "sleep 0.05",
          'case "$*" in',
          `  *update*) mkdir ${dir}/updated ;;`,
          `  *install*) [ -d ${dir}/updated ] || { rmdir ${dir}/busy; exit 100; }`,
          `    printf '${fakeOpenssl}' > ${bin}/openssl; chmod +x ${bin}/openssl ;;`,
          "esac",
          `rmdir ${dir}/busy`,
        ].join("\n"),
      );
      chmodSync(join(bin, "apt-get"), 0o755);
      const [command, args] = opensslInstallCommand(join(dir, "apt.lock"));
      const codes = await Promise.all(
        Array.from(
          { length: times },
          () =>
            new Promise<number | null>((resolve, reject) => {
              const child = spawn(command, args, { stdio: "ignore", env: { PATH: bin } });
              child.on("error", reject);
              child.on("close", resolve);
            }),
        ),
      );
      let calls: string[] = [];
      try {
        calls = readFileSync(log, "utf8").trim().split("\n");
      } catch {
        // No log: apt-get never ran.
      }
      return { codes, calls };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("two installs at once take turns under the lock: one apt-get run, no lock error", async () => {
    const { codes, calls } = await runInstalls(2, false);
    assert.deepEqual(codes, [0, 0]);
    // The first install fails on empty lists, so update, then install; the second run finds
    // openssl once it holds the lock and runs nothing.
    const options = "-o DPkg::Lock::Timeout=300";
    assert.deepEqual(calls, [
      `${options} install -y openssl`,
      `${options} update`,
      `${options} install -y openssl`,
    ]);
  });

  it("runs no apt-get at all when openssl is on PATH", async () => {
    const { codes, calls } = await runInstalls(1, true);
    assert.deepEqual(codes, [0]);
    assert.deepEqual(calls, []);
  });
});

const missing = ensureOpenssl();
if (missing !== undefined) console.log(`# tls-openssl: skipped: ${missing}`);
else {
  describe("TLS against openssl s_server (our client)", () => {
    it("verifies the server, negotiates TLS 1.3 and ALPN, and talks (s_server -rev)", async () => {
      const [server, port] = await sServer(["-rev", "-alpn", "h2"]);
      try {
        const stream = await connectTcp("127.0.0.1", port, {
          tlsHostname: "localhost",
          tlsContext: { ca: caPem(), ALPNProtocols: ["h2"] },
        });
        try {
          assert.equal(stream.extra(TLSAttribute.tlsVersion), "TLSv1.3");
          assert.equal(stream.extra(TLSAttribute.alpnProtocol), "h2");
          await stream.send(encoder.encode("hello openssl\n"));
          assert.equal(await receiveLine(stream), [..."hello openssl"].reverse().join(""));
        } finally {
          await stream.close();
        }
      } finally {
        await server.stop();
      }
    });

    it("speaks TLS 1.2 when the server only does that", async () => {
      const [server, port] = await sServer(["-rev", "-tls1_2"]);
      try {
        const stream = await connectTcp("127.0.0.1", port, {
          tlsHostname: "localhost",
          tlsContext: { ca: caPem() },
        });
        try {
          assert.equal(stream.extra(TLSAttribute.tlsVersion), "TLSv1.2");
          await stream.send(encoder.encode("abc\n"));
          assert.equal(await receiveLine(stream), "cba");
        } finally {
          await stream.close();
        }
      } finally {
        await server.stop();
      }
    });

    it("refuses the server's certificate for another host name, and closes the socket", async () => {
      const [server, port] = await sServer(["-rev"]);
      try {
        await assert.rejects(
          connectTcp("127.0.0.1", port, {
            tlsHostname: "example.com",
            tlsContext: { ca: caPem() },
          }),
          (e: unknown) =>
            e instanceof BrokenResourceError &&
            (e.cause as { code?: string }).code === "ERR_TLS_CERT_ALTNAME_INVALID",
        );
        // openssl sees the connection end: it exits after its one accepted connection.
        assert.notEqual(await server.exited, undefined);
      } finally {
        await server.stop();
      }
    });
  });

  describe("TLS against openssl s_client (our server)", () => {
    it("s_client verifies our certificate and gets our answer", async () => {
      const tcp = await createTcpListener({ localHost: "127.0.0.1" });
      const listener = new TLSListener(tcp, {
        key: keyPem(),
        cert: certPem(),
        ALPNProtocols: ["h2"],
      });
      const port = tcp.extra(SocketAttribute.localPort);
      let alpn: string | null = null;
      try {
        await withTaskGroup(async (tg) => {
          tg.startSoon(() =>
            listener.serve(async (stream) => {
              alpn = stream.extra(TLSAttribute.alpnProtocol);
              const line = await receiveLine(stream);
              await stream.send(encoder.encode(`you said ${line}\n`));
            }),
          );
          const client = new OpenSSL([
            "s_client",
            "-connect",
            `127.0.0.1:${port}`,
            "-CAfile",
            "ca.pem",
            "-servername",
            "localhost",
            "-verify_hostname",
            "localhost",
            "-verify_return_error",
            "-alpn",
            "h2",
            "-quiet",
          ]);
          try {
            client.proc.stdin?.write("ping\n");
            await client.waitFor(/you said ping/);
            client.proc.stdin?.end();
            assert.equal(await client.exited, 0, client.stderr);
          } finally {
            await client.stop();
          }
          tg.cancelScope.cancel();
        });
      } finally {
        await listener.close();
      }
      assert.equal(alpn, "h2");
    });

    it("a client that rejects our certificate is reported and the listener keeps serving", async () => {
      const tcp = await createTcpListener({ localHost: "127.0.0.1" });
      const errors: unknown[] = [];
      const listener = new TLSListener(
        tcp,
        { key: keyPem(), cert: certPem() },
        { onHandshakeError: (error) => errors.push(error) },
      );
      const port = tcp.extra(SocketAttribute.localPort);
      try {
        await withTaskGroup(async (tg) => {
          tg.startSoon(() => listener.serve(async (stream) => stream.send(await stream.receive())));
          const picky = new OpenSSL([
            "s_client",
            "-connect",
            `127.0.0.1:${port}`,
            "-CAfile",
            "ca.pem",
            "-verify_hostname",
            "example.com",
            "-verify_return_error",
            "-quiet",
          ]);
          picky.proc.stdin?.end();
          assert.notEqual(await picky.exited, 0);
          while (errors.length === 0) await new Promise((r) => setTimeout(r, 10));
          assert.ok(errors[0] instanceof BrokenResourceError, String(errors[0]));
          // A well-behaved client is still served.
          await using stream = await connectTcp("127.0.0.1", port, {
            tlsHostname: "localhost",
            tlsContext: { ca: caPem() },
          });
          await stream.send(encoder.encode("again"));
          assert.equal(decoder.decode(await stream.receive()), "again");
          tg.cancelScope.cancel();
        });
      } finally {
        await listener.close();
      }
    });
  });
}

/** Receives until a newline; the line without it. */
async function receiveLine(stream: TLSStream): Promise<string> {
  let text = "";
  while (!text.includes("\n")) text += decoder.decode(await stream.receive());
  return text.slice(0, text.indexOf("\n"));
}

function readFixture(name: string): string {
  return readFileSync(`${fixtures}${name}`, "utf8");
}
function caPem(): string {
  return readFixture("ca.pem");
}
function keyPem(): string {
  return readFixture("server.key");
}
function certPem(): string {
  return readFixture("server.pem");
}
