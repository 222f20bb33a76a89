// N node:tls servers, each on an address of its own (127.0.1.1, 127.0.1.2, …: all loopback on
// Linux), so each is a separate host for the per-host slots, like N real servers. ECDSA P-256, as
// in the throughput bench: with RSA 2048 the servers' signing on the same 2 cores would dominate.
import { nodeTlsServer } from '../servers.mjs';

export async function startTargets(pair, n) {
  const servers = [];
  for (let i = 0; i < n; i++) servers.push(await nodeTlsServer(pair, `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`));
  return { list: servers, stop: () => Promise.all(servers.map((s) => s.stop())) };
}
