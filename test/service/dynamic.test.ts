/**
 * The dynamic route (src/service/dynamic.ts): a loaded definition's stubs are
 * looked up by name, and a name the service does not have is a TypeError
 * naming the methods it does have, thrown before anything is sent.
 */
import t from 'tap';
import { createClient, loadProtoSync, methodStub } from '../../src/service/index.js';

t.test('methodStub finds a stub by .proto name or lowerCamelCase name', async (t) => {
  const UserInfo = loadProtoSync('proto/userinfo.proto').service('proto.UserInfo');
  const client = createClient(UserInfo, '127.0.0.1:1');
  t.teardown(() => client.close());
  t.equal(methodStub(client, 'getUserInfo'), methodStub(client, 'GetUserInfo'), 'one stub, two names');
  t.type(methodStub(client, 'getUserInfo'), 'function');
});

t.test('a method the service lacks is a TypeError that lists the methods', async (t) => {
  const UserInfo = loadProtoSync('proto/userinfo.proto').service('proto.UserInfo');
  const client = createClient(UserInfo, '127.0.0.1:1');
  t.teardown(() => client.close());
  t.throws(() => methodStub(client, 'getNot'), {
    name: 'TypeError',
    message: "this client has no method 'getNot' (methods: GetUserInfo, getUserInfo)",
  });
  // The client's own members are not stubs.
  t.throws(() => methodStub(client, 'close'), TypeError);
  t.throws(() => methodStub(client, 'channel'), TypeError);
  t.throws(() => methodStub(client, 'toString'), TypeError);
});
