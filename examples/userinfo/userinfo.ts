/**
 * What the userinfo server and client share: the service definition, loaded
 * at startup from proto/userinfo.proto, and the shapes of its two messages.
 *
 *   service UserInfo { rpc GetUserInfo (UserRequest) returns (UserResponse); }
 *
 * This is the typed loader: the schemas come from the .proto at run time
 * (protobufjs parses it), the types from the definition `wiregrpc gen` wrote
 * for the same file, imported as a type only (the generated module is never
 * loaded). Client stubs and handlers are then checked as with generated code.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadProtoSync } from '../../src/service/index.js';

// The message shapes and the client's type come from `wiregrpc gen` (examples/userinfo/gen/), so they cannot
// drift from the .proto; only the service definition itself is loaded from the .proto at startup.
export type { UserRequest, UserResponse, UserInfoClient } from './gen/userinfo.js';
import type { UserInfo as Typed } from './gen/userinfo.js';

// The same file works from the sources (examples/userinfo/) and compiled (dist/examples/userinfo/).
const protoFile = ['../../proto/userinfo.proto', '../../../proto/userinfo.proto']
  .map((path) => fileURLToPath(new URL(path, import.meta.url)))
  .find((path) => existsSync(path));
if (!protoFile) throw new Error('proto/userinfo.proto not found next to the examples');

/** `proto.UserInfo`: its one method is `GetUserInfo` (client stub: `getUserInfo`). */
export const UserInfo = loadProtoSync(protoFile).service<typeof Typed>('proto.UserInfo');
