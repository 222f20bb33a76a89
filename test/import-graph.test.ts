// The module graph of src/, jobs/ and handlers/: imports run handlers → jobs → src only (ESLint's
// no-restricted-imports says so per file too) and nothing imports itself round a circle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LAYERS = ['src', 'handlers', 'jobs'] as const;
const RANK: Record<string, number> = { src: 0, jobs: 1, handlers: 2 };

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** file → files it imports (relative specifiers, statically or as types). */
function graph(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of LAYERS.flatMap(files)) {
    const text = readFileSync(join(root, file), 'utf8');
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/g)].map((m) => m[1] ?? '');
    out.set(file, specs.map((s) => relative(root, resolve(root, dirname(file), s)).replace(/\.js$/, '.ts')));
  }
  return out;
}

describe('imports', () => {
  const g = graph();

  it('run handlers → jobs → src only', () => {
    const wrong: string[] = [];
    for (const [file, deps] of g) {
      for (const dep of deps) {
        const [from, to] = [file.split('/')[0] ?? '', dep.split('/')[0] ?? ''];
        if (to in RANK && (RANK[to] ?? 0) > (RANK[from] ?? 0)) wrong.push(`${file} → ${dep}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keep the CLI free of the Slack layer, Redis and the queue', () => {
    const seen = new Set<string>();
    const walk = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const dep of g.get(file) ?? []) if (g.has(dep)) walk(dep);
    };
    walk('src/cli/main.ts');
    expect([...seen].filter((f) => /^src\/(format\/slack|limits|schedule|redis|config)/.test(f))).toEqual([]);
  });

  it('form no cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const dep of g.get(file) ?? []) if (g.has(dep)) visit(dep, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of g.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
