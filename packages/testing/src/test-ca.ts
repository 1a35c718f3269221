import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway certificate authority and a loopback server certificate it signed, all PEM. */
export interface TestCa {
  /** The CA's certificate: what a client trusts with a `ca` option */
  ca: string;
  /** A certificate for 127.0.0.1 (CN and subjectAltName IP), signed by the CA */
  cert: string;
  /** The server certificate's private key */
  key: string;
}

/**
 * Makes a CA and a server certificate for 127.0.0.1 with the `openssl` command (OpenSSL 3), valid
 * for a day, in a temporary directory removed before it returns. Each call makes a new CA, so a
 * second one stands for a CA the client was not given.
 */
export async function createTestCa(openssl = 'openssl'): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'k2k-test-ca-'));
  const file = (name: string) => join(dir, name);
  try {
    await run(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=k2k test CA', '-keyout', file('ca.key'), '-out', file('ca.pem'),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    await run(openssl, ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr')]);
    // `openssl x509 -req` copies no extension from the request: the server's ones come from a file.
    await writeFile(file('server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    await run(openssl, ['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('server.ext'), '-out', file('server.pem')]);
    const [ca, cert, key] = await Promise.all(['ca.pem', 'server.pem', 'server.key'].map((name) => readFile(file(name), 'utf8')));
    return { ca, cert, key };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
