import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { hasDotSegment, IsFreeOfPathTraversal, isHttpBaseUrl, isRelativeUrlPath } from './url-paths';

class Announced {
  @IsFreeOfPathTraversal() base_url!: string;
}

const announces = (base_url: string) => validateSync(plainToInstance(Announced, { base_url })).length === 0;

describe('URL paths', () => {
  it.each(['handshake_ack', 'v2/heartbeat', 'a.b/c~d-e', '...'])('accepts the relative path %s', (path) => {
    expect(isRelativeUrlPath(path)).toBe(true);
  });

  it.each([
    '../../admin',
    'v2/../admin',
    './x',
    '/absolute',
    'trailing/',
    'a//b',
    'http://evil.example/x',
    '//evil.example/x',
    'a?b=1',
    'line\nbreak',
    '%2e%2e/admin',
    '',
  ])('refuses the relative path %j', (path) => {
    expect(isRelativeUrlPath(path)).toBe(false);
  });

  it.each(['http://dso.example', 'https://dso.example:8443/oscp/cp/2.0', 'http://127.0.0.1:9000/a.b'])(
    'accepts the base URL %s',
    (url) => {
      expect(isHttpBaseUrl(url)).toBe(true);
    },
  );

  it.each([
    'ftp://dso.example',
    'http://dso.example/',
    'http://dso.example/oscp/../admin',
    'http://dso.example/%2E%2E/admin',
    'http://user:pw@dso.example',
    'http://dso.example/x?token=1',
    'http://dso.example/x#f',
    'http://dso.example/a\u0001b',
    'http://dso.example/a b',
    '/oscp/cp/2.0',
  ])('refuses the base URL %j', (url) => {
    expect(isHttpBaseUrl(url)).toBe(false);
  });

  it('sees dot segments raw and percent-encoded', () => {
    expect(hasDotSegment('/a/%2E/b')).toBe(true);
    expect(hasDotSegment('/a/..b/c')).toBe(false);
  });

  it('takes a URL or a bare path a peer announces unless it climbs or holds control characters', () => {
    expect(announces('https://dso.example/oscp/cp/2.0')).toBe(true);
    expect(announces('/oscp/cp/2.0')).toBe(true);
    expect(announces('/oscp/cp/2.0?x=..')).toBe(true);
    expect(announces('https://dso.example/oscp/../admin')).toBe(false);
    expect(announces('/oscp/%2E%2E/admin')).toBe(false);
    expect(announces('/oscp/cp\r\nX-Injected: 1')).toBe(false);
  });
});
