/**
 * TLS test certificates, made at test time with the `openssl` CLI into a temp
 * directory: a throwaway CA, a server certificate for localhost / 127.0.0.1 /
 * ::1, and a client certificate for mutual TLS. Nothing is checked in.
 *
 *   const certs = makeCerts();            // synchronous, ~100 ms
 *   t.teardown(certs.cleanup);
 *   server.listen('127.0.0.1:0', { tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true } });
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  /** PEM of the CA that signed both leaf certificates. */
  ca: Buffer;
  serverKey: Buffer;
  serverCert: Buffer;
  clientKey: Buffer;
  clientCert: Buffer;
  /** A second CA and a client certificate it signed: a client the server must reject under mTLS. */
  otherCa: Buffer;
  strangerKey: Buffer;
  strangerCert: Buffer;
  dir: string;
  cleanup(): void;
}

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

function makeLeaf(dir: string, name: string, ca: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${name}`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

export interface CertOptions {
  /** More DNS names for the server certificate (e.g. `*.test.google.fr`, the interop tests' host override). */
  serverNames?: string[];
}

export function makeCerts(options: CertOptions = {}): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'wiregrpc-certs-'));
  const extraNames = (options.serverNames ?? []).map((n) => `,DNS:${n}`).join('');
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeLeaf(
    dir,
    'server',
    'ca',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' +
      `subjectAltName=DNS:localhost${extraNames},IP:127.0.0.1,IP:::1\n`,
  );
  makeLeaf(dir, 'client', 'ca', 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n');
  makeLeaf(
    dir,
    'stranger',
    'other-ca',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n',
  );
  const read = (f: string) => readFileSync(join(dir, f));
  return {
    ca: read('ca.pem'),
    serverKey: read('server.key'),
    serverCert: read('server.pem'),
    clientKey: read('client.key'),
    clientCert: read('client.pem'),
    otherCa: read('other-ca.pem'),
    strangerKey: read('stranger.key'),
    strangerCert: read('stranger.pem'),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
