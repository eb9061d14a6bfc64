// Handing a run of bytes to a ByteStream (src/h2/byte-stream.ts writeRun): one write for a single
// run; the pieces of a run with large DATA payloads by writev where the adapter has it
// (node-socket.ts: cork, write each, uncork; web streams and Bun: joined into one write), else by a
// write per piece, in order.
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { joinPieces, writeRun, type ByteSink, type ByteStream } from '../../src/h2/byte-stream.js';
import { nodeSocket } from '../../src/h2/node-socket.js';
import { streamSocket } from '../../src/h2/web-stream-bytes.js';

/** An adapter without writev that records its writes and answers `full` after `limit` bytes. */
function recorder(limit: number): { stream: ByteStream; writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  let queued = 0;
  const stream: ByteStream = {
    start() {},
    write(data) {
      writes.push(data);
      queued += data.length;
      return queued <= limit;
    },
    end() {},
    destroy() {},
  };
  return { stream, writes };
}

const a = new Uint8Array([1, 2]);
const b = new Uint8Array(5000).fill(3);
const c = new Uint8Array([4]);

t.test('a single run is one write', (t) => {
  const { stream, writes } = recorder(100);
  t.equal(writeRun(stream, a), true);
  t.same(writes, [a]);
  t.end();
});

t.test('without writev, the pieces are written one by one, in order', (t) => {
  const { stream, writes } = recorder(10_000);
  t.equal(writeRun(stream, [a, b, c]), true);
  t.equal(writes.length, 3);
  t.ok(writes[0] === a && writes[1] === b && writes[2] === c, 'the pieces as given, not copies');
  t.end();
});

t.test('without writev, a full buffer on any piece says false, and every piece is still written', (t) => {
  const { stream, writes } = recorder(100);
  t.equal(writeRun(stream, [a, b, c]), false, 'the second piece filled the buffer');
  t.equal(writes.length, 3, 'the rest was queued all the same (write never drops bytes)');
  t.end();
});

t.test('writev is used where the adapter has it', (t) => {
  const { stream, writes } = recorder(100);
  const got: (readonly Uint8Array[])[] = [];
  stream.writev = (pieces) => {
    got.push(pieces);
    return true;
  };
  t.equal(writeRun(stream, [a, b, c]), true);
  t.equal(got.length, 1);
  t.same(writes, [], 'no write per piece');
  t.end();
});

/** A TCP pair on 127.0.0.1: our end as a ByteStream, the other a plain socket. */
async function tcpPair(t: Test): Promise<{ ours: ByteStream; theirs: Socket }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  const [theirs] = await accepted;
  t.teardown(() => {
    socket.destroy();
    theirs.destroy();
    server.close();
  });
  return { ours: nodeSocket(socket), theirs };
}

const sink = (): ByteSink => ({ data() {}, end() {}, error() {}, drain() {} });

t.test('node-socket writev: the pieces arrive in order, as one byte stream', async (t) => {
  const { ours, theirs } = await tcpPair(t);
  ours.start(sink());
  const pieces = [a, b, c, new Uint8Array(70_000).map((_, i) => i & 0xff), a];
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const chunks: Buffer[] = [];
  let received = 0;
  const all = new Promise<void>((resolve) =>
    theirs.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= total) resolve();
    }),
  );
  t.type(ours.writev!(pieces), 'boolean');
  await all;
  t.ok(Buffer.concat(chunks).equals(Buffer.concat(pieces)), `${total} bytes, in order`);
});

t.test('node-socket writev: past the high-water mark it says false, and drain follows', async (t) => {
  const { ours, theirs } = await tcpPair(t);
  theirs.pause(); // the peer reads nothing for now
  let drained = 0;
  let onDrain = (): void => {};
  const drain = new Promise<void>((resolve) => (onDrain = resolve));
  ours.start({
    ...sink(),
    drain: () => {
      drained++;
      onDrain();
    },
  });
  const big = new Uint8Array(4 << 20);
  let ok = true;
  for (let i = 0; i < 16 && ok; i++) ok = ours.writev!([a, big, c]);
  t.equal(ok, false, 'a writer that outruns the peer is told to wait');
  t.equal(drained, 0);
  let received = 0;
  theirs.on('data', (chunk: Buffer) => (received += chunk.length));
  theirs.resume();
  await drain;
  t.equal(drained, 1, 'drain once the queue went below the mark');
  t.ok(received > 0);
});

t.test('node-socket writev on a socket that was ended queues nothing', async (t) => {
  const { ours } = await tcpPair(t);
  ours.start(sink());
  ours.end();
  t.equal(ours.writev!([a, c]), false);
});

t.test('joinPieces: the pieces in one new array, in order', (t) => {
  const joined = joinPieces([a, b, c]);
  t.equal(joined.length, 5003);
  t.ok(Buffer.from(joined).equals(Buffer.concat([a, b, c])));
  t.equal(joinPieces([]).length, 0);
  t.end();
});

t.test('a web-streams socket (Deno, cloudflare:sockets) gets a tick’s pieces as one write', async (t) => {
  const chunks: Uint8Array[] = [];
  const socket = {
    readable: new ReadableStream<Uint8Array>(),
    writable: new WritableStream<Uint8Array>({ write: (chunk) => void chunks.push(chunk) }),
    close() {},
  };
  const ours = streamSocket(Promise.resolve(socket));
  ours.start(sink());
  await Promise.resolve();
  await Promise.resolve();
  t.equal(writeRun(ours, [a, b, c]), true, 'under the mark');
  t.equal(writeRun(ours, a), true);
  for (let i = 0; i < 10 && chunks.length < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  t.equal(chunks.length, 2, 'one write for the pieces, one for the single run');
  t.ok(Buffer.from(chunks[0]!).equals(Buffer.concat([a, b, c])), 'the pieces joined, in order');
  t.ok(Buffer.from(chunks[1]!).equals(a));
  ours.destroy();
});
