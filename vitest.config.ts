import { configDefaults, defineConfig } from 'vitest/config';

// Files that need a process of their own. evidence-openssl puts a stand-in `openssl` on PATH, and
// src/evidence/openssl.ts caches the version it reads once per process: sharing a process would
// hand one file's answer to another. hardening-hostile bounds the heap growth of a check, which
// only means something in a heap that earlier files have not grown.
const NEEDS_OWN_PROCESS = ['test/evidence-openssl.test.ts', 'test/hardening-hostile.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Four workers on two cores: the suite mostly waits (sockets, real servers, Redis locks lapsing,
    // child processes): with two workers it kept the cores ~30 % busy (quiet machine: 105.6 s of
    // wall, ~60 s of CPU); with four, 82.6 s, every test passing.
    maxWorkers: 4,
    projects: [
      {
        extends: true,
        test: {
          name: 'own-process',
          include: NEEDS_OWN_PROCESS,
        },
      },
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...NEEDS_OWN_PROCESS],
          // A fresh process per file spent most of the suite's CPU on a fork, the runner and
          // Bolt/BullMQ/the KB imported 90 times (the 61 fastest files, back to back on one
          // machine: 43 s of CPU isolated, 16 s shared). Files clean up what they start (servers,
          // Redis keys, listeners, fake timers) in their own hooks, so two long-lived workers can
          // run them one after another.
          isolate: false,
        },
      },
    ],
  },
});
