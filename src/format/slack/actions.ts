// Every button tlscheck puts in Slack: its action_id (what the listeners in handlers/actions/
// register) and what its value carries. A new button is a line here, a view that shows it and a
// listener that handles it.

export const ACTION_IDS = {
  /** Under a result and on an undelivered one: check the same target again. Value: a ResultRef. */
  rerun: 'tlscheck_rerun',
  /** Under a result: `/tlscheck schedule <target> daily` in that channel. Value: a ResultRef. */
  schedule: 'tlscheck_schedule',
  /** Under a result: the stored result as JSON in the thread. Value: a ResultRef. */
  raw: 'tlscheck_raw',
  /** On a schedule's card, its alerts and the Home tab. Value: the schedule id. */
  scheduleRun: 'sched_run',
  schedulePause: 'sched_pause',
  scheduleResume: 'sched_resume',
  scheduleRemove: 'sched_remove',
  /** Previous / Next under `/tlscheck list`. Value: the page number (from 1). */
  listPage: 'tlscheck_list_page',
  /** Previous / Next on the Home tab. Value: the page number (from 1). */
  homePage: 'tlscheck_home_page',
  /** On the Home tab: opens the "Add schedule" modal (src/format/slack-schedule-modal.ts). Value: unused. */
  scheduleAdd: 'tlscheck_schedule_add',
} as const;

export type ActionId = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];

/** The result buttons, whose value is a ResultRef. */
export const RESULT_ACTIONS = [ACTION_IDS.rerun, ACTION_IDS.schedule, ACTION_IDS.raw] as const;
export type ResultActionId = (typeof RESULT_ACTIONS)[number];

/** The schedule buttons, whose value is a schedule id. */
export const SCHEDULE_ACTIONS = [ACTION_IDS.scheduleRun, ACTION_IDS.schedulePause, ACTION_IDS.scheduleResume, ACTION_IDS.scheduleRemove] as const;
export type ScheduleActionId = (typeof SCHEDULE_ACTIONS)[number];

/** The page buttons, whose value is a page number. */
export const PAGE_ACTIONS = [ACTION_IDS.listPage, ACTION_IDS.homePage] as const;

/** A page button's value: a page number from 1, or null when it is not one. */
export function decodePage(value: string | undefined): number | null {
  if (!value || !/^\d{1,4}$/.test(value)) return null;
  const page = Number(value);
  return page >= 1 ? page : null;
}

/** The Home tab's callback id. */
export const HOME_CALLBACK_ID = 'tlscheck_home';

/** What a result button needs to act: the job (for its stored result and data) and the target. */
export interface ResultRef {
  jobId: string;
  input: string;
  sni: string | null;
}

export function encodeRef(ref: ResultRef): string {
  return JSON.stringify({ j: ref.jobId, t: ref.input, s: ref.sni });
}

/** null for a value this version cannot read (a button from an older release, or a forged one). */
export function decodeRef(value: string | undefined): ResultRef | null {
  if (!value) return null;
  try {
    const v = JSON.parse(value) as { j?: unknown; t?: unknown; s?: unknown };
    if (typeof v.j !== 'string' || typeof v.t !== 'string') return null;
    return { jobId: v.j, input: v.t, sni: typeof v.s === 'string' ? v.s : null };
  } catch {
    return null;
  }
}
