// A TCP relay on 127.0.0.1 that plays a long network path: every chunk waits half the round trip
// in each direction, and the connect costs a round trip, so a check through it sees the round
// trips a distant server would cost. Tests and `npm run bench` use it; it only ever connects to
// 127.0.0.1.
//
// The kernel completes the client's TCP handshake at once, so the client believes it is connected
// immediately. What it sends is held until the connect would have completed (one round trip after
// the accept) and then takes half a round trip more; the server's bytes take half a round trip.
// A hello sent right after connecting is thus answered two round trips after the connect began,
// as on a real path; a socket connected well beforehand costs one round trip per exchange.
import net from 'node:net';

/**
 * One direction of a connection: chunks leave in order, each no earlier than `due(now)`.
 * `end`/`destroy` are queued behind the data, as a FIN or RST would travel behind it.
 */
function delayedPipe(to, due) {
  let last = 0;
  const timers = new Set();
  const at = (fn) => {
    const when = Math.max(due(Date.now()), last);
    last = when;
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, Math.max(0, when - Date.now()));
    timers.add(t);
  };
  return {
    data: (chunk) => at(() => { if (!to.destroyed) to.write(chunk); }),
    end: () => at(() => { if (!to.destroyed) to.end(); }),
    destroy: () => at(() => to.destroy()),
    clear: () => { for (const t of timers) clearTimeout(t); timers.clear(); },
  };
}

/**
 * @param {number} targetPort backend port on 127.0.0.1
 * @param {{ rttMs: number, onConnection?: (c: { accepted: number, first: Buffer | null, closed: number }) => void }} opts
 *   onConnection (bench/trace.mjs): called when a connection is gone, with the time it was
 *   accepted, the client's first chunk and when the client closed (Date.now() values).
 */
export async function startDelayRelay(targetPort, { rttMs, onConnection }) {
  const half = rttMs / 2;
  const sockets = new Set();
  let count = 0;
  const track = (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server = net.createServer((client) => {
    count++;
    const accepted = Date.now();
    track(client);
    client.setNoDelay(true);
    // Connected at once (node buffers writes until then); the client's bytes are what wait.
    const upstream = net.connect(targetPort, '127.0.0.1');
    track(upstream);
    upstream.setNoDelay(true);
    // The client's first bytes leave when its connect would have completed (one round trip).
    const toServer = delayedPipe(upstream, (now) => Math.max(now, accepted + rttMs) + half);
    const toClient = delayedPipe(client, (now) => now + half);
    let first = null;
    let clientClosed = 0;
    client.on('close', () => { clientClosed = Date.now(); });
    client.on('data', (chunk) => { first ??= chunk; toServer.data(chunk); });
    client.on('end', toServer.end);
    client.on('close', toServer.destroy);
    upstream.on('data', toClient.data);
    upstream.on('end', toClient.end);
    upstream.on('close', toClient.destroy);
    // A refused backend resets the client, half a round trip later.
    upstream.on('error', () => toClient.destroy());
    const clear = () => { toServer.clear(); toClient.clear(); };
    // When both sides are gone nothing is left to deliver.
    let closed = 0;
    const onClosed = () => {
      if (++closed !== 2) return;
      clear();
      onConnection?.({ accepted, first, closed: clientClosed || Date.now() });
    };
    client.on('close', onClosed);
    upstream.on('close', onClosed);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    rttMs,
    connections: () => count,
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
