// TLS for the emulator. The Azure SDK refuses bearer tokens over plain http
// (facts §1: "Bearer token authentication is not permitted for non-TLS protected
// (non-https) URLs"), so the emulator serves HTTPS with a certificate signed by a
// CA it generates. Clients trust that CA through NODE_EXTRA_CA_CERTS (or TLS
// options); certificate verification is never turned off.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface CertificateAuthority {
  cert: string;
  key: string;
  certPath: string;
}

export interface ServerCertificate {
  cert: string;
  key: string;
}

const CA_FILE = 'emulator-ca.pem';
const CA_KEY_FILE = 'emulator-ca.key';

/** Loads the CA kept in `dir`, or generates one there. Reusing one CA lets a test process trust it from its start. */
export async function ensureCertificateAuthority(dir: string): Promise<CertificateAuthority> {
  const certPath = join(dir, CA_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath };
  }
  mkdirSync(dir, { recursive: true });
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 5);
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'azure-image-build emulator CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  writeFileSync(certPath, pems.cert);
  return { cert: pems.cert, key: pems.private, certPath };
}

/** A server certificate for 127.0.0.1 and localhost, signed by the CA. */
export async function issueServerCertificate(ca: CertificateAuthority): Promise<ServerCertificate> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
