/**
 * The dynamic route: calling a service whose types the compiler does not know
 * (a .proto loaded at run time without a type argument, a name typed by a
 * user, the CLI). Its client is a DynamicClient, an index of stubs; under
 * `noUncheckedIndexedAccess` and `noPropertyAccessFromIndexSignature` every
 * `client.getUserInfo(...)` is, rightly, "possibly undefined". `methodStub`
 * is the checked lookup: it returns the stub, or throws a TypeError naming the
 * methods there are, before anything is sent.
 *
 *   const client = createClient(loadProtoSync('userinfo.proto').service('proto.UserInfo'), target);
 *   const getUserInfo = methodStub(client, 'getUserInfo');   // or 'GetUserInfo'
 *   const user = await getUserInfo({ name: 'foo' }, { timeout: 1000 });
 *
 * With types (generated, or `protos.service<typeof UserInfo>(...)`), none of
 * this is needed: the stubs are ordinary typed members.
 */
import type { DynamicClient, DynamicMethod } from './typed.js';

/** The stub of method `name` (its .proto name or lowerCamelCase name); a TypeError if the client has none. */
export function methodStub(client: DynamicClient, name: string): DynamicMethod {
  // Stubs are the client's own enumerable properties; `close` and `channel` are not stubs.
  const stub = Object.prototype.propertyIsEnumerable.call(client, name) ? client[name] : undefined;
  if (typeof stub !== 'function') {
    const known = Object.keys(client);
    throw new TypeError(
      `this client has no method '${name}' (${known.length === 0 ? 'it has none' : `methods: ${known.join(', ')}`})`,
    );
  }
  return stub;
}
