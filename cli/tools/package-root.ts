/**
 * Where this package lives on disk, found the same way from the TypeScript sources (`shared/`) and
 * from the compiled build (`dist/shared/`): the nearest folder above this module holding the
 * package's own package.json. Files the package ships beside its code (the example workspace) are
 * found from here, never from the working directory.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'context-packs';

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (manifest.name === PACKAGE_NAME) return dir;
    } catch {
      // No (readable) package.json here: keep walking up.
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`context-packs: no package.json named ${PACKAGE_NAME} above this module; reinstall the package`);
    }
  }
}

/** The package root: the folder holding this package's package.json. */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** True when this package runs from an installed copy (inside some `node_modules`), not a checkout. */
export const INSTALLED = PACKAGE_ROOT.split(path.sep).includes('node_modules');
