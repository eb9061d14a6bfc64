/**
 * The channel itself, apart from its connections: the per-method request
 * header templates it caches.
 */
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { Channel } from '../../src/http2/channel.js';

t.test("the channel's header-template cache is bounded: arbitrary :path values do not grow it", async (t) => {
  const channel = new Channel('127.0.0.1:1');
  t.teardown(() => channel.close());
  const defined = channel.methodHeaders('/pkg.Service/Defined');
  t.equal(channel.methodHeaders('/pkg.Service/Defined'), defined, 'a path seen early is built once');
  for (let i = 0; i < 5000; i++) channel.methodHeaders(`/raw.Caller/M${i}`);
  t.equal(channel.methodHeaders('/pkg.Service/Defined'), defined, 'and stays cached');
  const late = channel.methodHeaders('/raw.Caller/M4999');
  t.equal(late[':path'], '/raw.Caller/M4999', 'a path past the bound still gets its headers');
  t.not(channel.methodHeaders('/raw.Caller/M4999'), late, '... built for the call, not kept');
});
