// `npm start` runs the checks on a worker thread beside the web handler. A thread has its own
// event loop, but not its own core: on a small machine the kernel shared the CPU evenly between
// the acks and the checks' TLS handshakes, and a burst of slash commands waited for checks
// (p99 ack 146 ms with checks running, 86 ms without). Linux keeps a nice value per thread, so
// the checks' thread can yield to the web handler's without touching the rest of the process.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Nice for the checks' thread. At +10 the kernel's weights are about 1:9 against the web
 * handler's 0 when both want one core: an ack waits on a check's CPU only that much, and a
 * check still gets a core that the web handler leaves idle, which is nearly always.
 */
export const CHECK_THREAD_NICE = 10;

export interface LoweredPriority {
  /** The kernel's id of the calling thread. */
  tid: number;
  nice: number;
}

/**
 * Lowers the calling thread's (not the process's) scheduling priority. Null where threads have
 * no priority of their own to set (no /proc/thread-self: not Linux) or the kernel refuses; the
 * checks then run at the process's priority, as before.
 */
export function lowerThreadPriority(nice = CHECK_THREAD_NICE): LoweredPriority | null {
  let tid: number;
  try {
    // "<pid>/task/<tid>": the calling thread, whichever thread reads it.
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
  if (!Number.isInteger(tid) || tid <= 0) return null;
  try {
    // setpriority(PRIO_PROCESS, tid) on Linux applies to that one thread.
    setPriority(tid, nice);
  } catch {
    return null;
  }
  return { tid, nice };
}
