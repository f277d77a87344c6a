import { redactQueryString } from './log-redaction';

describe(redactQueryString.name, () => {
  it('keeps a URL without a query string as it is', () => {
    expect(redactQueryString('/api/v1/sites/7')).toBe('/api/v1/sites/7');
  });

  it('drops the whole query string, names included', () => {
    expect(redactQueryString('/api/v1/sites?x-api-key=0123456789abcdef&limit=5')).toBe(
      '/api/v1/sites?[redacted]',
    );
    expect(redactQueryString('/api/v1/sites?0123456789abcdef')).toBe('/api/v1/sites?[redacted]');
    expect(redactQueryString('/dashboard#token=abc')).toBe('/dashboard');
  });
});
