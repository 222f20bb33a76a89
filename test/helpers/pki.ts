// A throwaway PKI made with the openssl CLI: root CA, intermediate CA, and leaves with the flaws
// the certificate probe must recognise. Everything lives in a tempDir() removed at exit.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, type KeyPair } from './servers.js';

export interface Issued extends KeyPair {
  name: string;
  der: Buffer;
}

export interface Pki {
  dir: string;
  root: Issued;
  intermediate: Issued;
  /** localhost + 127.0.0.1, EC P-256, signed by the intermediate, valid now. */
  leaf: Issued;
  /** Same names, separate key; revoked in the intermediate's database (for OCSP tests). */
  revokedLeaf: Issued;
  expired: Issued;
  notYetValid: Issued;
  wrongHost: Issued;
  selfSigned: Issued;
  sha1: Issued;
  rsa2048: Issued;
  /** null if this OpenSSL refuses 1024-bit RSA. */
  rsa1024: Issued | null;
  /** Writes PEM certificates into one file (for -cert_chain / -CAfile) and returns its path. */
  bundle: (name: string, certs: Issued[]) => string;
  /** A DER OCSP response from the intermediate about `leaf` (status from its database); `signer` signs instead (default: the intermediate). */
  ocspResponse: (leaf: Issued, signer?: Issued) => string;
  /** A further localhost leaf from the intermediate with extra v3 extension lines (e.g. tlsfeature, authorityInfoAccess). */
  issueLeaf: (name: string, extraExt?: string[]) => Issued;
  /** Revokes a leaf in the intermediate's database, with a CRL reason if given. */
  revoke: (leaf: Issued, reason?: string) => void;
  /** The intermediate's `openssl ca` index (what `openssl ocsp -index` answers from). */
  intermediateIndex: string;
}

const DAY = 86_400_000;
const LOCAL_SAN = 'DNS:localhost,IP:127.0.0.1';

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

