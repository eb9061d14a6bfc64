/**
 * What the userinfo server and client share: the service definition, loaded
 * at startup from proto/userinfo.proto, and the shapes of its two messages.
 *
 *   service UserInfo { rpc GetUserInfo (UserRequest) returns (UserResponse); }
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadProtoSync, type UnaryMethod } from '../../src/service/index.js';

export interface UserRequest {
  name: string;
}

export interface UserResponse {
  id: number;
  name: string;
  age: number;
  hobby: string[];
}

// The same file works from the sources (examples/userinfo/) and compiled (dist/examples/userinfo/).
const protoFile = ['../../proto/userinfo.proto', '../../../proto/userinfo.proto']
  .map((path) => fileURLToPath(new URL(path, import.meta.url)))
  .find((path) => existsSync(path));
if (!protoFile) throw new Error('proto/userinfo.proto not found next to the examples');

/** The client stub's type: `createClient<UserInfoClient>(UserInfo, target)`. */
export interface UserInfoClient {
  getUserInfo: UnaryMethod<UserRequest, UserResponse>;
}

/** `proto.UserInfo`: its one method is `GetUserInfo` (client stub: `getUserInfo`). */
export const UserInfo = loadProtoSync(protoFile).service('proto.UserInfo');
