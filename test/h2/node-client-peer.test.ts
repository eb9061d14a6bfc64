// The other direction of node-peer.test.ts: a node:http2 *client* talks to a
// server made only of src/h2 on a raw TCP socket. Our FrameReader checks the real
// client preface; our HPACK decoder reads nghttp2's requests; our encoder writes
// the responses and trailers (echoing each request's x- headers) for nghttp2's
// decoder — across the size updates the client's SETTINGS_HEADER_TABLE_SIZE
// changes require, the first at connection start and one mid-connection.
import t from 'tap';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '../../src/h2/errors.js';
import { FrameType, type Frame } from '../../src/h2/frame.js';
import { FrameReader } from '../../src/h2/frame-reader.js';
import { encodeFieldBlock, encodeGoaway, encodeSettings, encodeSettingsAck } from '../../src/h2/frame-write.js';
import { HpackDecoder } from '../../src/h2/hpack-decoder.js';
import { HpackEncoder } from '../../src/h2/hpack-encoder.js';
import { SettingId } from '../../src/h2/settings.js';
import { randomLists } from './random-headers.js';

/** One connection of the src/h2 echo server. */
function serve(socket: net.Socket, problems: string[]): void {
  const encoder = new HpackEncoder({ huffman: 'auto' });
  const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 20 });
  let block: Uint8Array[] = [];
  let blockStream = 0;
  let blockEnds = false;
  const frame = (f: Frame) => {
    switch (f.type) {
      case FrameType.SETTINGS:
        if (f.ack) return;
        for (const s of f.settings) if (s.id === SettingId.HEADER_TABLE_SIZE) encoder.setPeerMaxTableSize(s.value);
        socket.write(encodeSettingsAck());
        return;
      case FrameType.HEADERS:
      case FrameType.CONTINUATION: {
        if (f.type === FrameType.HEADERS) [blockStream, blockEnds] = [f.streamId, f.endStream];
        block.push(f.fragment);
        if (!f.endHeaders) return;
        const request = decoder.decode(Uint8Array.from(block.flatMap((b) => [...b])), blockStream);
        block = [];
        if (!blockEnds) return problems.push(`stream ${blockStream}: a request body was not expected`);
        const echoed: string[] = [];
        for (let i = 0; i < request.length; i += 2)
          if (request[i]!.startsWith('x-')) echoed.push(request[i]!, request[i + 1]!);
        socket.write(encodeFieldBlock(blockStream, encoder.encode([':status', '200', ...echoed])));
        socket.write(encodeFieldBlock(blockStream, encoder.encode(echoed), { endStream: true }));
        return;
      }
      case FrameType.RST_STREAM:
        problems.push(`stream ${f.streamId} reset with ${f.errorCode}`);
        return socket.destroy();
      case FrameType.GOAWAY:
        if (f.errorCode !== ErrorCode.NO_ERROR) {
          // The client found fault with us: hang up, so its requests end now.
          problems.push(`GOAWAY ${f.errorCode} ${Buffer.from(f.debugData)}`);
          socket.destroy();
        }
        return;
      case FrameType.DATA:
      case FrameType.PRIORITY:
      case FrameType.PUSH_PROMISE:
      case FrameType.PING:
      case FrameType.WINDOW_UPDATE:
        return;
    }
  };
  const reader = new FrameReader({ preface: true, onFrame: frame, onStreamError: (e) => problems.push(e.message) });
  // The server preface: our SETTINGS, sent at once.
  socket.write(encodeSettings([{ id: SettingId.MAX_HEADER_LIST_SIZE, value: 1 << 20 }]));
  socket.on('data', (chunk: Buffer) => {
    try {
      reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (err) {
      problems.push(String(err));
      socket.end(encodeGoaway(0, ErrorCode.PROTOCOL_ERROR));
    }
  });
  socket.on('error', (err) => problems.push(String(err)));
}

t.test('a node:http2 client and a src/h2 server exchange random header lists', { timeout: 60_000 }, async (t) => {
  const problems: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, problems);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as AddressInfo).port;
  // The client's table starts at 1024: our encoder's first block must shrink to it.
  const client = http2.connect(`http://127.0.0.1:${port}`, {
    settings: { headerTableSize: 1024, maxHeaderListSize: 1 << 20 },
    maxHeaderListPairs: 2000,
  });
  t.teardown(() => client.destroy());
  // Should the session fail, every request still waiting ends with it: a failure, not a hang.
  const waiting = new Set<() => void>();
  const endAll = () => {
    for (const end of waiting) end();
  };
  client.on('error', (err) => {
    problems.push(`client: ${String(err)}`);
    endAll();
  });
  client.on('goaway', (code) => {
    if (code !== 0) problems.push(`client got GOAWAY ${code}`);
    endAll();
  });
  client.on('close', endAll);
  await once(client, 'connect');

  const lists = randomLists(11, 120);
  let matched = 0;
  for (let at = 0; at < lists.length && problems.length === 0; at += 20) {
    if (at === 60) {
      // Mid-connection the client lowers its table to 128; our next response block must say so.
      client.settings({ headerTableSize: 128 });
      await once(client, 'localSettings');
    }
    const batch = lists.slice(at, at + 20);
    const answers = await Promise.all(
      batch.map(
        (list) =>
          new Promise<{ headers: string[]; trailers: string[] }>((resolve) => {
            const headers: Record<string, string> = { ':method': 'GET', ':path': '/echo' };
            for (let i = 0; i < list.length; i += 2) headers[list[i]!] = list[i + 1]!;
            const req = client.request(headers, { endStream: true });
            const got = { headers: [] as string[], trailers: [] as string[] };
            const flat = (h: http2.IncomingHttpHeaders) =>
              Object.entries(h).flatMap(([k, v]) => (k.startsWith('x-') && typeof v === 'string' ? [k, v] : []));
            req.on('response', (h) => (got.headers = flat(h)));
            req.on('trailers', (h) => (got.trailers = flat(h)));
            req.on('error', (err) => problems.push(`request: ${String(err)}`));
            const end = () => {
              waiting.delete(end);
              resolve(got);
            };
            waiting.add(end);
            req.on('close', end);
            req.resume();
          }),
      ),
    );
    answers.forEach((a, i) => {
      const sent = JSON.stringify(batch[i]);
      if (JSON.stringify(a.headers) === sent && JSON.stringify(a.trailers) === sent) matched++;
      else if (problems.length === 0) t.fail(`list ${at + i} came back changed`, { sent: batch[i], got: a });
    });
  }
  t.same(problems, [], 'no error on either side');
  t.equal(matched, lists.length, `all ${lists.length} lists came back as headers and as trailers`);
  const closed = once(client, 'close');
  client.close();
  await closed;
});
