import { createServer, type Server, type Socket } from 'node:net';

/**
 * Fake apcupsd NIS and NUT upsd servers on 127.0.0.1 for fault injection: the real daemons
 * (test/peers/) prove the protocol; these misbehave on purpose — silent, slow, closing
 * mid-message, an endless line, a bogus length, garbage.
 */
export interface FakeServer {
  port: number;
  /** Lines (NUT) or frames (NIS) the server received, in order. */
  received: string[];
  connections: number;
  close(): Promise<void>;
}

export async function startTcpFake(onConnection: (socket: Socket, fake: FakeServer) => void): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    fake.connections++;
    // Small writes must not wait for delayed ACKs: a flood has to arrive as fast as it is sent.
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket, fake);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: FakeServer = {
    port: (server.address() as { port: number }).port,
    received: [],
    connections: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** Write forever, honouring backpressure, until the client goes away. */
export function floodUntilClosed(socket: Socket, chunk: Buffer): void {
  const pump = () => {
    while (!socket.destroyed && socket.write(chunk)) {
      /* keep writing while the buffer accepts */
    }
  };
  socket.on('drain', pump);
  pump();
}

export function nisRecords(text: string): Buffer {
  const parts: Buffer[] = [];
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const body = Buffer.from(`${line}\n`);
    const head = Buffer.alloc(2);
    head.writeUInt16BE(body.length);
    parts.push(head, body);
  }
  parts.push(Buffer.from([0, 0]));
  return Buffer.concat(parts);
}

export type NisBehaviour =
  | { kind: 'ok'; status: () => string }
  | { kind: 'silent' }
  | { kind: 'trickle'; status: string; everyMs: number }
  | { kind: 'close-mid-message'; status: string }
  | { kind: 'endless-records' }
  | { kind: 'bogus-length'; length: number }
  | { kind: 'garbage'; bytes: Buffer };

/** A NIS server: reads one framed command, then behaves as told. */
export function startFakeNis(behaviour: () => NisBehaviour): Promise<FakeServer> {
  return startTcpFake((socket, fake) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      fake.received.push(buf.subarray(2, 2 + buf.readUInt16BE(0)).toString());
      buf = Buffer.alloc(0);
      const b = behaviour();
      switch (b.kind) {
        case 'ok':
          socket.write(nisRecords(b.status()));
          break;
        case 'silent':
          break;
        case 'trickle': {
          const bytes = nisRecords(b.status);
          let i = 0;
          const t = setInterval(() => {
            if (socket.destroyed || i >= bytes.length) return clearInterval(t);
            socket.write(bytes.subarray(i, i + 1));
            i++;
          }, b.everyMs);
          socket.on('close', () => clearInterval(t));
          break;
        }
        case 'close-mid-message': {
          const bytes = nisRecords(b.status);
          socket.end(bytes.subarray(0, Math.floor(bytes.length / 2) + 1));
          break;
        }
        case 'endless-records':
          floodUntilClosed(socket, nisRecords('LOADPCT  : 37.0 Percent\n'.repeat(100)).subarray(0, -2));
          break;
        case 'bogus-length': {
          const head = Buffer.alloc(2);
          head.writeUInt16BE(b.length);
          socket.write(Buffer.concat([head, Buffer.from('STATUS   : ONLINE\n')]));
          break;
        }
        case 'garbage':
          socket.end(b.bytes);
          break;
      }
    });
  });
}

export type NutBehaviour =
  | { kind: 'ok'; vars: () => Record<string, string> }
  | { kind: 'err'; code: string }
  | { kind: 'silent' }
  | { kind: 'close-mid-message' }
  | { kind: 'endless-line' }
  | { kind: 'endless-list' }
  | { kind: 'garbage'; text: string };

const q = (v: string) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/** A NUT upsd speaking the line protocol for one UPS name; LIST VAR behaves as told. */
export function startFakeNut(ups: string, behaviour: () => NutBehaviour): Promise<FakeServer> {
  return startTcpFake((socket, fake) => {
    let pending = '';
    socket.on('data', (d: Buffer) => {
      pending += d.toString();
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        fake.received.push(line);
        answer(socket, line);
        nl = pending.indexOf('\n');
      }
    });
  });

  function answer(socket: Socket, line: string): void {
    if (/^(USERNAME|PASSWORD) /.test(line)) return void socket.write('OK\n');
    if (line === 'LOGOUT') return void socket.end('OK Goodbye\n');
    if (line !== `LIST VAR ${ups}`) return void socket.write(line.startsWith('LIST VAR ') ? 'ERR UNKNOWN-UPS\n' : 'ERR UNKNOWN-COMMAND\n');
    const b = behaviour();
    const listing = (vars: Record<string, string>) =>
      [`BEGIN LIST VAR ${ups}`, ...Object.entries(vars).map(([k, v]) => `VAR ${ups} ${k} ${q(v)}`), `END LIST VAR ${ups}`].join('\n') + '\n';
    switch (b.kind) {
      case 'ok':
        return void socket.write(listing(b.vars()));
      case 'err':
        return void socket.write(`ERR ${b.code}\n`);
      case 'silent':
        return;
      case 'close-mid-message': {
        const text = listing({ 'ups.status': 'OL', 'ups.load': '20', 'battery.charge': '100' });
        return void socket.end(text.slice(0, text.length - 12));
      }
      case 'endless-line':
        socket.write(`BEGIN LIST VAR ${ups}\nVAR ${ups} ups.status "`);
        floodUntilClosed(socket, Buffer.alloc(16 * 1024, 'O'));
        return;
      case 'endless-list':
        socket.write(`BEGIN LIST VAR ${ups}\n`);
        floodUntilClosed(socket, Buffer.from(`VAR ${ups} ups.load "1"\n`.repeat(100)));
        return;
      case 'garbage':
        return void socket.end(b.text);
    }
  }
}
