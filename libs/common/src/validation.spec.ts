import { BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsString } from 'class-validator';
import { createValidationPipe, ValidateNestedObjects } from './validation';

class ItemDto {
  @IsString()
  name!: string;
}

class ListDto {
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNestedObjects()
  @Type(() => ItemDto)
  items!: ItemDto[];
}

const pipe = createValidationPipe({ forbidUnknown: true });

function validate(body: unknown): Promise<unknown> {
  return pipe.transform(body, { type: 'body', metatype: ListDto });
}

async function refusal(body: unknown): Promise<string> {
  const error = await validate(body).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BadRequestException);
  return ((error as BadRequestException).getResponse() as { message: string }).message;
}

describe('ValidateNestedObjects', () => {
  it('accepts an array of valid objects', async () => {
    await expect(validate({ items: [{ name: 'a' }, { name: 'b' }] })).resolves.toEqual({
      items: [{ name: 'a' }, { name: 'b' }],
    });
  });

  it.each([[[[]]], [[[{ name: 'a' }]]], [[5]], [[null]], [['a']]])(
    'refuses elements that are not objects: %j',
    async (items) => {
      expect(await refusal({ items })).toContain('items: each of items must be an object');
    },
  );

  it('still checks the fields of each object', async () => {
    expect(await refusal({ items: [{ name: 'a' }, { name: 5 }] })).toBe(
      'items[1].name: name must be a string',
    );
  });
});
