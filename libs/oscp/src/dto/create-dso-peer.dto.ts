import { IsString, Length, Matches } from 'class-validator';

export class CreateDsoPeerDto {
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  /** The token this DSO will present in `Authorization: Token <token>`; only its hash is stored. */
  @IsString()
  @Matches(/^[\x21-\x7e]{16,512}$/, {
    message: 'token must be 16 to 512 printable ASCII characters without whitespace',
  })
  token!: string;
}
