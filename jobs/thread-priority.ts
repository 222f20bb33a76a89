// `npm start` runs the checks on a worker thread beside the web handler. A thread has its own
// event loop, but not its own core: on a small machine the kernel shared the CPU evenly between
// the acks and the checks' TLS handshakes, and a burst of slash commands waited for checks
// (p99 ack 146 ms with checks running, 86 ms without). Linux keeps a nice value per thread, so
// the checks' thread, and node's helper threads that work for it, can yield to the web handler's.
import { readdirSync, readlinkSync } from 'node:fs';
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
  const tid = callingThread();
  if (tid === null) return null;
  try {
    // setpriority(PRIO_PROCESS, tid) on Linux applies to that one thread.
    setPriority(tid, nice);
  } catch {
    return null;
  }
  return { tid, nice };
}

/** The kernel's id of the calling thread; null where /proc/thread-self is missing (not Linux). */
function callingThread(): number | null {
  try {
    // "<pid>/task/<tid>": the calling thread, whichever thread reads it.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/**
 * Sets every other thread of the process that exists now to `nice`: called by the web handler's
 * thread at start, before it starts the checks' thread, that is node's own helper threads, chiefly
 * V8's (its optimizing compiler; its garbage collector's helpers unless --single-threaded-gc).
 * V8 shares them between the web handler and the checks, so the checks' work on them escaped the
 * checks' thread's priority: in the bot bench they ran 25-100 ms per burst of acks at nice 0 (a
 * warm worker still compiles ~6 ms per check for its first few hundred checks). The web handler
 * loses little: its own code is compiled once, early, and with --single-threaded-gc its garbage
 * collection runs on its own thread. Threads started later inherit their starter's nice (libuv's
 * pool, if the web handler starts it, stays at 0). Returns the threads set; null where threads
 * have no priority of their own (not Linux).
 */
export function lowerHelperThreads(nice = CHECK_THREAD_NICE): number[] | null {
  const self = callingThread();
  if (self === null) return null;
  let tids: number[];
  try {
    tids = readdirSync('/proc/self/task').map(Number).filter((t) => Number.isInteger(t) && t !== self);
  } catch {
    return null;
  }
  const lowered: number[] = [];
  for (const tid of tids) {
    try {
      setPriority(tid, nice);
      lowered.push(tid);
    } catch {
      // A thread that ended meanwhile, or a kernel that refuses: it keeps its priority.
    }
  }
  return lowered;
}
