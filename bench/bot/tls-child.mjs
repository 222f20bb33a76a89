// The target of the bot bench: a node:tls TLS 1.2+1.3 server (RSA 2048, as in the latency rows
// of bench/run.mjs) on 127.0.0.1, in a process of its own so its handshakes are not run on the
// bot's event loop. Sends { port } over IPC once listening; stops and removes its certificate
// when told to ('stop') or when its parent goes.
import { makeCert, nodeTlsServer } from '../servers.mjs';

const pair = makeCert();
const server = await nodeTlsServer(pair);
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.stop();
  pair.cleanup();
  process.exit(0);
}
process.on('message', (m) => { if (m === 'stop') void stop(); });
process.on('disconnect', () => void stop());
process.send({ port: server.port });
