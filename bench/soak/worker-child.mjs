// A worker process for fault injection (the fault tests and the soak): the real startWorker and
// the real SIGTERM handling from dist/, configured from the environment like `npm run worker`,
// plus a few knobs a test needs. Writes one JSON line per event on stdout (ready, check-start,
// check-end); pino's lines go to stderr.
//
//   SOAK_CHECK=real            the real engine (default)
//   SOAK_CHECK=fake:<ms>       a canned result after <ms>
//   SOAK_LOCK_MS, SOAK_STALLED_MS, SOAK_MAX_STALLED   BullMQ stalled-job detection
//   SOAK_HOST_WAIT_MS, SOAK_HOST_DELAY_MS             per-host slot waiting
//   SOAK_CLOSE_MS              how long close() gives the queue connections (default 3 s)
import pino from 'pino';
import { loadConfig } from '../../dist/src/config.js';
import { createLogger } from '../../dist/src/log.js';
import { realCheck, realExplain } from '../../dist/jobs/defaults.js';
import { closeOnSignals } from '../../dist/jobs/shutdown.js';
import { startWorker } from '../../dist/jobs/worker.js';

const say = (event) => process.stdout.write(`${JSON.stringify({ pid: process.pid, at: Date.now(), ...event })}\n`);
const num = (name) => (process.env[name] ? Number(process.env[name]) : undefined);

function cannedResult(input, sni) {
  const [host = '', port = '443'] = input.split(':');
  return {
    target: { host, port: Number(port), ip: '198.51.100.7', sni: sni ?? host },
    error: null,
    protocols: { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true },
    ciphers: { 'TLSv1.3': ['TLS_AES_128_GCM_SHA256'], 'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256'] },
    renegotiation: { secure: true, clientInitiated: 'rejected', acceptedCount: 0, reason: 'warning alert 100 no_renegotiation', protocol: 'TLSv1.2' },
    resumption: { sessionId: true, tickets: true, consistent: true },
    certificate: null,
    sni: { required: false },
    alpn: 'h2',
    ocspStapled: false,
    findings: [{ id: 'tls13', severity: 'ok', title: 'TLS 1.3 offered', detail: '' }],
    durationMs: 1,
    diagnoses: [],
  };
}

function chooseCheck(spec) {
  const fake = /^fake:(\d+)$/.exec(spec ?? '');
  const inner = fake
    ? async (input, opts) => {
        await new Promise((resolve) => {
          const t = setTimeout(resolve, Number(fake[1]));
          opts.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
        });
        return cannedResult(input, opts.sni);
      }
    : realCheck;
  return async (input, opts) => {
    say({ event: 'check-start', input });
    try {
      const r = await inner(input, opts);
      say({ event: 'check-end', input, error: r.error?.code ?? null });
      return r;
    } catch (err) {
      say({ event: 'check-end', input, error: 'threw' });
      throw err;
    }
  };
}

const config = loadConfig({ role: 'worker', dotenvPath: false });
const logger = createLogger(config.logLevel, pino.destination({ dest: 2, sync: true }));
const tuning = Object.fromEntries(
  Object.entries({ lockDuration: num('SOAK_LOCK_MS'), stalledInterval: num('SOAK_STALLED_MS'), maxStalledCount: num('SOAK_MAX_STALLED') }).filter(([, v]) => v !== undefined),
);
const hostWait = Object.fromEntries(Object.entries({ inPlaceMs: num('SOAK_HOST_WAIT_MS'), delayMs: num('SOAK_HOST_DELAY_MS') }).filter(([, v]) => v !== undefined));
const running = await startWorker(config, { check: chooseCheck(process.env.SOAK_CHECK), explain: realExplain, logger, tuning, hostWait, progressIntervalMs: 500, closeConnectionsMs: num('SOAK_CLOSE_MS') });
running.worker.on('completed', (job) => say({ event: 'completed', jobId: job.id }));
closeOnSignals(logger, async () => {
  say({ event: 'closing' });
  await running.close();
  say({ event: 'closed' });
});
say({ event: 'ready' });
