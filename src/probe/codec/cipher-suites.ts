// IANA TLS cipher suites, with the properties tlscheck reasons about derived from the IANA name
// (the names encode key exchange, authentication, cipher and MAC, so one table row is enough).
import type { ProtocolName } from '../../types.js';

export type KeyExchange = 'RSA' | 'DH' | 'DHE' | 'ECDH' | 'ECDHE' | 'PSK' | 'SRP' | 'any';
export type Authentication = 'RSA' | 'DSS' | 'ECDSA' | 'anon' | 'PSK' | 'SRP' | 'any';
export type CipherMode = 'AEAD' | 'CBC' | 'stream' | 'none';
/** Why a suite is considered weak; empty for suites with no known practical problem. */
export type WeakReason = 'null' | 'anon' | 'export' | 'rc4' | 'rc2' | 'des' | 'sweet32' | 'md5';

export interface CipherSuite {
  id: number;
  /** IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256. */
  name: string;
  /** OpenSSL's name (what nginx/apache/haproxy configs use), when OpenSSL has one. */
  openssl: string | null;
  kx: KeyExchange;
  auth: Authentication;
  /** Bulk cipher, e.g. AES_128_GCM, CHACHA20_POLY1305, 3DES_EDE_CBC, NULL. */
  cipher: string;
  /** Effective key bits of the bulk cipher (3DES counts 112). */
  bits: number;
  mode: CipherMode;
  /** Record MAC, or AEAD when the cipher authenticates. */
  mac: 'AEAD' | 'MD5' | 'SHA1' | 'SHA256' | 'SHA384';
  aead: boolean;
  forwardSecrecy: boolean;
  export: boolean;
  /** Lowest protocol able to negotiate it: SHA-2 MACs and AEADs need TLS 1.2, TLS 1.3 suites need 1.3. */
  minVersion: ProtocolName;
  maxVersion: ProtocolName;
  weak: WeakReason[];
  /**
   * Needs something an anonymous probe cannot have (a pre-shared key or SRP password), or a
   * static-DH certificate no current server software supports. Probes offer these separately.
   */
  rare: boolean;
}

