// The accept clock (src/http2/handshake.ts): a connection that does not show what it speaks within the timeout is
// closed; one that does keeps nothing of the clock (no timer, no 'close' listener) for the rest of its life.
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { armHandshake, handshakeDone, handshakePending } from '../../src/http2/handshake.js';

async function socketPair(t: Test): Promise<net.Socket> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, '127.0.0.1');
  const [accepted] = (await once(server, 'connection')) as [net.Socket];
  t.teardown(() => {
    client.destroy();
    accepted.destroy();
    server.close();
  });
  return accepted;
}

t.test('a connection silent past the timeout is closed', async (t) => {
  const socket = await socketPair(t);
  armHandshake(socket, 50);
  t.equal(handshakePending(socket), true);
  await once(socket, 'close');
  t.equal(socket.destroyed, true);
});

t.test('once the handshake is done, the socket keeps no timer and no listener of the clock', async (t) => {
  const socket = await socketPair(t);
  const listeners = socket.listenerCount('close');
  armHandshake(socket, 50);
  t.equal(socket.listenerCount('close'), listeners + 1, 'armed: one close listener more');
  handshakeDone(socket);
  t.equal(handshakePending(socket), false);
  t.equal(socket.listenerCount('close'), listeners, 'done: the listener is gone');
  await sleep(120);
  t.equal(socket.destroyed, false, 'and the timeout did not fire');
});
