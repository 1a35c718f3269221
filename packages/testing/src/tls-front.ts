import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer } from 'node:tls';

/** A TLS endpoint on loopback in front of a plain-HTTP one. */
export interface TlsFront {
  /** https://127.0.0.1:PORT */
  url: string;
  /** TCP connections accepted so far, those that failed the TLS handshake included */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Terminates TLS on a free loopback port with `cert` and `key` and passes the bytes on to the plain
 * HTTP server at `target` (http://127.0.0.1:PORT): a simulated Keystone or service, served over
 * https without changing it. The server still builds its own URLs (links, Keystone's URLs) as http.
 */
export async function startTlsFront(target: string, credentials: { cert: string; key: string }): Promise<TlsFront> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let connections = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer(credentials, (client) => {
    const backend = connect(Number(port), hostname);
    track(backend);
    // Either side's end or failure ends the other: no half-open pair is left behind.
    client.on('error', () => backend.destroy());
    backend.on('error', () => client.destroy());
    client.pipe(backend).pipe(client);
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    track(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
