// Redaction of a finished log line: the value of every secret key, at any depth, becomes
// "[redacted]". Working on the JSON line pino is about to write, rather than through pino's
// `redact` paths, costs one regular-expression test per line that holds no secret: pino's wildcard
// paths (`*.token`, `*.*.token` for ten keys) ran its redactor over every top-level value of every
// line and every child binding, parsing all thirty paths each time (about 60 µs a line, 7x a plain
// one: a slash command's ack paid it three times). It also sees what paths cannot: child bindings,
// serialized errors and values deeper than two levels.

/** Keys whose values never reach the logs, wherever they are in the object logged. */
export const SECRET_KEYS = [
  'token', 'botToken', 'appToken', 'signingSecret', 'authorization', 'Authorization',
  'response_url', 'responseUrl', 'password', 'redisUrl',
] as const;

export const CENSOR = '[redacted]';

const KEYS: ReadonlySet<string> = new Set(SECRET_KEYS);
// JSON.stringify writes a key as `"key":`. Inside a string value every quote is escaped (`\"`), so
// this cannot match a key-like text within a value: a line without a match has no secret key.
const SECRET_KEY = new RegExp(`"(?:${SECRET_KEYS.join('|')})":`);
const CENSORED = JSON.stringify(CENSOR);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The line as given when it holds no secret key (the common case, and the cheap one). */
export function redactLine(line: string): string {
  return SECRET_KEY.test(line) ? redactJson(line) : line;
}

/** Every value of a secret key in a JSON text (as JSON.stringify writes it) replaced by the censor. */
export function redactJson(json: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < json.length) {
    if (json.charCodeAt(i) !== QUOTE) {
      i++;
      continue;
    }
    const end = stringEnd(json, i);
    if (json.charCodeAt(end) === COLON && KEYS.has(json.slice(i + 1, end - 1))) {
      const valueStart = end + 1;
      const next = valueEnd(json, valueStart);
      out += json.slice(copied, valueStart) + CENSORED;
      copied = next;
      i = next;
    } else {
      i = end;
    }
  }
  return copied === 0 ? json : out + json.slice(copied);
}

/** Index just past the string that opens at `start` (a quote). */
function stringEnd(s: string, start: number): number {
  for (let j = start + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return s.length;
}

/** Index just past the value that starts at `start`: a string, an object or array (nesting and strings in it followed), or a literal. */
function valueEnd(s: string, start: number): number {
  const first = s.charCodeAt(start);
  if (first === QUOTE) return stringEnd(s, start);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let j = start; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === QUOTE) j = stringEnd(s, j) - 1;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return j + 1;
    }
    return s.length;
  }
  let j = start;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === 0x0a) break;
    j++;
  }
  return j;
}
