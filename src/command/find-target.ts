// The server an error message names, if any: for the "Explain this TLS error" message shortcut,
// which gets a whole pasted message rather than `explain <error> --target <host>`. Pure. Error
// texts are full of dotted words that are not servers (ssl.c:1006, openssl.cnf,
// javax.net.ssl.SSLHandshakeException), so only clear spellings count, most explicit first: a URL
// or Slack link, then host:port, then a lower-case dotted name that is not a file name.
import type { ParseTargetFn } from '../target/check-target.js';

/** File extensions that turn up in error texts and paths ("openssl.cnf", "server.pem"). */
const FILE_EXTENSIONS = new Set([
  'c', 'h', 'cc', 'cpp', 'go', 'rs', 'js', 'mjs', 'ts', 'py', 'rb', 'java', 'class', 'jar', 'kt', 'cs', 'php', 'pl', 'sh',
  'so', 'dll', 'exe', 'lib', 'cnf', 'conf', 'cfg', 'ini', 'pem', 'crt', 'cer', 'der', 'key', 'csr', 'p12', 'pfx', 'jks',
  'log', 'txt', 'json', 'xml', 'yml', 'yaml', 'toml', 'html', 'htm', 'md', 'pid', 'sock', 'tmp', 'bak', 'gz', 'zip',
]);

const URL_RE = /^<?(https?):\/\/([^/\s|>?#]+)/i;
const HOST_PORT_RE = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}$/i;
const DOTTED_NAME_RE = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.([a-z]{2,63})$/;
const IPV4_RE = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** Words of the text without the quotes, brackets and punctuation around them. */
function words(text: string): string[] {
  return text
    .split(/\s+/)
    // "[2001:db8::1]:443" keeps its brackets; "(example.com)" and "'example.com'," lose theirs.
    .map((w) => (/^\[[0-9a-f:.]+\](:\d{1,5})?/i.test(w) ? w.replace(/[)"'`},;.!?]+$/, '') : w.replace(/^[("'`[{]+/, '').replace(/[)"'`\]},;.!?]+$/, '')))
    .filter((w) => w !== '');
}

/** The first server the text names, as a target the parser accepts, or null. */
export function findTargetInText(text: string, parse: ParseTargetFn): string | null {
  const all = words(text);
  const accept = (candidate: string): string | null => (parse(candidate, {}).ok ? candidate : null);
  for (const w of all) {
    const url = URL_RE.exec(w);
    if (url?.[2]) {
      // https://host:8443/path → host:8443; http:// names the server too, on 443 unless a port is given.
      const hit = accept(url[2]);
      if (hit) return hit;
    }
  }
  for (const w of all) {
    if (!HOST_PORT_RE.test(w)) continue;
    const host = w.slice(0, w.lastIndexOf(':'));
    // "ssl.c:1006", "handshake.go:42": a source line, not a server.
    const ext = /\.([a-z0-9]+)$/i.exec(host)?.[1]?.toLowerCase();
    if (ext && FILE_EXTENSIONS.has(ext)) continue;
    if (!host.includes('.') && !host.startsWith('[') && host !== 'localhost') continue;
    const hit = accept(w);
    if (hit) return hit;
  }
  for (const w of all) {
    const tld = DOTTED_NAME_RE.exec(w)?.[1];
    if (tld && !FILE_EXTENSIONS.has(tld)) {
      const hit = accept(w);
      if (hit) return hit;
    }
    if (IPV4_RE.test(w)) {
      const hit = accept(w);
      if (hit) return hit;
    }
  }
  return null;
}
