// The s_client invocation for one recipe against the checked address, and the same invocation as
// a command a user can paste. Pure: both come from one argument list, so they cannot drift.
import type { TargetInfo } from '../types.js';
import { argvOf, type OpensslArgs } from './openssl.js';
import type { Recipe } from './recipes.js';
import type { CheckResult } from '../types.js';

export interface Invocation {
  action: 's_client';
  args: OpensslArgs;
  stdin?: string;
  command: string;
}

export interface CommandOptions {
  /** --ca FILE of the CLI: the same extra trust anchors the check used. */
  caFile?: string;
}

/** Safe without quotes in a POSIX shell; everything else is single-quoted. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9._:/@=[\]+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function connectTo(t: Pick<TargetInfo, 'ip' | 'port'>): string {
  return t.ip.includes(':') ? `[${t.ip}]:${t.port}` : `${t.ip}:${t.port}`;
}

/** printf's format string: only the recipe's own text, so only backslash-n needs spelling out. */
function printfArg(stdin: string): string {
  return shellWord(stdin.replace(/\\/g, '\\\\').replace(/\n/g, '\\n'));
}

export function invocation(recipe: Recipe, target: TargetInfo, result: CheckResult, opts: CommandOptions = {}): Invocation {
  const args: Array<readonly [string, string?]> = [['connect', connectTo(target)]];
  // The name the check sent; a recipe about SNI itself sends none, as its reproduce command does.
  if (recipe.sni === false) args.push(['noservername']);
  else if (target.sni) args.push(['servername', target.sni]);
  if (recipe.verifyName) {
    if (target.sni) args.push(['verify_hostname', target.sni]);
    else args.push(['verify_ip', target.ip]);
  }
  args.push(...(typeof recipe.args === 'function' ? recipe.args(result) : recipe.args));
  if (opts.caFile) args.push(['CAfile', opts.caFile]);
  const argv = argvOf('s_client', args).map(shellWord).join(' ');
  const command = recipe.stdin === undefined ? `openssl ${argv} </dev/null` : `printf ${printfArg(recipe.stdin)} | openssl ${argv}`;
  return { action: 's_client', args, stdin: recipe.stdin, command };
}
