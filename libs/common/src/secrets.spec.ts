import { constantTimeEquals, hashPassword, hashToken, verifyPassword } from './secrets';

describe('secrets', () => {
  it('verifies a password against its salted hash and refuses another', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).not.toContain('correct horse battery');
    await expect(verifyPassword('correct horse battery', stored)).resolves.toBe(true);
    await expect(verifyPassword('wrong', stored)).resolves.toBe(false);
  });

  it('salts: the same password hashes differently twice', async () => {
    expect(await hashPassword('same')).not.toEqual(await hashPassword('same'));
  });

  it('handles binary passwords', async () => {
    const binary = Buffer.from([0, 255, 10, 13, 58]);
    await expect(verifyPassword(binary, await hashPassword(binary))).resolves.toBe(true);
  });

  it('refuses a malformed stored hash', async () => {
    await expect(verifyPassword('x', 'plain')).resolves.toBe(false);
  });

  it('hashes tokens deterministically', () => {
    expect(hashToken('abc')).toEqual(hashToken('abc'));
    expect(hashToken('abc')).not.toEqual(hashToken('abd'));
  });

  it('compares strings of different lengths without throwing', () => {
    expect(constantTimeEquals('a', 'a')).toBe(true);
    expect(constantTimeEquals('a', 'ab')).toBe(false);
  });
});
