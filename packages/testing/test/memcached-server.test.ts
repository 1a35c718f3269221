import { expect } from 'chai';
import { connect, createServer } from 'node:net';
import { startMemcached } from '../src/index.js';

function roundTrip(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(command));
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) {
        socket.end();
        resolve(reply);
      }
    });
    socket.on('error', reject);
  });
}

describe('startMemcached', () => {
  it('serves memcached on a free loopback port and stops', async () => {
    const server = await startMemcached();
    try {
      expect(server.location).to.equal(`127.0.0.1:${server.port}`);
      expect(await roundTrip(server.port, 'set k 0 60 1\r\nv\r\n')).to.equal('STORED\r\n');
      expect(await roundTrip(server.port, 'get k\r\n')).to.equal('VALUE k 0 1\r\nv\r\nEND\r\n');
    } finally {
      await server.stop();
    }
    await roundTrip(server.port, 'version\r\n').then(
      () => expect.fail('still listening after stop'),
      (err: NodeJS.ErrnoException) => expect(err.code).to.equal('ECONNREFUSED'),
    );
  });

  it('gives two servers two ports', async () => {
    const [a, b] = await Promise.all([startMemcached(), startMemcached()]);
    try {
      expect(a.port).to.not.equal(b.port);
    } finally {
      await Promise.all([a.kill(), b.kill()]);
    }
  });

  it('forgets every item on flush, and keeps serving', async () => {
    const server = await startMemcached();
    try {
      await roundTrip(server.port, 'set k 0 60 1\r\nv\r\n');
      await server.flush();
      expect(await roundTrip(server.port, 'get k\r\n')).to.equal('END\r\n');
      expect(await roundTrip(server.port, 'set k 0 60 1\r\nw\r\n')).to.equal('STORED\r\n');
    } finally {
      await server.stop();
    }
  });

  it('never takes another memcached on its port for its own: the start fails, naming the port in use', async () => {
    const other = await startMemcached();
    try {
      await startMemcached({ port: other.port }).then(
        () => expect.fail('started on a port another memcached holds'),
        (error: Error) => expect(error.message).to.match(/Address already in use/),
      );
    } finally {
      await other.stop();
    }
  });

  it('never takes a server that is not memcached for its own', async () => {
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as { port: number };
    try {
      await startMemcached({ port }).then(
        () => expect.fail('started on a port another server holds'),
        (error: Error) => expect(error.message).to.match(/memcached exited/),
      );
    } finally {
      squatter.close();
    }
  });
});
