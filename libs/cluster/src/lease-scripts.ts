/**
 * Lua scripts on a lease key whose value names its holder: each acts only while the key still names the
 * caller (ARGV[1]), so a lease that ran out and was taken by someone else is left alone. Return 1 when they
 * acted, 0 otherwise.
 */

/** Deletes the lease. */
export const RELEASE_IF_HOLDER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Extends the lease to ARGV[2] ms. */
export const EXTEND_IF_HOLDER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
