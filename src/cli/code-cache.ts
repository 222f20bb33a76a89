// The CLI bundle as V8 compiles it when start.ts runs it, and the code cache the build writes for
// it: pure functions shared by the build (src/cli/build.mjs) and the start (start.ts), so both
// compile the very same text.
import { createHash } from 'node:crypto';

/**
 * The CommonJS bundle as one function of CommonJS's five parameters. A leading shebang becomes a
 * comment of the same length, and the bundle starts on the wrapper's first line: stack traces keep
 * the bundle's own lines and columns.
 */
export function wrapCommonJs(source: string): string {
  const body = source.startsWith('#!') ? `//${source.slice(2)}` : source;
  return `(function (exports, require, module, __filename, __dirname) {${body}\n})`;
}

const KEY_BYTES = 32;

/**
 * V8 trusts a code cache blindly: it takes one made for any source of the same length, and runs
 * that source's functions; a damaged one can end the process in a fatal error. The cache file
 * therefore starts with the digest of the bundle it was made for and of V8's data.
 */
function keyOf(bundle: Buffer, data: Buffer): Buffer {
  return createHash('sha256').update(bundle).update(data).digest();
}

/** The cache file: the key, then V8's data for wrapCommonJs(bundle). */
export function packCache(bundle: Buffer, data: Buffer): Buffer {
  return Buffer.concat([keyOf(bundle, data), data]);
}

/** V8's data from a cache file, or undefined when there is none, it was made for another bundle or it is damaged. */
export function unpackCache(file: Buffer | undefined, bundle: Buffer): Buffer | undefined {
  if (!file || file.length <= KEY_BYTES) return undefined;
  const data = file.subarray(KEY_BYTES);
  return file.subarray(0, KEY_BYTES).equals(keyOf(bundle, data)) ? data : undefined;
}
