import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePrivateDirectory, makePrivateFile } from './private-files';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('private files', () => {
  let root: string;
  let umask: number;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'gridflex-private-'));
    umask = process.umask(0);
  });

  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  it('makes an existing tree 0700/0600, and what is created afterwards too, under umask 000', () => {
    const data = join(root, 'pglite');
    mkdirSync(join(data, 'base'), { recursive: true, mode: 0o755 });
    writeFileSync(join(data, 'base', 'table'), 'rows', { mode: 0o666 });
    makePrivateDirectory(data);
    expect([modeOf(data), modeOf(join(data, 'base')), modeOf(join(data, 'base', 'table'))]).toEqual([
      0o700, 0o700, 0o600,
    ]);
    writeFileSync(join(data, 'later'), 'written with the default mode');
    mkdirSync(join(data, 'later-dir'));
    expect([modeOf(join(data, 'later')), modeOf(join(data, 'later-dir'))]).toEqual([0o600, 0o700]);
  });

  it('creates a missing directory 0700', () => {
    const data = join(root, 'a', 'b');
    makePrivateDirectory(data);
    expect(modeOf(data)).toBe(0o700);
  });

  it('makes a file of ours readable by others 0600', () => {
    const file = join(root, 'key');
    writeFileSync(file, 'k', { mode: 0o644 });
    makePrivateFile(file);
    expect(modeOf(file)).toBe(0o600);
  });
});
