import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard, ApiErrors, createValidationPipe } from '@gridflex/common';
import { CreateIdTokenDto, UpdateIdTokenDto } from './dto/id-token.dto';
import { IdTokenViewDto } from './dto/views.dto';
import { IdTokensService } from './id-tokens.service';
import { IdTokenView } from './views';

/** The id tokens chargers' Authorize, transactions and local auth lists are judged by. */
@ApiTags('authorization')
@ApiErrors(400, 401)
@Controller('api/v1/id-tokens')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class IdTokensController {
  constructor(private readonly service: IdTokensService) {}

  @Post()
  @ApiCreatedResponse({ type: IdTokenViewDto })
  @ApiErrors(409)
  create(@Body() dto: CreateIdTokenDto): Promise<IdTokenView> {
    return this.service.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: [IdTokenViewDto] })
  list(): Promise<IdTokenView[]> {
    return this.service.list();
  }

  @Get(':id')
  @ApiOkResponse({ type: IdTokenViewDto })
  @ApiErrors(404)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<IdTokenView> {
    return this.service.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: IdTokenViewDto })
  @ApiErrors(404)
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateIdTokenDto): Promise<IdTokenView> {
    return this.service.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed; under a list policy it no longer authorizes' })
  @ApiErrors(404)
  remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.service.remove(id);
  }
}
