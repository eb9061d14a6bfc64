// The session a channel's connection runs on, for tests that look under a channel: a ChannelCall that only looks.
import type { Channel, ChannelCall } from '../../src/http2/channel.js';
import type { ClientSession } from '../../src/http2/h2-client-session.js';

export function sessionOf(channel: Channel): Promise<ClientSession> {
  return new Promise((resolve, reject) => {
    const call: ChannelCall = {
      waitForReady: false,
      attach: (conn) => resolve(conn.session),
      unavailable: (cause) => reject(new Error(cause)),
    };
    channel.start(call);
  });
}
