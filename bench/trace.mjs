// Where a check's round trips go: one in-process check through the delay relay, with every
// connection (accepted → the client hung up) and every probe's end in round-trip units, so the
// critical path can be read off, and per probe its connections and socket-round-trips (what a
// throughput-bound check pays for). `node bench/trace.mjs [rttMs] [--server nginx|node] [--prefer-server]` after
// npm run build; prints only (nothing is appended to results.md). Everything is on 127.0.0.1.
import { fileURLToPath } from 'node:url';
import { makeCert, nginxServer, nodeTlsServer } from './servers.mjs';
import { startDelayRelay } from './delay-relay.mjs';

const SUITE_NAMES = new Map([[0x5600, 'SCSV'], [0x00ff, 'RI']]);

/** A short label for a client's first chunk: which hello it is, as far as its bytes say. */
export function describeHello(buf) {
  if (!buf || buf.length < 6) return 'no hello';
  if (buf[0] & 0x80) return 'SSLv2 hello';
  if (buf[0] !== 22) return `not a hello (type ${buf[0]})`;
  try {
    let p = 9;
    const legacy = buf.readUInt16BE(p); p += 2 + 32;
    const sid = buf[p]; p += 1 + sid;
    const suitesLen = buf.readUInt16BE(p); p += 2;
    const suites = [];
    for (let i = 0; i < suitesLen; i += 2) suites.push(buf.readUInt16BE(p + i));
    p += suitesLen;
    p += 1 + buf[p];
    const exts = new Map();
    if (p + 2 <= buf.length) {
      const end = p + 2 + buf.readUInt16BE(p); p += 2;
      while (p + 4 <= end && p + 4 <= buf.length) {
        const type = buf.readUInt16BE(p); const len = buf.readUInt16BE(p + 2);
        exts.set(type, buf.subarray(p + 4, p + 4 + len)); p += 4 + len;
      }
    }
    let version = { 0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2' }[legacy] ?? legacy.toString(16);
    const sv = exts.get(43);
    if (sv && sv.length >= 3) version = sv.readUInt16BE(1) === 0x0304 ? (sv.length > 3 ? 'TLSv1.3+' : 'TLSv1.3') : version;
    const flags = [];
    if (exts.has(41)) flags.push('psk');
    if (exts.get(35)?.length) flags.push('ticket');
    else if (sid > 0 && !sv) flags.push('session-id');
    if (exts.has(16)) flags.push('alpn');
    if (exts.has(5)) flags.push('status');
    if (!exts.has(0)) flags.push('no-sni');
    if (exts.has(21)) flags.push(`pad ${exts.get(21).length}`);
    const extra = suites.filter((s) => SUITE_NAMES.has(s)).map((s) => SUITE_NAMES.get(s));
    return `${version} ${suites.length} suites${extra.length ? ` +${extra.join('+')}` : ''}${flags.length ? ` [${flags.join(' ')}]` : ''} ${buf.length} B`;
  } catch {
    return `hello (${buf.length} B, unparsed)`;
  }
}

/**
 * Sockets as the check holds them (in this process): connect called → first end()/destroy(),
 * with the first bytes written and the probe that opened it (the AsyncLocalStorage scope the
 * check's wrapProbe hook enters). What the socket cap actually divides.
 */
function watchSockets(net, tls, port, scope) {
  const held = [];
  const { connect, write, end, destroy } = net.Socket.prototype;
  const tlsConnect = tls.connect;
  const mark = (s) => {
    if (s.__trace && !s.__trace.released) s.__trace.released = Date.now();
  };
  net.Socket.prototype.connect = function (...args) {
    const opts = Array.isArray(args[0]) ? args[0][0] : args[0];
    const to = typeof opts === 'object' && opts !== null ? Number(opts.port) : Number(opts);
    if (!this.__trace && to === port) {
      this.__trace = { started: Date.now(), released: 0, first: null, answered: 0, probe: scope.getStore() ?? '(none)', tls: false };
      held.push(this.__trace);
      this.once('data', () => { this.__trace.answered ||= Date.now(); });
    }
    return connect.apply(this, args);
  };
  net.Socket.prototype.write = function (chunk, ...rest) {
    if (this.__trace && !this.__trace.first && Buffer.isBuffer(chunk)) this.__trace.first = chunk;
    return write.call(this, chunk, ...rest);
  };
  net.Socket.prototype.end = function (...args) { mark(this); return end.apply(this, args); };
  net.Socket.prototype.destroy = function (...args) { mark(this); return destroy.apply(this, args); };
  // node:tls straight on the TCP socket (no JS tap: resumption's full handshakes) writes through
  // the native handle, unseen above: the TLS socket carries the trace, its end() is the release.
  tls.connect = function (...args) {
    const s = tlsConnect.apply(this, args);
    const raw = args.find((a) => typeof a === 'object' && a !== null)?.socket;
    if (raw?.__trace) {
      raw.__trace.tls = true;
      s.__trace = raw.__trace;
      s.once('secureConnect', () => { raw.__trace.answered ||= Date.now(); });
    }
    return s;
  };
  return { held, restore: () => { Object.assign(net.Socket.prototype, { connect, write, end, destroy }); tls.connect = tlsConnect; } };
}

/** Per probe: connections and socket-round-trips (held time ÷ the round trip), most first. */
export function perProbe(held, rttMs, endOf) {
  const rows = new Map();
  for (const h of held) {
    const r = rows.get(h.probe) ?? { probe: h.probe, connections: 0, socketRtt: 0 };
    r.connections++;
    r.socketRtt += ((h.released || endOf) - h.started) / rttMs;
    rows.set(h.probe, r);
  }
  return [...rows.values()].sort((a, b) => b.socketRtt - a.socketRtt);
}

export async function traceCheck(port, rttMs, relayOpts = {}) {
  const { runCheck } = await import('../dist/src/check.js');
  const net = await import('node:net');
  const tls = await import('node:tls');
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const scope = new AsyncLocalStorage();
  // One warm-up check on loopback: module loading is not the path's.
  await runCheck(`127.0.0.1:${port}`, { sni: 'localhost' });
  const connections = [];
  const relay = await startDelayRelay(port, { rttMs, onConnection: (c) => connections.push(c), ...relayOpts });
  try {
    const ends = [];
    const sockets = watchSockets(net.default, tls.default, relay.port, scope);
    const t0 = Date.now();
    let result;
    try {
      result = await runCheck(`127.0.0.1:${relay.port}`, { sni: 'localhost', onProgress: (e) => ends.push({ probe: e.probe, at: Date.now() }), wrapProbe: (probe, run) => scope.run(probe, run) });
    } finally {
      sockets.restore();
    }
    const total = Date.now() - t0;
    // Let the last connections close at the relay.
    await new Promise((r) => setTimeout(r, rttMs + 200));
    const rt = (ms) => ((ms - t0) / rttMs).toFixed(1).padStart(5);
    const lines = [];
    lines.push(`check: ${total} ms = ${(total / rttMs).toFixed(1)} round trips at ${rttMs} ms; complete ${result.complete}; ${connections.length} connections`);
    lines.push('probe ends (round trips from the start):');
    for (const e of ends) lines.push(`  ${rt(e.at)}  ${e.probe}`);
    const heldMs = sockets.held.reduce((sum, h) => sum + ((h.released || t0 + total) - h.started), 0);
    lines.push(`sockets held: ${sockets.held.length}, ${(heldMs / rttMs).toFixed(0)} socket-round-trips (÷ 10 sockets = ${(heldMs / rttMs / 10).toFixed(1)} round trips)`);
    const probes = perProbe(sockets.held, rttMs, t0 + total);
    lines.push('per probe: connections, socket-round-trips');
    for (const p of probes) lines.push(`  ${p.probe.padEnd(22)} ${String(p.connections).padStart(4)} ${p.socketRtt.toFixed(1).padStart(7)}`);
    lines.push('sockets (connect → first answer byte → released, round trips):');
    for (const h of sockets.held) {
      const hello = h.tls && !h.first ? 'node:tls (bytes not seen)' : describeHello(h.first);
      lines.push(`  ${rt(h.started)} → ${h.answered ? rt(h.answered) : '    -'} → ${h.released ? rt(h.released) : '    -'}  ${h.probe.padEnd(20)} ${hello}`);
    }
    return { total, result, lines, connections: connections.length, probes };
  } finally {
    await relay.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rtt = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 50);
  const kind = process.argv.includes('node') ? 'node' : 'nginx';
  const pair = makeCert();
  // --prefer-server: nginx with ssl_prefer_server_ciphers on (the server's own order).
  const server = kind === 'node' ? await nodeTlsServer(pair) : await nginxServer(pair, { preferServerCiphers: process.argv.includes('--prefer-server') });
  try {
    const { lines, result } = await traceCheck(server.port, rtt);
    console.log(lines.join('\n'));
    if (!result.complete) console.log('incomplete:', JSON.stringify(result.incomplete));
  } finally {
    await server.stop();
    pair.cleanup();
  }
}
