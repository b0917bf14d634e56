import { writeFileSync } from 'node:fs';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/** dist/.gitkeep is committed so `go:embed all:dist` compiles before the first build; each
 * build empties dist (no stale assets get embedded), so it is put back. */
function keepGitkeep(): Plugin {
  return {
    name: 'keep-gitkeep',
    apply: 'build',
    closeBundle() {
      writeFileSync(new URL('./dist/.gitkeep', import.meta.url), '');
    },
  };
}

export default defineConfig({
  // Relative asset URLs: the same build is loaded by Wails and served by Go under any path prefix.
  base: './',
  plugins: [svelte(), svelteTesting(), keepGitkeep()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test/setup.ts'],
  },
});
