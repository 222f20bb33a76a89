// Hello tolerance: the same handshake offered as a small ClientHello, padded to 512 bytes, padded
// to browser size, and as a browser-like hello with a post-quantum key share (~1.7 KB, two TCP
// segments on a real link). A TLS server answers all of them in kind; a firewall, IPS or
// TLS-inspecting proxy that cannot reassemble a hello across segments, or that rejects an unknown
// group, drops or resets the large ones while the small one passes.
import type { ProbeContext } from './context.js';
import { buildClientHello, type ClientHelloOptions } from './codec/client-hello.js';
import { GROUP } from './codec/groups.js';
import { describeOutcome, type HelloOutcome } from './raw-hello.js';
import { BROWSER_LIKE, runLastRound, type Timed } from './last-round.js';
import { helloOptions } from './client-simulation.js';
import { CLIENT_PROFILES, type ClientProfile } from '../clients/profiles.js';
import type { CheckResult, HelloTolerance, MiddleboxResult as MiddleboxContract } from '../types.js';

export const name = 'middlebox';
// Last and alone: its large hellos may trip a device (an IPS that then blocks the client for a
// while), which must not turn into other probes' failures. Costs one connect plus one hello; the
// client simulation's large hellos, and a few that can wait, share that round (last-round.ts).
export const phase = 'last';

/**
 * Per hello: ok = a TLS answer like the small hello's; refused = a TLS alert where the small hello
 * got a ServerHello; dropped = no answer while the connection stayed open; reset = the connection
 * was cut (RST or FIN) without a TLS answer; unknown = nothing to compare with, or no time left.
 * largeHello is the browser-like hello (X25519MLKEM768 + X25519 key shares, GREASE, ~1.7 KB);
 * paddedHello the small one padded to 512 bytes (RFC 7685); paddedLargeHello the small one padded
 * to the large one's size. Sizes are handshake messages (4-byte header, no record header), as RFC 7685 counts.
 */
export type MiddleboxResult = Required<MiddleboxContract>;

const CHROME = CLIENT_PROFILES.find((p) => p.id === 'chrome') as ClientProfile;

// A handshake every TLS server of the last 15 years can answer: TLS 1.3 and 1.2 (supported_versions),
// AES-GCM with ECDHE, and CBC with ECDHE and RSA for older stacks.
const CIPHERS = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xc013, 0x002f];
const SIGNATURE_ALGORITHMS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

/** Below this the small hello avoids the 256..511-byte range some load balancers hang on (RFC 7685 §1). */
const SMALL_LIMIT = 256;
const PADDED_SIZE = 512;

function base(ctx: ProbeContext): ClientHelloOptions {
  return {
    version: 'TLSv1.3',
    supportedVersions: ['TLSv1.3', 'TLSv1.2'],
    ciphers: CIPHERS,
    sni: ctx.target.sni,
    groups: [GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1],
    keyShares: [GROUP.x25519],
    signatureAlgorithms: SIGNATURE_ALGORITHMS,
    padding: false,
  };
}

/** The small hello, without a legacy session id if the name is long enough to need the room. */
function smallHello(ctx: ProbeContext): Buffer {
  const hello = buildClientHello(base(ctx));
  return hello.length - 5 < SMALL_LIMIT ? hello : buildClientHello({ ...base(ctx), sessionId: Buffer.alloc(0) });
}

/**
 * What current Chrome-family browsers send (Chrome 131+): the Chrome client profile's hello, with
 * the three extensions Chrome adds that the profile leaves out because no server chooses its
 * version, suite or group by them (session_ticket, signed_certificate_timestamp,
 * compress_certificate). So it is also the Chrome profile's hello for the client simulation, which
 * takes its answer from here instead of sending its own (last-round.ts). See the knowledge-base
 * entry's references.
 */
function largeHello(ctx: ProbeContext): Buffer {
  return buildClientHello({
    ...helloOptions(CHROME, ctx.target.sni),
    sessionTicket: true,
    signedCertificateTimestamp: true,
    compressCertificate: [2], // brotli
  });
}

type Answer = 'hello' | 'alert' | 'dropped' | 'reset' | 'unknown';

function answerOf(o: HelloOutcome): Answer {
  switch (o.kind) {
    case 'server-hello':
      return 'hello';
    case 'alert':
      return 'alert';
    case 'closed':
      return 'reset';
    case 'error':
      if (o.error.code === 'reset') return 'reset';
      // Silence counts only if TCP was up: a connect that never completes says nothing of the hello.
      return o.error.code === 'timeout' && o.connected === true ? 'dropped' : 'unknown';
    default:
      return 'unknown';
  }
}

