import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The package as an outside Node user gets it: packed by `npm pack`, installed from that tarball into a
 * scratch project of its own, and loaded by plain `node` — no tsx, no loader, no tsconfig paths — both
 * with `import` and with `require`.
 */
const PACKAGE_DIR = __dirname;
const EXAMPLES = ['allocate.mjs', 'allocate.cjs'];

/** Per connector, per block: the two quarter-hours of examples/allocate.{mjs,cjs}. */
const EXPECTED_ALLOCATIONS = [
  // Weighted 3:1 on the site's 40 A, then on the grid connection's 16 A.
  { connectorId: 'a', limitsA: [30, 12] },
  { connectorId: 'b', limitsA: [10, 4] },
];

let project: string;

/**
 * `npm pack` of the package (its `prepack` builds dist/), then `npm install` of that tarball into the scratch
 * project, exactly as an outside user would install a released tarball.
 */
function installPackedTarball(): void {
  const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', project], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
    stdio: 'pipe',
  });
  const [{ filename }] = JSON.parse(packed) as { filename: string }[];
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(project, filename)], {
    cwd: project,
    stdio: 'pipe',
  });
}

/** Plain node in the outside project; Jest's own NODE_OPTIONS are not passed on. */
function runNode(args: string[]): string {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  try {
    return execFileSync(process.execPath, args, { cwd: project, env, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    // tsc reports on stdout, node on stderr: show both, not just "Command failed".
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    throw new Error(`node ${args.join(' ')} failed:\n${stdout}${stderr}`);
  }
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'gridflex-optimizer-'));
  installPackedTarball();
  for (const example of EXAMPLES) {
    copyFileSync(join(PACKAGE_DIR, 'examples', example), join(project, example));
  }
}, 180_000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('the @gridflex/optimizer package', () => {
  it('resolves import to the ES module build and require to the CommonJS build', () => {
    const imported = runNode([
      '--input-type=module',
      '-e',
      "console.log(import.meta.resolve('@gridflex/optimizer'))",
    ]);
    const required = runNode(['-e', "console.log(require.resolve('@gridflex/optimizer'))"]);
    expect(imported.trim()).toMatch(/\/node_modules\/@gridflex\/optimizer\/dist\/esm\/index\.js$/);
    expect(required.trim()).toMatch(/\/node_modules\/@gridflex\/optimizer\/dist\/cjs\/index\.js$/);
  });

  it.each(EXAMPLES)('allocates a tiny capacity tree in %s', (example) => {
    expect(JSON.parse(runNode([example]))).toEqual(EXPECTED_ALLOCATIONS);
  });

  it('is an ES module under import and a CommonJS module under require', () => {
    const esm = runNode([
      '--input-type=module',
      '-e',
      "import * as m from '@gridflex/optimizer'; console.log(typeof m.default, typeof m.optimizeHorizon)",
    ]);
    const cjs = runNode([
      '-e',
      "const m = require('@gridflex/optimizer'); console.log(m.__esModule, typeof m.allocate)",
    ]);
    expect(esm.trim()).toBe('undefined function');
    expect(cjs.trim()).toBe('true function');
  });

  it('types an ES module and a CommonJS TypeScript user, each from its own build', () => {
    const user = [
      "import { allocate, type AllocationInput } from '@gridflex/optimizer';",
      'const input: AllocationInput = { blocks: [], nodes: [], connectors: [] };',
      'export const limits: number[][] = allocate(input).allocations.map((a) => a.limitsA);',
      '// @ts-expect-error: an input without connectors is refused',
      'allocate({ blocks: [], nodes: [] });',
    ].join('\n');
    writeFileSync(join(project, 'user.mts'), user);
    writeFileSync(join(project, 'user.cts'), user);
    const compilerOptions = {
      module: 'nodenext',
      target: 'es2022',
      lib: ['es2023'],
      types: [],
      strict: true,
    };
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { ...compilerOptions, noEmit: true },
        files: ['user.mts', 'user.cts'],
      }),
    );
    const files = runNode([require.resolve('typescript/bin/tsc'), '-p', project, '--listFiles']);
    expect(files).toContain('node_modules/@gridflex/optimizer/dist/esm/index.d.ts');
    expect(files).toContain('node_modules/@gridflex/optimizer/dist/cjs/index.d.ts');
  });
});