export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
export const TLS_FALLBACK_SCSV = 0x5600;
const SCSV_NAMES: ReadonlyMap<number, string> = new Map([
  [TLS_EMPTY_RENEGOTIATION_INFO_SCSV, 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV'],
  [TLS_FALLBACK_SCSV, 'TLS_FALLBACK_SCSV'],
]);

// [id, IANA name, OpenSSL name when it differs from the IANA one and OpenSSL knows the suite].
// Ids and OpenSSL names of suites OpenSSL 3 still builds were taken from `openssl ciphers -V -stdname`.
const TABLE: ReadonlyArray<readonly [number, string, string?]> = [
  [0x0001, 'TLS_RSA_WITH_NULL_MD5', 'NULL-MD5'],
  [0x0002, 'TLS_RSA_WITH_NULL_SHA', 'NULL-SHA'],
  [0x0003, 'TLS_RSA_EXPORT_WITH_RC4_40_MD5', 'EXP-RC4-MD5'],
  [0x0004, 'TLS_RSA_WITH_RC4_128_MD5', 'RC4-MD5'],
  [0x0005, 'TLS_RSA_WITH_RC4_128_SHA', 'RC4-SHA'],
  [0x0006, 'TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5', 'EXP-RC2-CBC-MD5'],
  [0x0007, 'TLS_RSA_WITH_IDEA_CBC_SHA', 'IDEA-CBC-SHA'],
  [0x0008, 'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA', 'EXP-DES-CBC-SHA'],
  [0x0009, 'TLS_RSA_WITH_DES_CBC_SHA', 'DES-CBC-SHA'],
  [0x000a, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'DES-CBC3-SHA'],
  [0x000b, 'TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA'],
  [0x000c, 'TLS_DH_DSS_WITH_DES_CBC_SHA'],
  [0x000d, 'TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA'],
  [0x000e, 'TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA'],
  [0x000f, 'TLS_DH_RSA_WITH_DES_CBC_SHA'],
  [0x0010, 'TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0x0011, 'TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA', 'EXP-EDH-DSS-DES-CBC-SHA'],
  [0x0012, 'TLS_DHE_DSS_WITH_DES_CBC_SHA', 'EDH-DSS-DES-CBC-SHA'],
  [0x0013, 'TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA', 'EDH-DSS-DES-CBC3-SHA'],
  [0x0014, 'TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA', 'EXP-EDH-RSA-DES-CBC-SHA'],
  [0x0015, 'TLS_DHE_RSA_WITH_DES_CBC_SHA', 'EDH-RSA-DES-CBC-SHA'],
  [0x0016, 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA', 'EDH-RSA-DES-CBC3-SHA'],
  [0x0017, 'TLS_DH_anon_EXPORT_WITH_RC4_40_MD5', 'EXP-ADH-RC4-MD5'],
  [0x0018, 'TLS_DH_anon_WITH_RC4_128_MD5', 'ADH-RC4-MD5'],
  [0x0019, 'TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA', 'EXP-ADH-DES-CBC-SHA'],
  [0x001a, 'TLS_DH_anon_WITH_DES_CBC_SHA', 'ADH-DES-CBC-SHA'],
  [0x001b, 'TLS_DH_anon_WITH_3DES_EDE_CBC_SHA', 'ADH-DES-CBC3-SHA'],
  [0x002c, 'TLS_PSK_WITH_NULL_SHA', 'PSK-NULL-SHA'],
  [0x002d, 'TLS_DHE_PSK_WITH_NULL_SHA', 'DHE-PSK-NULL-SHA'],
  [0x002e, 'TLS_RSA_PSK_WITH_NULL_SHA', 'RSA-PSK-NULL-SHA'],
  [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
  [0x0030, 'TLS_DH_DSS_WITH_AES_128_CBC_SHA'],
  [0x0031, 'TLS_DH_RSA_WITH_AES_128_CBC_SHA'],
  [0x0032, 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA', 'DHE-DSS-AES128-SHA'],
  [0x0033, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'DHE-RSA-AES128-SHA'],
  [0x0034, 'TLS_DH_anon_WITH_AES_128_CBC_SHA', 'ADH-AES128-SHA'],
  [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'],
  [0x0036, 'TLS_DH_DSS_WITH_AES_256_CBC_SHA'],
  [0x0037, 'TLS_DH_RSA_WITH_AES_256_CBC_SHA'],
  [0x0038, 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA', 'DHE-DSS-AES256-SHA'],
  [0x0039, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'DHE-RSA-AES256-SHA'],
  [0x003a, 'TLS_DH_anon_WITH_AES_256_CBC_SHA', 'ADH-AES256-SHA'],
  [0x003b, 'TLS_RSA_WITH_NULL_SHA256', 'NULL-SHA256'],
  [0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256'],
  [0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256'],
  [0x003e, 'TLS_DH_DSS_WITH_AES_128_CBC_SHA256'],
  [0x003f, 'TLS_DH_RSA_WITH_AES_128_CBC_SHA256'],
  [0x0040, 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA256', 'DHE-DSS-AES128-SHA256'],
  [0x0041, 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA', 'CAMELLIA128-SHA'],
  [0x0042, 'TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA'],
  [0x0043, 'TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA'],
  [0x0044, 'TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA', 'DHE-DSS-CAMELLIA128-SHA'],
  [0x0045, 'TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA', 'DHE-RSA-CAMELLIA128-SHA'],
  [0x0046, 'TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA', 'ADH-CAMELLIA128-SHA'],
  [0x0067, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', 'DHE-RSA-AES128-SHA256'],
  [0x0068, 'TLS_DH_DSS_WITH_AES_256_CBC_SHA256'],
  [0x0069, 'TLS_DH_RSA_WITH_AES_256_CBC_SHA256'],
  [0x006a, 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA256', 'DHE-DSS-AES256-SHA256'],
  [0x006b, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'DHE-RSA-AES256-SHA256'],
  [0x006c, 'TLS_DH_anon_WITH_AES_128_CBC_SHA256', 'ADH-AES128-SHA256'],
  [0x006d, 'TLS_DH_anon_WITH_AES_256_CBC_SHA256', 'ADH-AES256-SHA256'],
  [0x0084, 'TLS_RSA_WITH_CAMELLIA_256_CBC_SHA', 'CAMELLIA256-SHA'],
  [0x0085, 'TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA'],
  [0x0086, 'TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA'],
  [0x0087, 'TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA', 'DHE-DSS-CAMELLIA256-SHA'],
  [0x0088, 'TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA', 'DHE-RSA-CAMELLIA256-SHA'],
  [0x0089, 'TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA', 'ADH-CAMELLIA256-SHA'],
  [0x008c, 'TLS_PSK_WITH_AES_128_CBC_SHA', 'PSK-AES128-CBC-SHA'],
  [0x008d, 'TLS_PSK_WITH_AES_256_CBC_SHA', 'PSK-AES256-CBC-SHA'],
  [0x0090, 'TLS_DHE_PSK_WITH_AES_128_CBC_SHA', 'DHE-PSK-AES128-CBC-SHA'],
  [0x0091, 'TLS_DHE_PSK_WITH_AES_256_CBC_SHA', 'DHE-PSK-AES256-CBC-SHA'],
  [0x0094, 'TLS_RSA_PSK_WITH_AES_128_CBC_SHA', 'RSA-PSK-AES128-CBC-SHA'],
  [0x0095, 'TLS_RSA_PSK_WITH_AES_256_CBC_SHA', 'RSA-PSK-AES256-CBC-SHA'],
  [0x0096, 'TLS_RSA_WITH_SEED_CBC_SHA', 'SEED-SHA'],
  [0x0097, 'TLS_DH_DSS_WITH_SEED_CBC_SHA'],
  [0x0098, 'TLS_DH_RSA_WITH_SEED_CBC_SHA'],
  [0x0099, 'TLS_DHE_DSS_WITH_SEED_CBC_SHA', 'DHE-DSS-SEED-SHA'],
  [0x009a, 'TLS_DHE_RSA_WITH_SEED_CBC_SHA', 'DHE-RSA-SEED-SHA'],
  [0x009b, 'TLS_DH_anon_WITH_SEED_CBC_SHA', 'ADH-SEED-SHA'],
  [0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
  [0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'],
  [0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256'],
  [0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'DHE-RSA-AES256-GCM-SHA384'],
  [0x00a0, 'TLS_DH_RSA_WITH_AES_128_GCM_SHA256'],
  [0x00a1, 'TLS_DH_RSA_WITH_AES_256_GCM_SHA384'],
  [0x00a2, 'TLS_DHE_DSS_WITH_AES_128_GCM_SHA256', 'DHE-DSS-AES128-GCM-SHA256'],
  [0x00a3, 'TLS_DHE_DSS_WITH_AES_256_GCM_SHA384', 'DHE-DSS-AES256-GCM-SHA384'],
  [0x00a4, 'TLS_DH_DSS_WITH_AES_128_GCM_SHA256'],
  [0x00a5, 'TLS_DH_DSS_WITH_AES_256_GCM_SHA384'],
  [0x00a6, 'TLS_DH_anon_WITH_AES_128_GCM_SHA256', 'ADH-AES128-GCM-SHA256'],
  [0x00a7, 'TLS_DH_anon_WITH_AES_256_GCM_SHA384', 'ADH-AES256-GCM-SHA384'],
  [0x00a8, 'TLS_PSK_WITH_AES_128_GCM_SHA256', 'PSK-AES128-GCM-SHA256'],
  [0x00a9, 'TLS_PSK_WITH_AES_256_GCM_SHA384', 'PSK-AES256-GCM-SHA384'],
  [0x00aa, 'TLS_DHE_PSK_WITH_AES_128_GCM_SHA256', 'DHE-PSK-AES128-GCM-SHA256'],
  [0x00ab, 'TLS_DHE_PSK_WITH_AES_256_GCM_SHA384', 'DHE-PSK-AES256-GCM-SHA384'],
  [0x00ac, 'TLS_RSA_PSK_WITH_AES_128_GCM_SHA256', 'RSA-PSK-AES128-GCM-SHA256'],
  [0x00ad, 'TLS_RSA_PSK_WITH_AES_256_GCM_SHA384', 'RSA-PSK-AES256-GCM-SHA384'],
  [0x00ae, 'TLS_PSK_WITH_AES_128_CBC_SHA256', 'PSK-AES128-CBC-SHA256'],
  [0x00af, 'TLS_PSK_WITH_AES_256_CBC_SHA384', 'PSK-AES256-CBC-SHA384'],
  [0x00b0, 'TLS_PSK_WITH_NULL_SHA256', 'PSK-NULL-SHA256'],
  [0x00b1, 'TLS_PSK_WITH_NULL_SHA384', 'PSK-NULL-SHA384'],
  [0x00b2, 'TLS_DHE_PSK_WITH_AES_128_CBC_SHA256', 'DHE-PSK-AES128-CBC-SHA256'],
  [0x00b3, 'TLS_DHE_PSK_WITH_AES_256_CBC_SHA384', 'DHE-PSK-AES256-CBC-SHA384'],
  [0x00b4, 'TLS_DHE_PSK_WITH_NULL_SHA256', 'DHE-PSK-NULL-SHA256'],
  [0x00b5, 'TLS_DHE_PSK_WITH_NULL_SHA384', 'DHE-PSK-NULL-SHA384'],
  [0x00b6, 'TLS_RSA_PSK_WITH_AES_128_CBC_SHA256', 'RSA-PSK-AES128-CBC-SHA256'],
  [0x00b7, 'TLS_RSA_PSK_WITH_AES_256_CBC_SHA384', 'RSA-PSK-AES256-CBC-SHA384'],
  [0x00b8, 'TLS_RSA_PSK_WITH_NULL_SHA256', 'RSA-PSK-NULL-SHA256'],
  [0x00b9, 'TLS_RSA_PSK_WITH_NULL_SHA384', 'RSA-PSK-NULL-SHA384'],
  [0x00ba, 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256', 'CAMELLIA128-SHA256'],
  [0x00bd, 'TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256', 'DHE-DSS-CAMELLIA128-SHA256'],
  [0x00be, 'TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256', 'DHE-RSA-CAMELLIA128-SHA256'],
  [0x00bf, 'TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256', 'ADH-CAMELLIA128-SHA256'],
  [0x00c0, 'TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256', 'CAMELLIA256-SHA256'],
  [0x00c3, 'TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256', 'DHE-DSS-CAMELLIA256-SHA256'],
  [0x00c4, 'TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256', 'DHE-RSA-CAMELLIA256-SHA256'],
  [0x00c5, 'TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256', 'ADH-CAMELLIA256-SHA256'],
  [0x1301, 'TLS_AES_128_GCM_SHA256'],
  [0x1302, 'TLS_AES_256_GCM_SHA384'],
  [0x1303, 'TLS_CHACHA20_POLY1305_SHA256'],
  [0x1304, 'TLS_AES_128_CCM_SHA256'],
  [0x1305, 'TLS_AES_128_CCM_8_SHA256'],
  [0xc001, 'TLS_ECDH_ECDSA_WITH_NULL_SHA'],
  [0xc002, 'TLS_ECDH_ECDSA_WITH_RC4_128_SHA'],
  [0xc003, 'TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA'],
  [0xc004, 'TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA'],
  [0xc005, 'TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA'],
  [0xc006, 'TLS_ECDHE_ECDSA_WITH_NULL_SHA', 'ECDHE-ECDSA-NULL-SHA'],
  [0xc007, 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA', 'ECDHE-ECDSA-RC4-SHA'],
  [0xc008, 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA', 'ECDHE-ECDSA-DES-CBC3-SHA'],
  [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  [0xc00b, 'TLS_ECDH_RSA_WITH_NULL_SHA'],
  [0xc00c, 'TLS_ECDH_RSA_WITH_RC4_128_SHA'],
  [0xc00d, 'TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0xc00e, 'TLS_ECDH_RSA_WITH_AES_128_CBC_SHA'],
  [0xc00f, 'TLS_ECDH_RSA_WITH_AES_256_CBC_SHA'],
  [0xc010, 'TLS_ECDHE_RSA_WITH_NULL_SHA', 'ECDHE-RSA-NULL-SHA'],
  [0xc011, 'TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'ECDHE-RSA-RC4-SHA'],
  [0xc012, 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'ECDHE-RSA-DES-CBC3-SHA'],
  [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  [0xc015, 'TLS_ECDH_anon_WITH_NULL_SHA', 'AECDH-NULL-SHA'],
  [0xc016, 'TLS_ECDH_anon_WITH_RC4_128_SHA', 'AECDH-RC4-SHA'],
  [0xc017, 'TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA', 'AECDH-DES-CBC3-SHA'],
  [0xc018, 'TLS_ECDH_anon_WITH_AES_128_CBC_SHA', 'AECDH-AES128-SHA'],
  [0xc019, 'TLS_ECDH_anon_WITH_AES_256_CBC_SHA', 'AECDH-AES256-SHA'],
  [0xc01a, 'TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA', 'SRP-3DES-EDE-CBC-SHA'],
  [0xc01b, 'TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA', 'SRP-RSA-3DES-EDE-CBC-SHA'],
  [0xc01c, 'TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA', 'SRP-DSS-3DES-EDE-CBC-SHA'],
  [0xc01d, 'TLS_SRP_SHA_WITH_AES_128_CBC_SHA', 'SRP-AES-128-CBC-SHA'],
  [0xc01e, 'TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA', 'SRP-RSA-AES-128-CBC-SHA'],
  [0xc01f, 'TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA', 'SRP-DSS-AES-128-CBC-SHA'],
  [0xc020, 'TLS_SRP_SHA_WITH_AES_256_CBC_SHA', 'SRP-AES-256-CBC-SHA'],
  [0xc021, 'TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA', 'SRP-RSA-AES-256-CBC-SHA'],
  [0xc022, 'TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA', 'SRP-DSS-AES-256-CBC-SHA'],
  [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  [0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384'],
  [0xc025, 'TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256'],
  [0xc026, 'TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384'],
  [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
  [0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384'],
  [0xc029, 'TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256'],
  [0xc02a, 'TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384'],
  [0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  [0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  [0xc02d, 'TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256'],
  [0xc02e, 'TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384'],
  [0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  [0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  [0xc031, 'TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256'],
  [0xc032, 'TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384'],
  [0xc035, 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA', 'ECDHE-PSK-AES128-CBC-SHA'],
  [0xc036, 'TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA', 'ECDHE-PSK-AES256-CBC-SHA'],
  [0xc037, 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256', 'ECDHE-PSK-AES128-CBC-SHA256'],
  [0xc038, 'TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384', 'ECDHE-PSK-AES256-CBC-SHA384'],
  [0xc039, 'TLS_ECDHE_PSK_WITH_NULL_SHA', 'ECDHE-PSK-NULL-SHA'],
  [0xc03a, 'TLS_ECDHE_PSK_WITH_NULL_SHA256', 'ECDHE-PSK-NULL-SHA256'],
  [0xc03b, 'TLS_ECDHE_PSK_WITH_NULL_SHA384', 'ECDHE-PSK-NULL-SHA384'],
  [0xc03c, 'TLS_RSA_WITH_ARIA_128_CBC_SHA256'],
  [0xc03d, 'TLS_RSA_WITH_ARIA_256_CBC_SHA384'],
  [0xc044, 'TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256'],
  [0xc045, 'TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384'],
  [0xc048, 'TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256'],
  [0xc049, 'TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384'],
  [0xc04c, 'TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256'],
  [0xc04d, 'TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384'],
  [0xc050, 'TLS_RSA_WITH_ARIA_128_GCM_SHA256', 'ARIA128-GCM-SHA256'],
  [0xc051, 'TLS_RSA_WITH_ARIA_256_GCM_SHA384', 'ARIA256-GCM-SHA384'],
  [0xc052, 'TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256', 'DHE-RSA-ARIA128-GCM-SHA256'],
  [0xc053, 'TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384', 'DHE-RSA-ARIA256-GCM-SHA384'],
  [0xc056, 'TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256', 'DHE-DSS-ARIA128-GCM-SHA256'],
  [0xc057, 'TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384', 'DHE-DSS-ARIA256-GCM-SHA384'],
  [0xc05c, 'TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256', 'ECDHE-ECDSA-ARIA128-GCM-SHA256'],
  [0xc05d, 'TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384', 'ECDHE-ECDSA-ARIA256-GCM-SHA384'],
  [0xc060, 'TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256', 'ECDHE-ARIA128-GCM-SHA256'],
  [0xc061, 'TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384', 'ECDHE-ARIA256-GCM-SHA384'],
  [0xc06a, 'TLS_PSK_WITH_ARIA_128_GCM_SHA256', 'PSK-ARIA128-GCM-SHA256'],
  [0xc06b, 'TLS_PSK_WITH_ARIA_256_GCM_SHA384', 'PSK-ARIA256-GCM-SHA384'],
  [0xc06c, 'TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256', 'DHE-PSK-ARIA128-GCM-SHA256'],
  [0xc06d, 'TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384', 'DHE-PSK-ARIA256-GCM-SHA384'],
  [0xc06e, 'TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256', 'RSA-PSK-ARIA128-GCM-SHA256'],
  [0xc06f, 'TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384', 'RSA-PSK-ARIA256-GCM-SHA384'],
  [0xc072, 'TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256', 'ECDHE-ECDSA-CAMELLIA128-SHA256'],
  [0xc073, 'TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384', 'ECDHE-ECDSA-CAMELLIA256-SHA384'],
  [0xc076, 'TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256', 'ECDHE-RSA-CAMELLIA128-SHA256'],
  [0xc077, 'TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384', 'ECDHE-RSA-CAMELLIA256-SHA384'],
  [0xc094, 'TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256', 'PSK-CAMELLIA128-SHA256'],
  [0xc095, 'TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384', 'PSK-CAMELLIA256-SHA384'],
  [0xc096, 'TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256', 'DHE-PSK-CAMELLIA128-SHA256'],
  [0xc097, 'TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384', 'DHE-PSK-CAMELLIA256-SHA384'],
  [0xc098, 'TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256', 'RSA-PSK-CAMELLIA128-SHA256'],
  [0xc099, 'TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384', 'RSA-PSK-CAMELLIA256-SHA384'],
  [0xc09a, 'TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256', 'ECDHE-PSK-CAMELLIA128-SHA256'],
  [0xc09b, 'TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384', 'ECDHE-PSK-CAMELLIA256-SHA384'],
  [0xc09c, 'TLS_RSA_WITH_AES_128_CCM', 'AES128-CCM'],
  [0xc09d, 'TLS_RSA_WITH_AES_256_CCM', 'AES256-CCM'],
  [0xc09e, 'TLS_DHE_RSA_WITH_AES_128_CCM', 'DHE-RSA-AES128-CCM'],
  [0xc09f, 'TLS_DHE_RSA_WITH_AES_256_CCM', 'DHE-RSA-AES256-CCM'],
  [0xc0a0, 'TLS_RSA_WITH_AES_128_CCM_8', 'AES128-CCM8'],
  [0xc0a1, 'TLS_RSA_WITH_AES_256_CCM_8', 'AES256-CCM8'],
  [0xc0a2, 'TLS_DHE_RSA_WITH_AES_128_CCM_8', 'DHE-RSA-AES128-CCM8'],
  [0xc0a3, 'TLS_DHE_RSA_WITH_AES_256_CCM_8', 'DHE-RSA-AES256-CCM8'],
  [0xc0a4, 'TLS_PSK_WITH_AES_128_CCM', 'PSK-AES128-CCM'],
  [0xc0a5, 'TLS_PSK_WITH_AES_256_CCM', 'PSK-AES256-CCM'],
  [0xc0a6, 'TLS_DHE_PSK_WITH_AES_128_CCM', 'DHE-PSK-AES128-CCM'],
  [0xc0a7, 'TLS_DHE_PSK_WITH_AES_256_CCM', 'DHE-PSK-AES256-CCM'],
  [0xc0a8, 'TLS_PSK_WITH_AES_128_CCM_8', 'PSK-AES128-CCM8'],
  [0xc0a9, 'TLS_PSK_WITH_AES_256_CCM_8', 'PSK-AES256-CCM8'],
  [0xc0aa, 'TLS_PSK_DHE_WITH_AES_128_CCM_8', 'DHE-PSK-AES128-CCM8'],
  [0xc0ab, 'TLS_PSK_DHE_WITH_AES_256_CCM_8', 'DHE-PSK-AES256-CCM8'],
  [0xc0ac, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM', 'ECDHE-ECDSA-AES128-CCM'],
  [0xc0ad, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM', 'ECDHE-ECDSA-AES256-CCM'],
  [0xc0ae, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', 'ECDHE-ECDSA-AES128-CCM8'],
  [0xc0af, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8', 'ECDHE-ECDSA-AES256-CCM8'],
  [0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  [0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  [0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'DHE-RSA-CHACHA20-POLY1305'],
  [0xccab, 'TLS_PSK_WITH_CHACHA20_POLY1305_SHA256', 'PSK-CHACHA20-POLY1305'],
  [0xccac, 'TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-PSK-CHACHA20-POLY1305'],
  [0xccad, 'TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256', 'DHE-PSK-CHACHA20-POLY1305'],
  [0xccae, 'TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256', 'RSA-PSK-CHACHA20-POLY1305'],
];

// Key-exchange part of a pre-1.3 name (between TLS_ and _WITH_, EXPORT removed) → kx and auth.
const KX_AUTH: Readonly<Record<string, readonly [KeyExchange, Authentication]>> = {
  RSA: ['RSA', 'RSA'],
  DH_DSS: ['DH', 'DSS'],
  DH_RSA: ['DH', 'RSA'],
  DHE_DSS: ['DHE', 'DSS'],
  DHE_RSA: ['DHE', 'RSA'],
  DH_anon: ['DHE', 'anon'],
  ECDH_ECDSA: ['ECDH', 'ECDSA'],
  ECDH_RSA: ['ECDH', 'RSA'],
  ECDHE_ECDSA: ['ECDHE', 'ECDSA'],
  ECDHE_RSA: ['ECDHE', 'RSA'],
  ECDH_anon: ['ECDHE', 'anon'],
  PSK: ['PSK', 'PSK'],
  DHE_PSK: ['DHE', 'PSK'],
  PSK_DHE: ['DHE', 'PSK'],
  RSA_PSK: ['RSA', 'PSK'],
  ECDHE_PSK: ['ECDHE', 'PSK'],
  SRP_SHA: ['SRP', 'SRP'],
  SRP_SHA_RSA: ['SRP', 'RSA'],
  SRP_SHA_DSS: ['SRP', 'DSS'],
};

// Bulk cipher prefix → effective bits, mode and weaknesses; first match wins, so longer prefixes first.
const CIPHERS: ReadonlyArray<readonly [string, number, CipherMode, WeakReason[]]> = [
  ['NULL', 0, 'none', ['null']],
  ['RC4_40', 40, 'stream', ['rc4']],
  ['RC4_128', 128, 'stream', ['rc4']],
  ['RC2_CBC_40', 40, 'CBC', ['rc2']],
  ['DES40_CBC', 40, 'CBC', ['des']],
  ['DES_CBC', 56, 'CBC', ['des']],
  ['3DES_EDE_CBC', 112, 'CBC', ['sweet32']],
  ['IDEA_CBC', 128, 'CBC', ['sweet32']],
  ['CHACHA20_POLY1305', 256, 'AEAD', []],
  ['AES_128_CCM_8', 128, 'AEAD', []],
  ['AES_256_CCM_8', 256, 'AEAD', []],
  ['AES_128', 128, 'CBC', []],
  ['AES_256', 256, 'CBC', []],
  ['CAMELLIA_128', 128, 'CBC', []],
  ['CAMELLIA_256', 256, 'CBC', []],
  ['ARIA_128', 128, 'CBC', []],
  ['ARIA_256', 256, 'CBC', []],
  ['SEED_CBC', 128, 'CBC', []],
];

const MACS: Readonly<Record<string, CipherSuite['mac']>> = { MD5: 'MD5', SHA: 'SHA1', SHA256: 'SHA256', SHA384: 'SHA384' };

function describe(id: number, name: string, openssl: string | undefined): CipherSuite {
  const tls13 = /^TLS_(?!.*_WITH_)/.test(name);
  let kx: KeyExchange = 'any';
  let auth: Authentication = 'any';
  let isExport = false;
  let body: string;
  if (tls13) {
    body = name.slice('TLS_'.length);
  } else {
    const m = /^TLS_(.+?)_WITH_(.+)$/.exec(name);
    const kxPart = (m?.[1] ?? '').replace('_EXPORT', '');
    isExport = m?.[1]?.includes('EXPORT') ?? false;
    [kx, auth] = KX_AUTH[kxPart] ?? ['RSA', 'RSA'];
    body = m?.[2] ?? '';
  }
  // The trailing hash is the record MAC for CBC/stream suites and only the PRF hash for AEADs.
  const hash = /_(MD5|SHA|SHA256|SHA384)$/.exec(body)?.[1];
  const cipher = hash ? body.slice(0, -(hash.length + 1)) : body;
  const aead = /GCM|CCM|POLY1305/.test(cipher);
  const row = CIPHERS.find(([prefix]) => cipher.startsWith(prefix));
  const bits = isExport ? 40 : row?.[1] ?? 0;
  const mode: CipherMode = aead ? 'AEAD' : row?.[2] ?? 'CBC';
  const mac: CipherSuite['mac'] = aead ? 'AEAD' : MACS[hash ?? ''] ?? 'SHA1';
  const weak = new Set<WeakReason>(row?.[3] ?? []);
  if (auth === 'anon') weak.add('anon');
  if (isExport) weak.add('export');
  if (mac === 'MD5') weak.add('md5');
  const needs12 = aead || mac === 'SHA256' || mac === 'SHA384';
  return {
    id,
    name,
    openssl: openssl ?? (tls13 ? name : null),
    kx,
    auth,
    cipher,
    bits,
    mode,
    mac,
    aead,
    forwardSecrecy: tls13 || kx === 'DHE' || kx === 'ECDHE',
    export: isExport,
    minVersion: tls13 ? 'TLSv1.3' : needs12 ? 'TLSv1.2' : 'SSLv3',
    maxVersion: tls13 ? 'TLSv1.3' : 'TLSv1.2',
    weak: [...weak],
    rare: auth === 'PSK' || kx === 'SRP' || kx === 'DH' || kx === 'ECDH',
  };
}

export const CIPHER_SUITES: readonly CipherSuite[] = TABLE.map(([id, name, openssl]) => describe(id, name, openssl));

const BY_ID = new Map(CIPHER_SUITES.map((s) => [s.id, s]));
const BY_NAME = new Map<string, CipherSuite>();
for (const s of CIPHER_SUITES) {
  BY_NAME.set(s.name, s);
  if (s.openssl) BY_NAME.set(s.openssl, s);
}

export function cipherSuiteById(id: number): CipherSuite | undefined {
  return BY_ID.get(id);
}

/** Looks a suite up by its IANA or OpenSSL name. */
export function cipherSuiteByName(name: string): CipherSuite | undefined {
  return BY_NAME.get(name);
}

/** IANA name of a suite or SCSV, or 0xNNNN for ids tlscheck does not know. */
export function cipherName(id: number): string {
  return BY_ID.get(id)?.name ?? SCSV_NAMES.get(id) ?? `0x${id.toString(16).padStart(4, '0')}`;
}

const VERSION_RANK: Readonly<Record<ProtocolName, number>> = {
  SSLv2: 0, SSLv3: 1, TLSv1: 2, 'TLSv1.1': 3, 'TLSv1.2': 4, 'TLSv1.3': 5,
};

/** Orders suites the way a sensible client would prefer them, so client-order servers pick well. */
function preferenceRank(s: CipherSuite): number {
  return (s.weak.length > 0 ? 100 : 0) + (s.forwardSecrecy ? 0 : 20) + (s.aead ? 0 : 10) + (s.kx === 'ECDHE' ? 0 : 1);
}

/**
 * Suite ids a hello for `version` can offer, best first. `rare` selects the suites that need
 * credentials or static-DH certificates (offered apart so the main list stays under 128 suites,
 * which some old servers cannot parse).
 */
const suitesCache = new Map<string, readonly number[]>();

/** Every hello of a check asks for these lists: computed once, handed out as fresh copies. */
export function suitesForVersion(version: ProtocolName, opts: { rare?: boolean } = {}): number[] {
  const rare = opts.rare ?? false;
  const key = `${version}/${rare}`;
  let list = suitesCache.get(key);
  if (!list) {
    const v = VERSION_RANK[version];
    list = CIPHER_SUITES.filter((s) => VERSION_RANK[s.minVersion] <= v && v <= VERSION_RANK[s.maxVersion] && s.rare === rare)
      .map((s) => ({ s, rank: preferenceRank(s) }))
      .sort((a, b) => a.rank - b.rank || a.s.id - b.s.id)
      .map(({ s }) => s.id);
    suitesCache.set(key, list);
  }
  return [...list];
}

export interface SSLv2CipherKind {
  id: number;
  name: string;
  bits: number;
  export: boolean;
}

/** SSLv2 CIPHER-KINDs (3-byte ids); any of them means SSLv2 is usable, all of them are broken. */
export const SSLV2_CIPHER_KINDS: readonly SSLv2CipherKind[] = [
  { id: 0x010080, name: 'SSL_CK_RC4_128_WITH_MD5', bits: 128, export: false },
  { id: 0x020080, name: 'SSL_CK_RC4_128_EXPORT40_WITH_MD5', bits: 40, export: true },
  { id: 0x030080, name: 'SSL_CK_RC2_128_CBC_WITH_MD5', bits: 128, export: false },
  { id: 0x040080, name: 'SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5', bits: 40, export: true },
  { id: 0x050080, name: 'SSL_CK_IDEA_128_CBC_WITH_MD5', bits: 128, export: false },
  { id: 0x060040, name: 'SSL_CK_DES_64_CBC_WITH_MD5', bits: 56, export: false },
  { id: 0x0700c0, name: 'SSL_CK_DES_192_EDE3_CBC_WITH_MD5', bits: 112, export: false },
];

export function sslv2CipherName(id: number): string {
  return SSLV2_CIPHER_KINDS.find((k) => k.id === id)?.name ?? `0x${id.toString(16).padStart(6, '0')}`;
}