/**
 * A timeout is a drop only after a real wait on the connection's own cap: a check near its deadline
 * that gave the hello a few milliseconds proves nothing. (A server that needs over a second to
 * answer a hello it answered at once when small is as broken for browsers as a drop.)
 */
const DROP_MIN_WAIT_MS = 1_000;

function tolerance(small: Timed, variant: Timed): HelloTolerance {
  const base = answerOf(small.outcome);
  const got = answerOf(variant.outcome);
  if (base !== 'hello' && base !== 'alert') return 'unknown';
  if (got === 'hello') return 'ok';
  if (got === 'alert') return base === 'alert' ? 'ok' : 'refused';
  if (got === 'dropped') {
    const waited = variant.ms >= DROP_MIN_WAIT_MS && variant.outcome.kind === 'error' && !/deadline/.test(variant.outcome.error.message);
    return waited ? 'dropped' : 'unknown';
  }
  return got;
}

function explain(t: { small: Timed; padded: Timed; paddedLarge: Timed; large: Timed }, r: Omit<MiddleboxResult, 'detail'>): string {
  const line = (label: string, size: number, x: Timed): string => `${label} (${size} bytes): ${describeOutcome(x.outcome)}`;
  const seen = [
    line('small hello', r.sizes.small, t.small),
    line('padded hello', r.sizes.padded, t.padded),
    line('hello padded to browser size', r.sizes.large, t.paddedLarge),
    line('browser-like hello with X25519MLKEM768', r.sizes.large, t.large),
  ].join('; ');
  const cut = (v: HelloTolerance): boolean => v === 'dropped' || v === 'reset';
  let meaning: string;
  if (r.largeHello === 'unknown' && r.paddedHello === 'unknown') {
    meaning = 'The small hello got no TLS answer, so there is nothing to compare with.';
  } else if (cut(r.largeHello) && cut(r.paddedLargeHello)) {
    meaning = `Hellos of ${r.sizes.large} bytes are ${r.largeHello} while small ones pass: something in the path cannot take a ClientHello larger than one TCP segment.`;
  } else if (cut(r.largeHello)) {
    meaning = 'The browser-like hello is cut while a padded hello of the same size passes: a device in the path, or the server\'s own TLS stack, rejects its content (the post-quantum group X25519MLKEM768, GREASE or an extension such as status_request), not its size.';
  } else if (cut(r.paddedHello)) {
    meaning = 'The 512-byte padded hello is cut while the small one passes: something in the path rejects the padding extension (RFC 7685).';
  } else if (r.largeHello === 'refused') {
    meaning = 'The server refuses the browser-like hello with an alert while it answers the small one: its TLS stack rejects an extension browsers send.';
  } else if (r.largeHello === 'ok' && r.paddedHello === 'ok') {
    meaning = 'Small, padded and browser-size hellos all get a TLS answer: nothing in the path drops large ClientHellos.';
  } else {
    meaning = 'Some hellos got no verdict (time ran out or the network failed), so tolerance is partly unknown.';
  }
  return `${meaning} Seen: ${seen}.`;
}

/**
 * Four hellos at once, with those other probes left for the last round (last-round.ts): one round
 * trip (plus the TCP connect) on the check's critical path.
 */
export async function run(ctx: ProbeContext): Promise<MiddleboxResult> {
  const hellos = { small: smallHello(ctx), large: largeHello(ctx) };
  const padded = buildClientHello({ ...base(ctx), padding: Math.max(PADDED_SIZE, hellos.small.length - 5) });
  const paddedLarge = buildClientHello({ ...base(ctx), padding: hellos.large.length - 5 });
  const answers = await runLastRound(ctx, { small: hellos.small, padded, paddedLarge, [BROWSER_LIKE]: hellos.large });
  const { small, padded: pad, paddedLarge: padLarge, [BROWSER_LIKE]: large } = answers;
  const partial = {
    largeHello: tolerance(small, large),
    paddedHello: tolerance(small, pad),
    paddedLargeHello: tolerance(small, padLarge),
    sizes: { small: hellos.small.length - 5, padded: padded.length - 5, large: hellos.large.length - 5 },
  };
  return { ...partial, detail: explain({ small, padded: pad, paddedLarge: padLarge, large }, partial) };
}

export function apply(result: CheckResult, value: MiddleboxResult): void {
  result.middlebox = value;
}
