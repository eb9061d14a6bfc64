/**
 * Two ByteStreams joined back to back in memory (tests, benches): skeleton, body to come.
 */
import type { ByteStream } from './byte-stream.js';

export interface MemoryPipeOptions {
  highWaterMark?: number;
  chunkSize?: number;
}

export function memoryPipe(options: MemoryPipeOptions = {}): [ByteStream, ByteStream] {
  void options;
  throw new Error('not yet');
}
