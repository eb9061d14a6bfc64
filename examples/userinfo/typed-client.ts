/**
 * The userinfo client, typed by generated code:
 * `node dist/examples/userinfo/typed-client.js [target] [name]` (defaults: localhost:50051, foo).
 *
 * `createClient(UserInfo, target)` knows from gen/userinfo.ts that
 * `getUserInfo` takes a UserRequest and resolves to a UserResponse: a typo in
 * a field name, or a number where the name goes, does not compile.
 */
import { GrpcError, codeName, createClient } from '../../src/service/core.js';
import { UserInfo, type UserResponse } from './gen/userinfo.js';

const target = process.argv[2] ?? 'localhost:50051';
const name = process.argv[3] ?? 'foo';

const client = createClient(UserInfo, target);
try {
  const user: UserResponse = await client.getUserInfo({ name }, { timeout: 10_000 });
  console.log(`${user.name} (id ${user.id}, age ${user.age}) likes ${user.hobby.join(', ') || 'nothing'}`);
} catch (error) {
  const e = GrpcError.from(error);
  console.error(`${codeName(e.code)}: ${e.rawMessage}`);
  process.exitCode = e.code;
} finally {
  await client.close();
}
