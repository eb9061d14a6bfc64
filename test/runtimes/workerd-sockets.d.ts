// The module workerd provides to Workers (cloudflare:sockets), as far as workerd-worker.ts uses it.
declare module 'cloudflare:sockets' {
  import type { CfConnect } from '../../src/h2/cf-socket.js';
  export const connect: CfConnect;
}
