// The real engine behind the Slack layer, wired in one place: entries import this, tests inject fakes.
import { runCheck } from '../src/check.js';
import { explain } from '../src/diagnose/index.js';
import { carryEvidence } from '../src/evidence/index.js';
import { createAddressedCheck, type CheckFn } from './check-runner.js';
import type { ExplainFn } from './process-job.js';

/** runCheck, with its two-step form so a host slot is the resolved address's (jobs/check-runner.ts). */
export const realCheck: CheckFn = Object.assign((input: string, opts: Parameters<CheckFn>[1]) => runCheck(input, opts), { atAddress: createAddressedCheck() });
/** With a live check, each confirmed cause keeps the OpenSSL evidence gathered during it. */
export const realExplain: ExplainFn = (text, result) => carryEvidence(explain(text, result), result);
