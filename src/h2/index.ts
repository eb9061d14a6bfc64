/**
 * wiregrpc's own HTTP/2, first floor: frames (RFC 9113 §4–6) and HPACK (RFC 7541),
 * in plain TypeScript over Uint8Array — no Node module, so it runs wherever a byte
 * stream does (Node, Deno, Bun, workerd, browsers).
 *
 *   errors.ts          error codes of §7, H2Error (connection or stream, whose fault)
 *   frame.ts           the 9-byte frame header, frame types, flags, the parsed frames
 *   frame-parse.ts     bytes → frame, with the RFC's error for every malformed case
 *   frame-write.ts     frame → bytes; field blocks split into HEADERS + CONTINUATION
 *   frame-reader.ts    a connection's bytes, in any chunking → frames (preface, limits)
 *   settings.ts        SETTINGS parameters, their defaults and §6.5.2 checks
 *   huffman.ts         HPACK's static Huffman code
 *   hpack-table.ts     the static and dynamic tables
 *   hpack-primitives.ts  HPACK integers and string literals
 *   hpack-decoder.ts   header block → flat header list
 *   hpack-encoder.ts   flat header list → header block
 *   stream-state.ts    the §5.1 stream state machine, as pure transitions
 *
 * Second floor: the connection, either role, over any byte stream.
 *
 *   byte-stream.ts     the one thing a runtime provides: a duplex of bytes
 *   connection.ts      Connection: the public API (request, settings, ping, goaway, destroy)
 *   connection-receive.ts   frames in: §6 dispatch, stream rules, SETTINGS, GOAWAY
 *   connection-core.ts      state, sending (HEADERS, DATA pumping), errors, closing
 *   connection-options.ts   options, defaults, the SETTINGS we announce
 *   stream.ts          H2Stream: one request/response, callbacks, its send queue
 *   stream-table.ts    streams by id, recently closed ones, id rules (§5.1.1)
 *   flow-control.ts    windows both ways (§5.2, §6.9)
 *   pseudo-headers.ts  what requests, responses and trailers must carry (§8.3)
 *   policy.ts          ping strikes (gRFC A8), the early-reset budget
 *   output.ts          one buffer, one write per tick
 *   memory-pipe.ts     two ByteStreams back to back (tests, benches)
 *   node-socket.ts     node:net / node:tls sockets as a ByteStream (not exported here:
 *                      this index stays free of Node; import it by path)
 */
export { ErrorCode, errorCodeName, H2Error, type ErrorFault, type ErrorScope } from './errors.js';
export * from './frame.js';
export { parseFrame } from './frame-parse.js';
export * from './frame-write.js';
export { DEFAULT_MAX_FIELD_BLOCK_SIZE, FrameReader, type FrameReaderOptions } from './frame-reader.js';
export { applySettings, checkSetting, DEFAULT_SETTINGS, SettingId, type Settings } from './settings.js';
export { HpackDecoder, DEFAULT_MAX_HEADER_LIST_SIZE, type HpackDecoderOptions } from './hpack-decoder.js';
export { HpackEncoder, SENSITIVE_HEADERS, UNINDEXED_HEADERS, type HpackEncoderOptions } from './hpack-encoder.js';
export { DynamicTable, STATIC_TABLE } from './hpack-table.js';
export { onReceive, onSend, type StreamEvent, type StreamState } from './stream-state.js';
export type { ByteSink, ByteStream } from './byte-stream.js';
export { Connection, type ConnectionOptions, type PingPolicy } from './connection.js';
export { H2Stream, type H2Connection } from './stream.js';
export { memoryPipe, type MemoryPipeOptions } from './memory-pipe.js';
