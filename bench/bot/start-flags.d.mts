// Types of start-flags.mjs for test/slack-start.test.ts, which shares it with the bot benches.
export function startCommand(): { flags: string[]; script: string[] };
export function startNodeFlags(): string[];
export function runWithStartFlags(): boolean;
