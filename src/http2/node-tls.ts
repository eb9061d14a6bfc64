/**
 * node:tls, loaded on first use (`process.getBuiltinModule`, what `require`
 * gives), not by an `import`.
 *
 * An ES module import of a Node built-in builds the module's named exports by
 * reading every property of it — and `tls.rootCertificates` is a getter that
 * then turns Node's whole CA store into strings (~140 PEM certificates, about
 * 200 KiB that stay on the heap for the life of the process). A plaintext
 * server or client never needs them; this way even a TLS one only pays if it
 * reads `rootCertificates` itself. (node:http2 loads the tls module anyway, so
 * loading it costs nothing more.) And a bundle for a runtime without node:tls
 * (a Worker over cloudflare:sockets) loads it only if it makes a TLS connection itself.
 */
import type tlsModule from 'node:tls';

let loaded: typeof tlsModule | undefined;

export function nodeTls(): typeof tlsModule {
  return (loaded ??= process.getBuiltinModule('node:tls'));
}
