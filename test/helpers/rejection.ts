/** What a call that must fail failed with: its GrpcError. Anything else thrown is rethrown; success fails the test. */
import { GrpcError } from '../../src/wire/grpc/error.js';

export async function rejection(p: Promise<unknown>): Promise<GrpcError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GrpcError) return err;
    throw err;
  }
  throw new Error('expected the call to fail with a GrpcError; it succeeded');
}
