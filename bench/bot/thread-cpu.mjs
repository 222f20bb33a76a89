// Which threads of the machine ran, and how long each waited for a core, over a window (Linux
// /proc/<pid>/task/<tid>/schedstat: nanoseconds on a core and runnable but waiting). For
// BOT_BENCH_VERBOSE=1: a burst's acks are CPU-bound, so what else ran during them (the checks'
// thread, V8's helper threads, Redis, the sender, kernel workers) explains a slow burst. Reading
// every thread takes ~8 ms of the bench process's CPU (140 threads), so only verbose runs do it,
// and their "CPU time per slash command" row counts two readings per burst. Null off Linux.
import { readdirSync, readFileSync } from 'node:fs';

const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/**
 * The fields of a /proc/<pid>[/task/<tid>]/stat after the command name, which may hold spaces and
 * parentheses (so split after its last ')'): [0] is the state, [11] utime, [16] nice. Null if gone.
 */
export function statFields(path) {
  const stat = read(path);
  return stat === null ? null : stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Every thread's [ran ns, waited ns], keyed "pid/tid process:thread nice N"; null where /proc has no schedstat. */
export function threadTimes() {
  let pids;
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const times = new Map();
  for (const pid of pids) {
    let tids;
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    const comm = read(`/proc/${pid}/comm`)?.trim() ?? '?';
    for (const tid of tids) {
      const stat = read(`/proc/${pid}/task/${tid}/schedstat`);
      if (!stat) continue;
      const [ran, waited] = stat.split(' ').map(Number);
      const name = read(`/proc/${pid}/task/${tid}/comm`)?.trim() ?? '?';
      // The nice value tells node's processes apart (they are all "node"): the workers' runs at +10.
      const nice = statFields(`/proc/${pid}/task/${tid}/stat`)?.[16] ?? '?';
      times.set(`${pid}/${tid} ${comm}:${name} nice ${nice}`, [ran, waited]);
    }
  }
  return times.size ? times : null;
}

/** The `top` threads that ran longest between two readings, one line each, after a total. */
export function busiestThreads(before, after, top = 10) {
  if (!before || !after) return 'thread times: n/a (no /proc schedstat)';
  const rows = [];
  for (const [key, [ran, waited]] of after) {
    const [ran0, waited0] = before.get(key) ?? [0, 0];
    const r = (ran - ran0) / 1e6;
    const w = (waited - waited0) / 1e6;
    if (r >= 0.5 || w >= 0.5) rows.push({ key, r, w });
  }
  rows.sort((a, b) => b.r - a.r);
  const total = rows.reduce((s, x) => s + x.r, 0);
  return [`all threads ran ${total.toFixed(1)} ms; busiest (ran / waited for a core):`, ...rows.slice(0, top).map((x) => `  ${x.r.toFixed(1).padStart(6)} / ${x.w.toFixed(1).padStart(6)} ms  ${x.key}`)].join('\n');
}
