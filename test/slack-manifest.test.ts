// The manifest's usage hint, the help text and the parsers read one sub-command table.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manifestUsageHint, SUBCOMMANDS } from '../src/command/table.js';
import { parseCommand } from '../src/command/parse.js';
import { isScheduleCommand } from '../src/schedule/command.js';
import { helpMessage } from '../src/format/slack-help.js';
import { code } from '../src/format/slack/blocks.js';
import { parseTarget } from '../src/target/index.js';
import { EXPLAIN_SHORTCUT_ID } from '../handlers/shortcuts/explain-tls-error.js';

describe('one sub-command table', () => {
  it('is the manifest usage hint', () => {
    const manifest = readFileSync(new URL('../slack-app-manifest.yml', import.meta.url), 'utf8');
    const hint = /usage_hint:\s*"([^"]*)"/.exec(manifest)?.[1];
    expect(hint).toBe(manifestUsageHint());
  });

  it('is the help text', () => {
    const help = JSON.stringify(helpMessage().blocks);
    for (const c of SUBCOMMANDS) expect(help).toContain(JSON.stringify(code(c.usage)).slice(1, -1));
  });

  it('selects the parser', () => {
    for (const c of SUBCOMMANDS) {
      for (const word of c.words) {
        const parsed = parseCommand(word === 'explain' ? `${word} handshake failure` : word, parseTarget);
        const expected = c.schedule ? 'schedule' : c.name;
        expect(parsed.kind, word).toBe(expected);
        expect(isScheduleCommand(word), word).toBe(c.schedule);
      }
    }
    expect(parseCommand('example.com', parseTarget).kind).toBe('check');
  });
});

describe('the manifest asks for what the listeners use', () => {
  const manifest = readFileSync(new URL('../slack-app-manifest.yml', import.meta.url), 'utf8');
  it('declares the message shortcut with the callback_id the listener registers', () => {
    expect(manifest).toMatch(new RegExp(`- name: Explain this TLS error\\n\\s+type: message\\n\\s+callback_id: ${EXPLAIN_SHORTCUT_ID}\\n`));
  });
  it('subscribes to app_mention and has the scopes for mentions, posting and file uploads', () => {
    expect(manifest).toMatch(/bot_events:\n(\s+- \S+\n)*\s+- app_mention\n/);
    for (const scope of ['commands', 'app_mentions:read', 'chat:write', 'files:write']) expect(manifest).toMatch(new RegExp(`\\n\\s+- ${scope}\\n`));
  });
});
