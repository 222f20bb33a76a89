// The Slack side of the evidence: the worker asks for it only when configured, the diagnosis
// message carries OpenSSL's key line, and explain keeps it for the confirmed cause.
import { createCheckRunner, type CheckFn } from '../jobs/check-runner.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckOptions } from '../src/check.js';
import type { CheckResult, Evidence } from '../src/types.js';
import { createLogger } from '../src/log.js';
import { processJob, type JobContext, type JobHandle } from '../jobs/process-job.js';
import { realExplain } from '../jobs/defaults.js';
import { createSlackOut, createWebClient } from '../jobs/slack-out.js';
import { startSlackStandin, type SlackStandin } from './helpers/slack-standin.js';
import { baseResult, fakeExplanation } from './helpers/slack-fixtures.js';

let slack: SlackStandin;
const logger = createLogger('silent');
beforeAll(async () => {
  slack = await startSlackStandin();
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => slack.reset());

const EVIDENCE: Evidence = {
  command: 'openssl s_client -connect 93.184.216.34:443 -servername example.com -tls1_2 </dev/null', exitCode: 1,
  excerpt: 'error:0A000152:SSL routines:final_renegotiate:unsafe legacy renegotiation disabled\nNew, (NONE), Cipher is (NONE)',
  keyLine: 'error:0A000152:SSL routines:final_renegotiate:unsafe legacy renegotiation disabled',
  confirms: true, note: null, openssl: 'OpenSSL 3.0.19', durationMs: 40,
};

function withEvidence(): CheckResult {
  const r = baseResult();
  const [top, ...rest] = r.diagnoses ?? [];
  if (!top) throw new Error('fixture has no diagnosis');
  return { ...r, diagnoses: [{ ...top, evidence: EVIDENCE }, ...rest] };
}

function context(check: CheckFn, evidence: boolean | undefined): JobContext {
  const config = { slack: { botToken: 'xoxb-test-token', signingSecret: undefined, appToken: undefined, apiUrl: slack.apiUrl } };
  return {
    runner: createCheckRunner({ check, allowCidrs: [] }), explain: () => fakeExplanation(true), out: createSlackOut(createWebClient(config, logger), slack.apiUrl),
    logger, progressIntervalMs: 1_000, evidence,
  };
}

function job(): JobHandle {
  return {
    id: 'evid1',
    data: { kind: 'check', input: 'example.com:443', sni: null, symptom: null, channel: 'C0EVID', user: 'U0ALICE', responseUrl: slack.responseUrl('e1') },
    isLastAttempt: false,
    async save() {},
  };
}

describe('OpenSSL evidence in the Slack bot', () => {
  it('asks the check for evidence when configured, and shows the key line in the diagnosis message', async () => {
    let seen: CheckOptions | undefined;
    await processJob(job(), context(async (_i: string, opts: CheckOptions) => {
      seen = opts;
      return withEvidence();
    }, true));
    expect(seen?.evidence).toEqual({});
    const thread = slack.callsOf('chat.postMessage').slice(1).map((c) => JSON.stringify(c.args.blocks)).join('');
    expect(thread).toContain('OpenSSL 3.0.19 says: `error:0A000152:SSL routines:final_renegotiate:unsafe legacy renegotiation disabled` (exit 1)');
  });

  it('TLSCHECK_EVIDENCE=off (or a bare context): no evidence asked for', async () => {
    const seen: Array<CheckOptions['evidence']> = [];
    const check = async (_i: string, opts: CheckOptions) => {
      seen.push(opts.evidence);
      return baseResult();
    };
    await processJob(job(), context(check, false));
    await processJob({ ...job(), id: 'evid2' }, context(check, undefined));
    expect(seen).toEqual([undefined, undefined]);
  });

  it('explain keeps the evidence of the confirmed cause', () => {
    const base = baseResult();
    const result: CheckResult = {
      ...base,
      renegotiation: { ...base.renegotiation, secure: false },
      diagnoses: [{ id: 'renegotiation-insecure', severity: 'error', title: 't', why: 'w', fixes: {}, reproduce: 'r', references: [], evidence: EVIDENCE }],
    };
    const view = realExplain('error:0A000152:SSL routines:final_renegotiate:unsafe legacy renegotiation disabled', result);
    expect(view.candidates.find((c) => c.id === 'renegotiation-insecure')?.verdict).toBe('confirmed');
    expect(view.diagnoses.find((x) => x.id === 'renegotiation-insecure')?.evidence).toEqual(EVIDENCE);
  });
});
