// Builds the package twice from the same sources: ES modules into <out>/esm and CommonJS into <out>/cjs.
// Usage: node libs/optimizer/scripts/build.mjs [outDir]   (outDir defaults to libs/optimizer/dist)
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(packageDir, 'dist'));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function compile(flavour) {
  const project = join(packageDir, `tsconfig.${flavour}.json`);
  execFileSync(process.execPath, [tsc, '-p', project, '--outDir', join(outDir, flavour)], {
    stdio: 'inherit',
  });
}

rmSync(outDir, { recursive: true, force: true });
compile('esm');
compile('cjs');
// The package is "type": "module"; without this marker Node would load the CommonJS half as ES modules.
mkdirSync(join(outDir, 'cjs'), { recursive: true });
writeFileSync(join(outDir, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
