// Does the server need SNI, and does it serve another certificate to clients that send none
// (old clients, some monitoring agents, IP-based health checks)?
import type { CheckResult } from '../types.js';
import type { ProbeContext } from './context.js';
import { askForLeaf } from './handshake-loans.js';
import { LEGACY_CLIENT, sniName, TRUST_NOTHING, withTls, type TlsFailure } from './tls-connect.js';
import { describeAlert } from './tls-alerts.js';

export const name = 'sni';
export const phase = 'address';

export interface SniResult {
  required: boolean | null;
  differentCertWithoutSni: boolean | null;
  /** How the handshake without SNI failed, e.g. "fatal alert 112 unrecognized_name". */
  reason?: string | null;
}

type Outcome = { ok: true; fingerprint: string | null } | { ok: false; failure: TlsFailure };

function handshake(ctx: ProbeContext, servername: string | null | undefined): Promise<Outcome> {
  // As permissive as possible: the question is only what SNI changes.
  return withTls(ctx, { servername, tls: { ...LEGACY_CLIENT, ...TRUST_NOTHING }, tap: false }, (a): Outcome => {
    if (!a.ok) return { ok: false, failure: a.failure };
    return { ok: true, fingerprint: a.socket.getPeerX509Certificate()?.fingerprint256 ?? null };
  });
}

/** Failures that say nothing about the server's SNI policy. */
const INCONCLUSIVE: ReadonlySet<TlsFailure['kind']> = new Set(['timeout', 'aborted', 'refused']);

export function describeSniFailure(f: TlsFailure): string {
  if (f.alert) return describeAlert(f.alert);
  return f.kind === 'closed' ? 'connection closed' : f.kind === 'reset' ? 'connection reset' : f.message || f.kind;
}

/** Compares a handshake with the target's SNI against one without any. */
export function compareSni(withSni: Outcome, withoutSni: Outcome): SniResult {
  if (!withSni.ok) return { required: null, differentCertWithoutSni: null, reason: null };
  if (!withoutSni.ok) {
    if (INCONCLUSIVE.has(withoutSni.failure.kind)) return { required: null, differentCertWithoutSni: null, reason: describeSniFailure(withoutSni.failure) };
    return { required: true, differentCertWithoutSni: null, reason: describeSniFailure(withoutSni.failure) };
  }
  const different = withSni.fingerprint && withoutSni.fingerprint ? withSni.fingerprint !== withoutSni.fingerprint : null;
  return { required: false, differentCertWithoutSni: different, reason: null };
}

/** The handshake with SNI: lent by the HTTP probe when it made one (handshake-loans.ts), else our own. */
async function withSniHandshake(ctx: ProbeContext, lent: () => Promise<Array<{ fingerprint: string | null } | null>>): Promise<Outcome> {
  const [leaf] = await lent();
  return leaf ? { ok: true, fingerprint: leaf.fingerprint } : handshake(ctx, undefined);
}

export async function run(ctx: ProbeContext): Promise<SniResult> {
  // Without a name there is nothing to compare: the check itself sends no SNI.
  if (!sniName(ctx.target.sni)) return { required: null, differentCertWithoutSni: null, reason: null };
  // Asked for now, before the HTTP probe starts in this same turn.
  const lent = askForLeaf(ctx, 1);
  const [withSni, withoutSni] = await Promise.all([withSniHandshake(ctx, lent), handshake(ctx, null)]);
  return compareSni(withSni, withoutSni);
}

export function apply(result: CheckResult, value: SniResult): void {
  result.sni = value;
}
