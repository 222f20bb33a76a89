// Bounds on what a request may make the bot store and carry: the slash command's text and the
// job queued for it. Anything larger is refused with a message, before it reaches Redis.
import { MAX_COMMAND_TEXT, MAX_JOB_REQUEST_BYTES } from './defaults.js';

/** A refusal for text longer than the bot reads, or null when it is fine. */
export function commandTextProblem(text: string): string | null {
  if (text.length <= MAX_COMMAND_TEXT) return null;
  return `That is ${text.length.toLocaleString('en-US')} characters; tlscheck reads at most ${MAX_COMMAND_TEXT.toLocaleString('en-US')}. For \`explain\`, paste just the error line.`;
}

/** A refusal for a job request whose JSON exceeds the cap, or null. */
export function jobRequestProblem(request: object): string | null {
  const bytes = Buffer.byteLength(JSON.stringify(request), 'utf8');
  if (bytes <= MAX_JOB_REQUEST_BYTES) return null;
  return `The request is too large to queue (${bytes.toLocaleString('en-US')} bytes; the limit is ${MAX_JOB_REQUEST_BYTES.toLocaleString('en-US')}).`;
}
