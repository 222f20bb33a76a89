// Types of worker-proc.mjs for the TypeScript fault tests that share it with the soak.
export interface WorkerEvent {
  pid: number;
  at: number;
  event: 'ready' | 'check-start' | 'check-end' | 'completed' | 'closing' | 'closed';
  input?: string;
  jobId?: string;
  error?: string | null;
}

export interface WorkerProc {
  pid: number | undefined;
  events: WorkerEvent[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  ready(): Promise<WorkerEvent>;
  waitFor(pred: (e: WorkerEvent) => boolean, what: string, timeoutMs?: number): Promise<WorkerEvent>;
  kill(signal?: NodeJS.Signals): boolean;
  /** The whole of stderr (pino's lines), when spawned with keepLog. */
  log(): string;
  stderrTail(): string;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnWorker(env: Record<string, string>, opts?: { keepLog?: boolean }): WorkerProc;
