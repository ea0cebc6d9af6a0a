/** Finds the shared corpus relative to the repository (../shared/corpus or <repo>/shared/corpus), never by machine path. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function locateSisimaiCorpus(): string | null {
  for (const base of [join(repoRoot, '..', 'shared', 'corpus'), join(repoRoot, 'shared', 'corpus'), join(repoRoot, '..', '..', 'shared', 'corpus')]) {
    const dir = join(base, 'sisimai');
    if (existsSync(join(dir, 'expected.json'))) return dir;
  }
  return null;
}
