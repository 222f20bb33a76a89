export { bracketHost, hostPort } from './host-port.js';
export { DEFAULT_PORT, isValidDnsName, parseTarget, type ParsedTarget, type ParseResult } from './parse.js';
export {
  resolveInput,
  resolveTarget,
  systemLookup,
  TargetError,
  type LookupAddress,
  type LookupFn,
  type ResolveOptions,
  type TargetErrorCode,
} from './resolve.js';
export {
  ALLOW_ENV,
  addressPolicyFromEnv,
  createAddressPolicy,
  type AddressPolicy,
  type PolicyVerdict,
} from './policy.js';
export {
  cidrContains,
  formatIp,
  ipFamily,
  parseCidr,
  parseIp,
  type Cidr,
  type IpAddress,
  type IpFamily,
} from './ip.js';
