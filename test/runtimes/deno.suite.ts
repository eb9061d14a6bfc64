/**
 * wiregrpc under Deno (the npm package `deno`, node_modules/.bin/deno; `deno run -A`,
 * node_modules found through package.json, no flags beyond that): the userinfo example
 * and every interop case, Deno's client against a Node server and Deno's server against
 * a Node client. `npm run test:deno` builds dist/ first.
 *
 * Deno's node:http2 client can emit a stream's 'data' before its 'response';
 * src/http2/client-stream.ts holds such data until the headers come
 * (repro/deno-data-before-response.mjs).
 */
import t from 'tap';
import { DENO, runtimeSuite } from './runtime-helpers.js';

await runtimeSuite(t, DENO);
