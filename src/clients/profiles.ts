// Client profiles as data: what each common TLS client offers by default, written from its
// vendor's documentation or read from the client itself on Debian 12 (each entry says which).
// Cipher suites are named (IANA or OpenSSL names) and resolved to code points by the codec's
// table; nothing here is copied from another project's captures.
import type { ProtocolName } from '../types.js';
import { GROUP } from '../probe/codec/groups.js';

export interface ClientProfile {
  id: string;
  /** Name and version, short: shown in the Slack summary line and the CLI's client list. */
  name: string;
  /** Which real software this profile stands for (users map their failing client to it). */
  covers: string;
  /** What a pasted error from this client looks like, for explain (a Java stack trace → Java). */
  family: 'browser' | 'java' | 'android' | 'openssl' | 'node' | 'gnutls' | 'go' | 'envoy' | 'schannel';
  /** Versions it offers, highest first. */
  protocols: ProtocolName[];
  /** Cipher suites in its order, TLS 1.3 suites first; IANA or OpenSSL names. */
  ciphers: string[];
  /** supported_groups in its order. */
  groups: number[];
  /** Groups it sends TLS 1.3 key shares for. */
  keyShares: number[];
  signatureAlgorithms: number[];
  alpn?: string[];
  statusRequest: boolean;
  extendedMasterSecret: boolean;
  /** renegotiation_info extension; otherwise the SCSV (RFC 5746) when scsv is set. */
  renegotiationInfo: boolean;
  scsv?: boolean;
  grease?: boolean;
  /** What it refuses from a server; null where not established (then no verdict rests on it). */
  accepts: {
    /** Smallest RSA key it accepts in the server's certificates. */
    minRsaBits: number | null;
    /** Smallest DHE group it accepts (TLS ≤ 1.2 DHE suites). */
    minDhBits: number | null;
    /**
     * SHA-1 signatures on the leaf and intermediates (a root's own signature is never checked):
     * 'accepts'; 'rejects' always; 'rejects-public' only in chains to its built-in public roots
     * (a private CA's SHA-1 chain still passes).
     */
    sha1Certificates: 'accepts' | 'rejects' | 'rejects-public' | null;
  };
  /** Where these facts come from. */
  sources: string[];
}

const SIGALGS_MODERN = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
const SIGALGS_OPENSSL = [0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601, 0x0303, 0x0203, 0x0301, 0x0201, 0x0402, 0x0502, 0x0602];
const SIGALGS_JAVA = [0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0203, 0x0201, 0x0202];
const TLS13_OPENSSL = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'];
/** `openssl ciphers -s -tls1_2 DEFAULT` on Debian 12 (OpenSSL 3.0.19). */
const OPENSSL_DEFAULT_TLS12 = [
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'DHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305', 'DHE-RSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES256-SHA384', 'DHE-RSA-AES256-SHA256',
  'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-RSA-AES128-SHA256', 'DHE-RSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA', 'DHE-RSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'DHE-RSA-AES128-SHA',
  'AES256-GCM-SHA384', 'AES128-GCM-SHA256', 'AES256-SHA256', 'AES128-SHA256', 'AES256-SHA', 'AES128-SHA',
];
const OPENSSL_GROUPS = [GROUP.x25519, GROUP.secp256r1, GROUP.x448, GROUP.secp521r1, GROUP.secp384r1];
/** SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites() on OpenJDK 17.0.15, TLS 1.2 part. */
const JAVA17_TLS12 = [
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_DHE_DSS_WITH_AES_256_GCM_SHA384',
  'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_DHE_DSS_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
  'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA256', 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256',
  'TLS_DHE_DSS_WITH_AES_128_CBC_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA',
  'TLS_DHE_DSS_WITH_AES_256_CBC_SHA', 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_256_GCM_SHA384', 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_256_CBC_SHA256',
  'TLS_RSA_WITH_AES_128_CBC_SHA256', 'TLS_RSA_WITH_AES_256_CBC_SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA',
];
const JAVA_GROUPS = [GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1, GROUP.secp521r1, GROUP.x448, GROUP.ffdhe2048, GROUP.ffdhe3072, GROUP.ffdhe4096, GROUP.ffdhe6144, GROUP.ffdhe8192];
const MS_RSA_1024 = 'https://learn.microsoft.com/en-us/archive/blogs/pki/rsa-keys-under-1024-bits-are-blocked (CryptoAPI refuses RSA keys below 1024 bits)';
/** Android's SSLSocket reference: protocols and suites enabled by default per API level. */
const ANDROID_SSLSOCKET = 'https://developer.android.com/reference/javax/net/ssl/SSLSocket (default configuration per API level)';
const JSSE_DOCS = 'https://docs.oracle.com/en/java/javase/17/security/oracle-providers.html#GUID-7093246A-31A3-4304-AC5F-5FB6400405E2';

