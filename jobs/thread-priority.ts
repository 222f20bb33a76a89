// `npm start` runs the checks in a process of their own beside the web handler, at a lower
// priority. A small machine's cores are shared: the kernel split the CPU evenly between the acks
// and the checks' TLS handshakes, and a burst of slash commands waited for checks (p99 ack 146 ms
// with checks running, 86 ms without). Linux keeps a nice value per thread, not per process, so
// the workers' process lowers each of its threads: its event loop, V8's compiler and garbage
// collector helpers, libuv's pool; threads started later inherit it from their starter.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Nice for the checks. At +10 the kernel's weights are about 1:9 against the web handler's 0
 * when both want one core: an ack waits on a check's CPU only that much, and a check still gets
 * a core that the web handler leaves idle, which is nearly always.
 */
export const CHECKS_NICE = 10;

export interface LoweredPriority {
  /** The threads set (kernel ids), the process's own first. */
  tids: number[];
  nice: number;
}

/**
 * Sets every thread of the calling process to `nice`. Null where threads have no priority of
 * their own to set (no /proc/self/task: not Linux) or the kernel refuses the process's own; the
 * checks then run at the priority they inherited.
 */
export function lowerProcessPriority(nice = CHECKS_NICE): LoweredPriority | null {
  let tids: number[];
  try {
    tids = readdirSync('/proc/self/task').map(Number).filter((t) => Number.isInteger(t) && t > 0);
  } catch {
    return null;
  }
  tids.sort((a, b) => (a === process.pid ? -1 : b === process.pid ? 1 : a - b));
  const lowered: number[] = [];
  for (const tid of tids) {
    try {
      // setpriority(PRIO_PROCESS, tid) on Linux applies to that one thread.
      setPriority(tid, nice);
      lowered.push(tid);
    } catch {
      // A thread that ended meanwhile keeps nothing to lower; the process's own must succeed.
      if (tid === process.pid) return null;
    }
  }
  return { tids: lowered, nice };
}
