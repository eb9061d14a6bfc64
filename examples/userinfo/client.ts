/**
 * The userinfo client: `node dist/examples/userinfo/client.js [target] [name]`
 * (defaults: localhost:50051, foo).
 *
 * Prints the user as JSON, or `CODE_NAME: message` on stderr and exits with the gRPC
 * status code (UNKNOWN → 2, UNAVAILABLE → 14, ...).
 */
import { GrpcError, codeName, createClient } from '../../src/service/index.js';
import { UserInfo } from './userinfo.js';

const target = process.argv[2] ?? 'localhost:50051';
const name = process.argv[3] ?? 'foo';

const client = createClient(UserInfo, target); // typed: getUserInfo(UserRequest) → Promise<UserResponse>
try {
  const user = await client.getUserInfo({ name }, { timeout: 10_000 });
  console.log(JSON.stringify(user));
} catch (error) {
  const e = GrpcError.from(error);
  console.error(`${codeName(e.code)}: ${e.rawMessage}`);
  process.exitCode = e.code;
} finally {
  await client.close();
}
