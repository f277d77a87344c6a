import { BadRequestException } from '@nestjs/common';
import { INT4_MAX, ParseIntInRangePipe } from './int-ranges';

describe(ParseIntInRangePipe.name, () => {
  const pipe = new ParseIntInRangePipe(0, INT4_MAX);
  const metadata = { type: 'param', data: 'connectorId' } as const;

  it.each([
    ['0', 0],
    ['1', 1],
    ['2147483647', INT4_MAX],
  ])('parses %s', (value, expected) => {
    expect(pipe.transform(value, metadata)).toBe(expected);
  });

  it.each(['2147483648', '99999999999', '-1', '1.5', '1e3', 'one', '', '9'.repeat(400)])(
    'refuses %s with a 400 naming the parameter and its range',
    (value) => {
      expect(() => pipe.transform(value, metadata)).toThrow(
        new BadRequestException('connectorId must be an integer from 0 to 2147483647'),
      );
    },
  );
});
