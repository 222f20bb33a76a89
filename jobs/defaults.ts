// The real engine behind the Slack layer, wired in one place: entries import this, tests inject fakes.
import { runCheck } from '../src/check.js';
import { explain } from '../src/diagnose/index.js';
import type { CheckFn, ExplainFn } from './process-job.js';

export const realCheck: CheckFn = runCheck;
export const realExplain: ExplainFn = explain;
