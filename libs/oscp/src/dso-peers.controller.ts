import { Body, Controller, Get, Param, ParseUUIDPipe, Post, UseGuards, UsePipes } from '@nestjs/common';
import { AdminApiKeyGuard, createValidationPipe } from '@gridflex/common';
import { DsoPeersService } from './dso-peers.service';
import { CreateDsoPeerDto } from './dto/create-dso-peer.dto';
import type { DsoPeerDto } from './dto/dso-peer.dto';

/** Admin API: the DSOs allowed to send us OSCP messages, each with the token it authenticates with. */
@Controller('api/v1/dso-peers')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class DsoPeersController {
  constructor(private readonly peers: DsoPeersService) {}

  @Post()
  create(@Body() dto: CreateDsoPeerDto): Promise<DsoPeerDto> {
    return this.peers.create(dto);
  }

  @Get()
  list(): Promise<DsoPeerDto[]> {
    return this.peers.list();
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<DsoPeerDto> {
    return this.peers.get(id);
  }
}