export const CLIENT_PROFILES: readonly ClientProfile[] = [
  {
    id: 'chrome', name: 'Chrome / Edge 131+', family: 'browser',
    covers: 'Chrome and Microsoft Edge (Chromium, BoringSSL), desktop and Android',
    // Edge is Chromium with the same BoringSSL stack and defaults: one profile serves both.
    protocols: ['TLSv1.3', 'TLSv1.2'],
    ciphers: [
      'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
      'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA',
      'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA', 'AES256-SHA',
    ],
    groups: [GROUP.X25519MLKEM768, GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1],
    keyShares: [GROUP.X25519MLKEM768, GROUP.x25519],
    signatureAlgorithms: SIGALGS_MODERN, alpn: ['h2', 'http/1.1'], statusRequest: true, extendedMasterSecret: true,
    renegotiationInfo: true, grease: true,
    // BoringSSL offers no DHE suites, so no DH limit applies.
    accepts: { minRsaBits: null, minDhBits: null, sha1Certificates: 'rejects' },
    sources: [
      'https://boringssl.googlesource.com/boringssl/+/HEAD/ssl/ssl_cipher.cc (default cipher list)',
      'https://security.googleblog.com/2024/09/a-new-path-for-kyber-on-web.html (X25519MLKEM768 key share from Chrome 131)',
      'https://learn.microsoft.com/en-us/deployedge/microsoft-edge-relnote-stable-channel (Edge follows the Chromium release of the same number)',
      'https://security.googleblog.com/2016/11/sha-1-certificates-in-chrome.html (SHA-1 certificates refused, private roots too from Chrome 57)',
    ],
  },
  {
    id: 'firefox', name: 'Firefox 132+', family: 'browser',
    covers: 'Firefox (NSS)',
    protocols: ['TLSv1.3', 'TLSv1.2'],
    ciphers: [
      'TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384',
      'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
      'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA', 'AES256-SHA',
    ],
    groups: [GROUP.X25519MLKEM768, GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1, GROUP.secp521r1, GROUP.ffdhe2048, GROUP.ffdhe3072],
    keyShares: [GROUP.X25519MLKEM768, GROUP.x25519, GROUP.secp256r1],
    signatureAlgorithms: [0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201],
    alpn: ['h2', 'http/1.1'], statusRequest: true, extendedMasterSecret: true, renegotiationInfo: true,
    accepts: { minRsaBits: null, minDhBits: null, sha1Certificates: 'rejects-public' },
    sources: [
      'https://wiki.mozilla.org/Security/Server_Side_TLS (clients and their suites)',
      'https://gitlab.com/wireshark/wireshark/-/issues/20240 (Firefox 132 key shares: X25519MLKEM768, x25519, secp256r1)',
      'https://blog.mozilla.org/security/2016/10/18/phasing-out-sha-1-on-the-public-web/ (SHA-1 refused in chains to built-in roots; user-added roots still allowed)',
    ],
  },
  {
    id: 'safari', name: 'Safari 17', family: 'browser',
    covers: 'Safari on iOS 17 and macOS 14, and apps on Apple\'s URLSession / Network.framework',
    // Safari 17's hello still lists TLS 1.0 and 1.1 (deprecated by Apple since iOS 15 / macOS 12, not
    // removed) and ends its suites with three 3DES ones.
    protocols: ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1'],
    ciphers: [
      'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
      'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305',
      'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-CHACHA20-POLY1305',
      'ECDHE-ECDSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA', 'ECDHE-RSA-AES128-SHA',
      'AES256-GCM-SHA384', 'AES128-GCM-SHA256', 'AES256-SHA', 'AES128-SHA',
      'ECDHE-ECDSA-DES-CBC3-SHA', 'ECDHE-RSA-DES-CBC3-SHA', 'DES-CBC3-SHA',
    ],
    groups: [GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1, GROUP.secp521r1],
    keyShares: [GROUP.x25519],
    signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0203, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201],
    alpn: ['h2', 'http/1.1'], statusRequest: true, extendedMasterSecret: true, renegotiationInfo: true, grease: true,
    // Apple: RSA keys below 2048 bits and SHA-1 signatures are not trusted for TLS, private CAs included.
    accepts: { minRsaBits: 2048, minDhBits: null, sha1Certificates: 'rejects' },
    sources: [
      'https://support.apple.com/en-us/103769 (iOS 13 / macOS 10.15 and later: RSA >= 2048 and SHA-2 signatures required for every TLS server certificate)',
      'https://support.apple.com/guide/security/tls-security-sec100a75d12/web (TLS 1.0-1.3 supported; SHA-1 and RSA < 2048 refused)',
      'Safari 17 on macOS 14 ClientHello as published by TLS fingerprint databases: JA3 773906b0efdefa24a7f2b8eb6985bf37, JA4 t13d2014h1_a09f3c656075 (20 suites; groups x25519, P-256, P-384, P-521; versions 1.3 to 1.0)',
    ],
  },
  {
    id: 'java-8', name: 'Java 8 (pre-8u261)', family: 'java',
    covers: 'JVM applications on JDK/JRE 8 updates before 8u261 (no TLS 1.3)',
    // 8u261 and later have TLS 1.3 on the client (see the cryptoroadmap): they behave as Java 11 here.
    protocols: ['TLSv1.2', 'TLSv1.1', 'TLSv1'],
    // JDK 8 has neither ChaCha20 (JDK 12) nor TLS 1.3 (8u261); otherwise the same JSSE order.
    ciphers: JAVA17_TLS12.filter((c) => !c.includes('CHACHA20')),
    groups: [GROUP.secp256r1, GROUP.secp384r1, GROUP.secp521r1],
    keyShares: [],
    signatureAlgorithms: SIGALGS_JAVA, statusRequest: false, extendedMasterSecret: true, renegotiationInfo: false, scsv: true,
    accepts: { minRsaBits: 1024, minDhBits: 1024, sha1Certificates: null },
    sources: ['https://docs.oracle.com/javase/8/docs/technotes/guides/security/SunProviders.html#SunJSSEProvider', 'https://www.java.com/en/jre-jdk-cryptoroadmap.html'],
  },
  {
    id: 'java-11', name: 'Java 11', family: 'java',
    covers: 'JDK 11 (SunJSSE)',
    protocols: ['TLSv1.3', 'TLSv1.2'],
    ciphers: ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', ...JAVA17_TLS12.filter((c) => !c.includes('CHACHA20'))],
    groups: JAVA_GROUPS, keyShares: [GROUP.x25519, GROUP.secp256r1],
    signatureAlgorithms: SIGALGS_JAVA, statusRequest: false, extendedMasterSecret: true, renegotiationInfo: false, scsv: true,
    accepts: { minRsaBits: 1024, minDhBits: 1024, sha1Certificates: 'rejects-public' },
    sources: ['https://docs.oracle.com/en/java/javase/11/security/oracle-providers.html', 'https://www.java.com/en/jre-jdk-cryptoroadmap.html (TLS 1.0/1.1 disabled from 11.0.11)'],
  },
  {
    id: 'java-17', name: 'Java 17 / 21', family: 'java',
    covers: 'JVM applications (Spring Boot, Tomcat, Kafka clients) on JDK 17 or JDK 21 (SunJSSE)',
    // JDK 21's defaults (protocols, suites, groups, disabled algorithms) are JDK 17's: one profile.
    protocols: ['TLSv1.3', 'TLSv1.2'],
    ciphers: ['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', ...JAVA17_TLS12],
    groups: JAVA_GROUPS, keyShares: [GROUP.x25519, GROUP.secp256r1],
    signatureAlgorithms: SIGALGS_JAVA, statusRequest: false, extendedMasterSecret: true, renegotiationInfo: false, scsv: true,
    // Java blocks RSA keys below 1024 and DH below 1024 (jdk.tls.disabledAlgorithms).
    accepts: { minRsaBits: 1024, minDhBits: 1024, sha1Certificates: 'rejects-public' },
    sources: [
      JSSE_DOCS,
      'https://docs.oracle.com/en/java/javase/21/security/oracle-providers.html (JDK 21: the same default suites and groups)',
      'Read from OpenJDK 17.0.15 on Debian 12: SSLContext.getDefault().getDefaultSSLParameters()',
      'https://www.java.com/en/jre-jdk-cryptoroadmap.html (SHA-1 TLS server certificates refused when anchored by a JDK root)',
    ],
  },
  {
    id: 'android-7', name: 'Android 7', family: 'android',
    covers: 'Android 7.0/7.1 (API 24-25) system TLS: apps on HttpsURLConnection or OkHttp defaults',
    // The platform's SSLSocket (Conscrypt over BoringSSL), as apps using HttpsURLConnection or OkHttp
    // with its defaults get it. No TLS 1.3 (API 29); DHE-RSA suites are still on (removed in API 26).
    protocols: ['TLSv1.2', 'TLSv1.1', 'TLSv1'],
    ciphers: [
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
      'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'TLS_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_RSA_WITH_AES_256_GCM_SHA384', 'TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_RSA_WITH_AES_256_CBC_SHA',
    ],
    groups: [GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1],
    keyShares: [],
    signatureAlgorithms: [...SIGALGS_MODERN, 0x0201, 0x0203],
    statusRequest: false, extendedMasterSecret: true, renegotiationInfo: true,
    // Not established from a primary source for the platform's trust manager: no verdict rests on them.
    accepts: { minRsaBits: null, minDhBits: null, sha1Certificates: null },
    sources: [
      ANDROID_SSLSOCKET,
      'https://boringssl.googlesource.com/boringssl/+/HEAD/ssl/ssl_key_share.cc (BoringSSL default groups: X25519, P-256, P-384)',
    ],
  },
  {
    id: 'android-11', name: 'Android 11', family: 'android',
    covers: 'Android 11 (API 30) system TLS: apps on HttpsURLConnection or OkHttp defaults',
    protocols: ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1'],
    ciphers: [
      'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
      'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_RSA_WITH_AES_256_CBC_SHA',
    ],
    groups: [GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1],
    keyShares: [GROUP.x25519],
    signatureAlgorithms: [...SIGALGS_MODERN, 0x0201],
    statusRequest: false, extendedMasterSecret: true, renegotiationInfo: true,
    accepts: { minRsaBits: null, minDhBits: null, sha1Certificates: null },
    sources: [
      ANDROID_SSLSOCKET,
      'https://boringssl.googlesource.com/boringssl/+/HEAD/ssl/ssl_key_share.cc (BoringSSL default groups: X25519, P-256, P-384)',
    ],
  },
  {
    id: 'openssl-3', name: 'OpenSSL 3 (curl, Python)', family: 'openssl',
    covers: 'curl, wget2, Python, Ruby, PHP and .NET on Linux with the distribution\'s OpenSSL 3 (Debian 12, Ubuntu 22.04+, RHEL 9)',
    protocols: ['TLSv1.3', 'TLSv1.2'],
    ciphers: [...TLS13_OPENSSL, ...OPENSSL_DEFAULT_TLS12],
    groups: [...OPENSSL_GROUPS, GROUP.ffdhe2048, GROUP.ffdhe3072, GROUP.ffdhe4096, GROUP.ffdhe6144, GROUP.ffdhe8192],
    keyShares: [GROUP.x25519],
    signatureAlgorithms: SIGALGS_OPENSSL, statusRequest: false, extendedMasterSecret: true, renegotiationInfo: true,
    // Debian builds at security level 2: RSA and DH below 2048 bits are refused ("dh key too small").
    accepts: { minRsaBits: 2048, minDhBits: 2048, sha1Certificates: 'rejects' },
    sources: [
      'Read from openssl 3.0.19 on Debian 12: openssl ciphers -s DEFAULT',
      'https://www.openssl.org/docs/man3.0/man3/SSL_CTX_set_security_level.html',
      'https://www.openssl.org/docs/man3.0/man7/migration_guide.html (X.509 certificates signed with SHA-1 refused at security level 1 and above)',
    ],
  },
  {
    id: 'openssl-1.1.1', name: 'OpenSSL 1.1.1', family: 'openssl',
    covers: 'curl, Python and other clients on OpenSSL 1.1.1 (Debian 10/11, Ubuntu 18.04/20.04, RHEL 8) at upstream defaults',
    protocols: ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1'],
    ciphers: [...TLS13_OPENSSL, ...OPENSSL_DEFAULT_TLS12],
    groups: OPENSSL_GROUPS, keyShares: [GROUP.x25519],
    signatureAlgorithms: SIGALGS_OPENSSL, statusRequest: false, extendedMasterSecret: true, renegotiationInfo: true,
    accepts: { minRsaBits: 1024, minDhBits: 1024, sha1Certificates: 'accepts' },
    // Level 1 counts SHA-1 as 80 bits in 1.1.1, so SHA-1 signed certificates still pass (3.0 changed that).
    sources: ['https://www.openssl.org/docs/man1.1.1/man1/ciphers.html', 'https://www.openssl.org/docs/man1.1.1/man3/SSL_CTX_set_security_level.html'],
  },
  {
    id: 'openssl-1.0.2', name: 'OpenSSL 1.0.2 (RHEL 7)', family: 'openssl',
    covers: 'curl, Python 2/3 and yum on RHEL/CentOS 7 and other systems still on OpenSSL 1.0.2',
    protocols: ['TLSv1.2', 'TLSv1.1', 'TLSv1'],
    // No TLS 1.3, ChaCha20 or X25519 before 1.1.0; 3DES still in DEFAULT.
    ciphers: [...OPENSSL_DEFAULT_TLS12.filter((c) => !c.includes('CHACHA20')), 'DES-CBC3-SHA'],
    groups: [GROUP.secp256r1, GROUP.secp521r1, GROUP.secp384r1],
    keyShares: [],
    signatureAlgorithms: [0x0601, 0x0603, 0x0501, 0x0503, 0x0401, 0x0403, 0x0301, 0x0303, 0x0201, 0x0203, 0x0402, 0x0202],
    statusRequest: false, extendedMasterSecret: false, renegotiationInfo: true,
    // 1.0.2 refuses DH below 768 bits since the Logjam fix (1.0.2b); it has no security levels (1.1.0),
    // so nothing limits RSA key sizes or SHA-1 signatures.
    accepts: { minRsaBits: null, minDhBits: 768, sha1Certificates: 'accepts' },
    sources: ['https://www.openssl.org/docs/man1.0.2/man1/ciphers.html', 'https://www.openssl.org/news/secadv/20150611.txt (Logjam: DH < 768 refused)'],
  },
  {
    id: 'node-20', name: 'Node.js 20', family: 'node',
    covers: 'Node.js 20 tls/https with its bundled OpenSSL 3.0',
    protocols: ['TLSv1.3', 'TLSv1.2'],
    ciphers: [
      ...TLS13_OPENSSL,
      'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384',
      'DHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA256', 'DHE-RSA-AES128-SHA256', 'ECDHE-RSA-AES256-SHA384', 'DHE-RSA-AES256-SHA256',
      'DHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'DHE-RSA-CHACHA20-POLY1305',
      'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA', 'DHE-RSA-AES256-SHA',
      'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'DHE-RSA-AES128-SHA', 'AES256-GCM-SHA384', 'AES128-GCM-SHA256',
      'AES256-SHA256', 'AES128-SHA256', 'AES256-SHA', 'AES128-SHA',
    ],
    groups: OPENSSL_GROUPS, keyShares: [GROUP.x25519],
    signatureAlgorithms: SIGALGS_OPENSSL, statusRequest: false, extendedMasterSecret: true, renegotiationInfo: true,
    // Node bundles upstream OpenSSL 3.0 at security level 1: RSA and DH of 1024 bits are accepted,
    // SHA-1 signed certificates are not (OpenSSL 3.0 counts SHA-1 below level 1's 80 bits).
    accepts: { minRsaBits: 1024, minDhBits: 1024, sha1Certificates: 'rejects' },
    sources: ['Read from Node.js 20 on Debian 12: tls.DEFAULT_CIPHERS, tls.DEFAULT_MIN_VERSION', 'https://nodejs.org/docs/latest-v20.x/api/tls.html#modifying-the-default-tls-cipher-suite'],
  },
  {
    id: 'gnutls-3.7', name: 'GnuTLS 3.7 (wget, apt)', family: 'gnutls',
    covers: 'wget, apt and other GnuTLS clients on Debian 12 (NORMAL priority)',
    protocols: ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1'],
    ciphers: [
      'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_128_CCM_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM',
      'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM',
      'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
      'TLS_RSA_WITH_AES_256_GCM_SHA384', 'TLS_RSA_WITH_AES_256_CCM', 'TLS_RSA_WITH_AES_256_CBC_SHA', 'TLS_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_RSA_WITH_AES_128_CCM', 'TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_DHE_RSA_WITH_AES_256_CCM', 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA',
      'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_DHE_RSA_WITH_AES_128_CCM', 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA',
    ],
    groups: [GROUP.secp256r1, GROUP.secp384r1, GROUP.secp521r1, GROUP.x25519, GROUP.x448, GROUP.ffdhe2048, GROUP.ffdhe3072, GROUP.ffdhe4096, GROUP.ffdhe6144, GROUP.ffdhe8192],
    keyShares: [GROUP.secp256r1, GROUP.x25519],
    signatureAlgorithms: [0x0401, 0x0804, 0x0403, 0x0807, 0x0501, 0x0805, 0x0503, 0x0808, 0x0601, 0x0806, 0x0603, 0x0201, 0x0203],
    statusRequest: true, extendedMasterSecret: true, renegotiationInfo: true,
    accepts: { minRsaBits: null, minDhBits: null, sha1Certificates: 'rejects' },
    sources: [
      'Read from gnutls-cli 3.7.9 on Debian 12: gnutls-cli --priority NORMAL --list',
      'https://gnutls.org/manual/html_node/Priority-Strings.html (%VERIFY_ALLOW_SIGN_WITH_SHA1: SHA-1 certificate signatures are refused unless allowed)',
    ],
  },
  {
    id: 'go', name: 'Go 1.24+', family: 'go',
    covers: 'Go crypto/tls: kubectl and Kubernetes clients, Terraform, Prometheus, Caddy, Traefik',
    protocols: ['TLSv1.3', 'TLSv1.2'],
    ciphers: [
      'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
      'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA',
      'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA',
    ],
    groups: [GROUP.X25519MLKEM768, GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1, GROUP.secp521r1],
    keyShares: [GROUP.X25519MLKEM768, GROUP.x25519],
    signatureAlgorithms: [0x0804, 0x0403, 0x0807, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0503, 0x0603, 0x0201, 0x0203],
    alpn: ['h2', 'http/1.1'], statusRequest: true, extendedMasterSecret: true, renegotiationInfo: true,
    // Go offers no DHE suites; it refuses RSA keys below 1024 bits (Go 1.24).
    accepts: { minRsaBits: 1024, minDhBits: null, sha1Certificates: 'rejects' },
    sources: ['https://go.dev/doc/go1.22#crypto/tls (RSA key exchange and TLS 1.0/1.1 off by default for clients)', 'https://go.dev/doc/go1.24#cryptotlspkgcryptotls (X25519MLKEM768 by default; RSA keys < 1024 refused)', 'https://go.dev/doc/go1.18#sha1 (SHA-1 signed certificates refused, self-signed roots excepted)'],
  },
  {
    id: 'envoy', name: 'Envoy (service mesh)', family: 'envoy',
    covers: 'Envoy\'s upstream (client) side with default TlsParameters: Istio and other service meshes',
    // Envoy's client (upstream) side defaults to TLS 1.2 as both minimum and maximum.
    protocols: ['TLSv1.2'],
    ciphers: ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
    groups: [GROUP.x25519, GROUP.secp256r1],
    keyShares: [],
    signatureAlgorithms: SIGALGS_MODERN, statusRequest: false, extendedMasterSecret: true, renegotiationInfo: true,
    accepts: { minRsaBits: null, minDhBits: null, sha1Certificates: null },
    sources: ['https://envoyproxy.io/docs/envoy/v1.22.5/api-v3/extensions/transport_sockets/tls/v3/common.proto (TlsParameters defaults for clients)'],
  },
  {
    id: 'windows-10', name: 'Windows 10 (Schannel)', family: 'schannel',
    covers: 'Windows 10 22H2 Schannel: .NET Framework, PowerShell, IE, WinHTTP',
    // 22H2 defaults; IE and WinHTTP use the same Schannel settings.
    protocols: ['TLSv1.2', 'TLSv1.1', 'TLSv1'],
    ciphers: [
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
      'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
      'TLS_RSA_WITH_AES_256_GCM_SHA384', 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_256_CBC_SHA256',
      'TLS_RSA_WITH_AES_128_CBC_SHA256', 'TLS_RSA_WITH_AES_256_CBC_SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA',
    ],
    groups: [GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1],
    keyShares: [],
    signatureAlgorithms: [0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0201, 0x0203],
    statusRequest: true, extendedMasterSecret: true, renegotiationInfo: true,
    accepts: { minRsaBits: 1024, minDhBits: null, sha1Certificates: null },
    sources: [
      'https://learn.microsoft.com/en-us/windows/win32/secauthn/tls-cipher-suites-in-windows-10-v22h2 (default suites in priority order)',
      'https://learn.microsoft.com/en-us/windows/win32/secauthn/tls-elliptic-curves-in-windows-10-1607-and-later (curve25519, NistP256, NistP384)',
      MS_RSA_1024,
    ],
  },
  {
    id: 'windows-7', name: 'Windows 7 (Schannel)', family: 'schannel',
    covers: 'Windows 7 SP1 Schannel out of the box (TLS 1.0): .NET Framework, IE, WinHTTP',
    // Out of the box the Windows 7 Schannel client speaks SSL 3.0 and TLS 1.0 only; TLS 1.1/1.2 need
    // the DisabledByDefault registry values (and KB3140245 for WinHTTP). Its TLS 1.2 list (after
    // KB3042058) has AES-GCM only with DHE-RSA, RSA and ECDHE-ECDSA, never ECDHE-RSA; with TLS 1.0
    // only the CBC-SHA, 3DES and RC4 suites below can be sent at all (helloFor filters by version).
    protocols: ['TLSv1', 'SSLv3'],
    ciphers: [
      'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
      'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_256_CBC_SHA256', 'TLS_RSA_WITH_AES_128_CBC_SHA256',
      'TLS_RSA_WITH_AES_256_CBC_SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA256',
      'TLS_DHE_DSS_WITH_AES_128_CBC_SHA256', 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA', 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA',
      'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA', 'TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_RC4_128_MD5',
    ],
    // The _P256/_P384 suite variants: NIST P-256 and P-384 (P-521 is supported but off by default).
    groups: [GROUP.secp256r1, GROUP.secp384r1],
    keyShares: [],
    signatureAlgorithms: [0x0401, 0x0501, 0x0601, 0x0201, 0x0403, 0x0503, 0x0603, 0x0203, 0x0402, 0x0202],
    statusRequest: true, extendedMasterSecret: false, renegotiationInfo: true,
    accepts: { minRsaBits: 1024, minDhBits: null, sha1Certificates: null },
    sources: [
      'https://learn.microsoft.com/en-us/windows/win32/secauthn/tls-cipher-suites-in-windows-7 (default suites in priority order, after update 3042058)',
      'https://learn.microsoft.com/en-us/windows/win32/secauthn/protocols-in-tls-ssl--schannel-ssp- (Windows 7 client: TLS 1.0 and SSL 3.0 enabled, TLS 1.1/1.2 disabled)',
      'https://support.microsoft.com/help/3140245 (enabling TLS 1.1 and 1.2 as defaults in WinHTTP on Windows 7)',
      MS_RSA_1024,
    ],
  },
];
