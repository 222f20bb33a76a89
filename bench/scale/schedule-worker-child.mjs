// A schedule worker process for the 10,000-schedule bench: the real startScheduleWorker from
// dist/ (the same one `npm run worker` runs), configured from the environment, with a light check
// (one TLS handshake with the schedule's local server, then a fixed healthy result) so that the
// scheduler, queue and store are what is measured, not the probe engine. Writes one JSON line per
// job it starts: {j: job id, s: schedule id, at: ms}.
import tls from 'node:tls';
import { loadConfig } from '../../dist/src/config.js';
import { createLogger } from '../../dist/src/log.js';
import { startScheduleWorker } from '../../dist/jobs/schedule-worker.js';

const out = [];
const flush = () => {
  if (out.length === 0) return;
  process.stdout.write(out.join(''));
  out.length = 0;
};
setInterval(flush, 200).unref();

function handshake(host, port) {
  return new Promise((resolve) => {
    const s = tls.connect({ host, port, servername: 'localhost', rejectUnauthorized: false, timeout: 5_000 }, () => { s.destroy(); resolve(null); });
    s.once('error', (e) => resolve(e.code ?? 'error'));
    s.once('timeout', () => { s.destroy(); resolve('timeout'); });
  });
}

async function lightCheck(input, opts) {
  const i = input.lastIndexOf(':');
  const host = input.slice(0, i);
  const port = Number(input.slice(i + 1));
  const err = await handshake(host, port);
  return {
    target: { host, port, ip: host, sni: opts.sni ?? host },
    error: err ? { code: 'refused', message: String(err) } : null,
    protocols: { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true },
    ciphers: { 'TLSv1.3': ['TLS_AES_128_GCM_SHA256'] },
    renegotiation: { secure: true, clientInitiated: 'rejected', acceptedCount: 0, reason: null },
    resumption: { sessionId: true, tickets: true, consistent: true },
    certificate: null,
    sni: { required: false },
    alpn: null,
    ocspStapled: false,
    findings: [],
    durationMs: 1,
    diagnoses: [],
  };
}

const config = loadConfig({ role: 'worker', dotenvPath: false });
const logger = createLogger(config.logLevel);
const running = await startScheduleWorker(config, { check: lightCheck, logger, checkTimeoutMs: 5_000 });
running.worker.on('active', (job) => out.push(`${JSON.stringify({ j: job.id, s: job.data.scheduleId, at: Date.now() })}\n`));
running.worker.on('completed', (job) => out.push(`${JSON.stringify({ done: job.id, at: Date.now() })}\n`));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.once('SIGTERM', async () => {
  await running.close();
  flush();
  process.exit(0);
});