/** YYYYMMDDHHMMSSZ, the GeneralizedTime form `openssl ca -startdate/-enddate` accepts. */
function asn1Time(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

function genKey(file: string, kind: 'ec' | 'rsa2048' | 'rsa1024'): void {
  const opts = kind === 'ec'
    ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
    : ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${kind === 'rsa2048' ? 2048 : 1024}`];
  openssl(['genpkey', ...opts, '-out', file]);
}

function load(name: string, certFile: string, keyFile: string): Issued {
  const cert = readFileSync(certFile, 'utf8');
  const b64 = cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return { name, cert, key: readFileSync(keyFile, 'utf8'), certFile, keyFile, der: Buffer.from(b64, 'base64') };
}

/** An `openssl ca` database, so validity dates can be set freely and OCSP answers from its index. */
function caConfig(dir: string): string {
  mkdirSync(join(dir, 'newcerts'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
  const file = join(dir, 'ca.cnf');
  writeFileSync(file, [
    '[ ca ]', 'default_ca = CA_default',
    '[ CA_default ]',
    `dir = ${dir}`,
    'database = $dir/index.txt', 'new_certs_dir = $dir/newcerts', 'serial = $dir/serial',
    'default_md = sha256', 'policy = policy_any', 'unique_subject = no', 'email_in_dn = no', 'copy_extensions = none',
    '[ policy_any ]', 'commonName = supplied', 'organizationName = optional',
    '',
  ].join('\n'));
  return file;
}

function extFile(dir: string, name: string, lines: string[]): string {
  const file = join(dir, `${name}.ext`);
  writeFileSync(file, ['[ v3 ]', ...lines, ''].join('\n'));
  return file;
}

const LEAF_EXT = (san: string): string[] => [
  'basicConstraints = critical,CA:FALSE',
  'keyUsage = critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage = serverAuth',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid',
  `subjectAltName = ${san}`,
];

let cached: Pki | undefined;

export function createPki(): Pki {
  if (cached) return cached;
  const dir = tempDir();
  const now = Date.now();

  // Root: self-signed.
  const rootKey = join(dir, 'root.key');
  const rootCert = join(dir, 'root.pem');
  genKey(rootKey, 'ec');
  openssl(['req', '-x509', '-new', '-key', rootKey, '-out', rootCert, '-days', '3650', '-subj', '/O=tlscheck tests/CN=tlscheck Test Root',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const root = load('root', rootCert, rootKey);
  const rootDir = join(dir, 'root-ca');
  const rootCnf = caConfig(rootDir);

  const sign = (caCnf: string, ca: Issued, name: string, subject: string, ext: string[], opts: {
    key?: 'ec' | 'rsa2048' | 'rsa1024'; from?: number; to?: number; md?: string;
  } = {}): Issued => {
    const keyFile = join(dir, `${name}.key`);
    const csr = join(dir, `${name}.csr`);
    const certFile = join(dir, `${name}.pem`);
    genKey(keyFile, opts.key ?? 'ec');
    openssl(['req', '-new', '-key', keyFile, '-out', csr, '-subj', subject]);
    openssl(['ca', '-batch', '-notext', '-config', caCnf, '-cert', ca.certFile, '-keyfile', ca.keyFile, '-in', csr, '-out', certFile,
      '-startdate', asn1Time(opts.from ?? now - DAY), '-enddate', asn1Time(opts.to ?? now + 90 * DAY),
      '-md', opts.md ?? 'sha256', '-extfile', extFile(dir, name, ext), '-extensions', 'v3']);
    return load(name, certFile, keyFile);
  };

  const intermediate = sign(rootCnf, root, 'intermediate', '/O=tlscheck tests/CN=tlscheck Test Intermediate', [
    'basicConstraints = critical,CA:TRUE,pathlen:0',
    'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
  ], { to: now + 3650 * DAY });
  const intCnf = caConfig(join(dir, 'int-ca'));
  const leafSign = (name: string, opts: Parameters<typeof sign>[5] & { san?: string; cn?: string } = {}): Issued =>
    sign(intCnf, intermediate, name, `/CN=${opts.cn ?? 'localhost'}`, LEAF_EXT(opts.san ?? LOCAL_SAN), opts);

  const leaf = leafSign('leaf');
  const revokedLeaf = leafSign('revoked');
  openssl(['ca', '-batch', '-config', intCnf, '-cert', intermediate.certFile, '-keyfile', intermediate.keyFile, '-revoke', revokedLeaf.certFile]);
  const expired = leafSign('expired', { from: now - 400 * DAY, to: now - 10 * DAY });
  const notYetValid = leafSign('not-yet-valid', { from: now + 10 * DAY, to: now + 100 * DAY });
  const wrongHost = leafSign('wrong-host', { cn: 'wrong.example', san: 'DNS:wrong.example,DNS:*.wrong.example' });
  const sha1 = leafSign('sha1', { md: 'sha1', key: 'rsa2048' });
  const rsa2048 = leafSign('rsa2048', { key: 'rsa2048' });
  let rsa1024: Issued | null = null;
  try {
    rsa1024 = leafSign('rsa1024', { key: 'rsa1024' });
  } catch {
    rsa1024 = null;
  }

  const selfKey = join(dir, 'self.key');
  const selfCert = join(dir, 'self.pem');
  genKey(selfKey, 'ec');
  openssl(['req', '-x509', '-new', '-key', selfKey, '-out', selfCert, '-days', '30', '-subj', '/CN=localhost',
    '-addext', `subjectAltName=${LOCAL_SAN}`]);
  const selfSigned = load('self-signed', selfCert, selfKey);

  const bundle = (name: string, certs: Issued[]): string => {
    const file = join(dir, `bundle-${name}.pem`);
    writeFileSync(file, certs.map((c) => c.cert).join(''));
    return file;
  };

  const ocspResponse = (target: Issued, signer: Issued = intermediate): string => {
    const req = join(dir, `${target.name}.ocsp-req.der`);
    const resp = join(dir, `${target.name}-by-${signer.name}.ocsp-resp.der`);
    openssl(['ocsp', '-issuer', intermediate.certFile, '-cert', target.certFile, '-no_nonce', '-reqout', req]);
    openssl(['ocsp', '-index', join(dir, 'int-ca', 'index.txt'), '-rsigner', signer.certFile, '-rkey', signer.keyFile,
      '-CA', intermediate.certFile, '-reqin', req, '-respout', resp, '-ndays', '7']);
    return resp;
  };
  const issueLeaf = (name: string, extraExt: string[] = []): Issued =>
    sign(intCnf, intermediate, name, '/CN=localhost', [...LEAF_EXT(LOCAL_SAN), ...extraExt]);
  const revoke = (target: Issued, reason?: string): void => {
    openssl(['ca', '-batch', '-config', intCnf, '-cert', intermediate.certFile, '-keyfile', intermediate.keyFile, '-revoke', target.certFile,
      ...(reason ? ['-crl_reason', reason] : [])]);
  };

  cached = {
    dir, root, intermediate, leaf, revokedLeaf, expired, notYetValid, wrongHost, selfSigned, sha1, rsa2048, rsa1024, bundle, ocspResponse,
    issueLeaf, revoke, intermediateIndex: join(dir, 'int-ca', 'index.txt'),
  };
  return cached;
}
