import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEnvironment } from '@gridflex/config';
import { OscpTokenCipher } from './token-cipher';

const KEY = 'k'.repeat(32);
const cipherWith = (env: Record<string, unknown>) => new OscpTokenCipher(validateEnvironment(env));

describe(OscpTokenCipher.name, () => {
  it('opens what it sealed, and never seals the same token to the same text twice', () => {
    const cipher = cipherWith({ OSCP_TOKEN_ENCRYPTION_KEY: KEY });
    const first = cipher.seal('dso-token-abc');
    const second = cipher.seal('dso-token-abc');
    expect(first).not.toContain('dso-token-abc');
    expect(first).not.toBe(second);
    expect(cipher.open(first)).toBe('dso-token-abc');
    expect(cipher.open(second)).toBe('dso-token-abc');
  });

  it('refuses to open with another key or tampered text', () => {
    const sealed = cipherWith({ OSCP_TOKEN_ENCRYPTION_KEY: KEY }).seal('dso-token-abc');
    expect(() => cipherWith({ OSCP_TOKEN_ENCRYPTION_KEY: 'x'.repeat(32) }).open(sealed)).toThrow();
    const [format, iv, tag, data] = sealed.split('.');
    // One bit of the ciphertext flipped (editing base64 text may change only padding bits, i.e. nothing).
    const bytes = Buffer.from(data, 'base64url');
    bytes[0] ^= 1;
    const tampered = [format, iv, tag, bytes.toString('base64url')].join('.');
    expect(() => cipherWith({ OSCP_TOKEN_ENCRYPTION_KEY: KEY }).open(tampered)).toThrow();
    expect(() => cipherWith({ OSCP_TOKEN_ENCRYPTION_KEY: KEY }).open('plain')).toThrow('Not a sealed');
  });

  it('without a configured key, generates one into a private file on first use and keeps it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'oscp-key-')), 'key');
    const sealed = cipherWith({ OSCP_TOKEN_KEY_FILE: file }).seal('dso-token-abc');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    expect(cipherWith({ OSCP_TOKEN_KEY_FILE: file }).open(sealed)).toBe('dso-token-abc');
  });
});
