/**
 * A node:net Socket or node:tls TLSSocket as a ByteStream: skeleton, body to come.
 */
import type { Socket } from 'node:net';
import type { ByteStream } from './byte-stream.js';

export function nodeSocket(socket: Socket): ByteStream {
  void socket;
  throw new Error('not yet');
}
