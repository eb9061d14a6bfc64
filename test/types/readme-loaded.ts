// README "The API", the loaded routes, verbatim (test/package/readme-snippets.test.ts holds README to it).
// ```ts
import { createClient, loadProtoSync, methodStub } from 'wiregrpc';
import type { UserInfo as Typed } from './gen/userinfo.js'; // types only: this module is never loaded

const protos = loadProtoSync('proto/userinfo.proto'); // parsed now, by protobufjs

// Typed: the schemas from the .proto, the types from the generated definition.
const UserInfo = protos.service<typeof Typed>('proto.UserInfo');
const typed = createClient(UserInfo, 'localhost:50051');
const user = await typed.getUserInfo({ name: 'foo' }); // UserResponse, checked as above

// Dynamic: nothing known at compile time. Stubs take and return `any` (call options are still checked);
// methodStub looks one up by name and throws a TypeError listing the methods if there is none.
const dynamic = createClient(protos.service('proto.UserInfo'), 'localhost:50051');
const getUserInfo = methodStub(dynamic, 'getUserInfo');
const same: unknown = await getUserInfo({ name: 'foo' }, { timeout: 1000 });
// ```
void user;
void same;
