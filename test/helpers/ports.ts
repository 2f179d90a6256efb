// Ports without races. Everything a test starts listens on port 0 and reports the port it
// got; nothing picks a "free port" for someone else to bind later (another test may take it
// meanwhile: `listen EADDRINUSE`). Where an address must be known before its server listens
// (the config's listen address that a CLI command reads, the OAuth redirect URI built from
// it, a daemon that restarts "on the same port"), the test holds that port with a relay
// and forwards it to wherever the server really listens, once that is known.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

/** A TCP relay on 127.0.0.1:0 that the test holds; each connection goes to the current target. */
export interface Relay {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /**
   * Sends connections from now on to 127.0.0.1:`port`. Without a target (at first, or after
   * `forward(undefined)`) a connection is reset at once, as by a server that is down.
   */
  forward(port: number | undefined): void;
  readonly target: number | undefined;
  close(): Promise<void>;
}

/** Starts a relay, closed after the test when `t` is given (else by its `close()`). */
export async function startRelay(t?: TestContext): Promise<Relay> {
  let target: number | undefined;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (target === undefined) return void client.resetAndDestroy();
    const upstream = connect(target, '127.0.0.1');
    open.add(upstream);
    upstream.once('close', () => open.delete(upstream));
    upstream.on('error', () => client.resetAndDestroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const relay: Relay = {
    port,
    url: `http://127.0.0.1:${port}`,
    forward: (next) => void (target = next),
    get target() {
      return target;
    },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      })),
  };
  t?.after(() => relay.close());
  return relay;
}

/**
 * A loopback port where nothing listens, held for the whole test so that no server can
 * bind it meanwhile: the local end of a connection we keep open. A connection to it is
 * refused (no socket listens there), and a listen() on it fails (the port is bound).
 */
export async function refusedPort(t: TestContext): Promise<number> {
  const anchor = createServer();
  await new Promise<void>((resolve) => anchor.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => anchor.once('connection', resolve));
  const holder = connect((anchor.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => holder.once('connect', resolve).once('error', reject));
  const other = await accepted;
  // Only the established pair stays; the anchor stops listening on its own port.
  anchor.close();
  t.after(() => {
    holder.destroy();
    other.destroy();
  });
  return holder.localPort!;
}

/**
 * The TCP ports process `pid` listens on (Linux: its socket inodes from /proc/PID/fd, looked
 * up in /proc/PID/net/tcp and tcp6): for a child that binds port 0 and does not print it.
 */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return []; // the process is gone
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const LISTEN = '0A';
      if (fields[3] === LISTEN && inodes.has(fields[9]!)) ports.add(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return [...ports];
}
