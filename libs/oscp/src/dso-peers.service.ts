import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { hashToken } from '@gridflex/common';
import { DsoPeer, DsoPeersRepository, DuplicateDsoPeerError } from './dso-peers.repository';
import type { CreateDsoPeerDto } from './dto/create-dso-peer.dto';
import type { DsoPeerDto } from './dto/dso-peer.dto';

@Injectable()
export class DsoPeersService {
  private readonly logger = new Logger(DsoPeersService.name);

  constructor(private readonly peers: DsoPeersRepository) {}

  async create({ name, token }: CreateDsoPeerDto): Promise<DsoPeerDto> {
    try {
      const peer = await this.peers.create({ name, tokenHash: hashToken(token) });
      this.logger.log(`Created DSO peer ${JSON.stringify(peer.name)} (${peer.id})`);
      return toDsoPeerDto(peer);
    } catch (error) {
      if (error instanceof DuplicateDsoPeerError)
        throw new ConflictException({ message: conflictMessage(error, name) });
      throw error;
    }
  }

  async list(): Promise<DsoPeerDto[]> {
    return (await this.peers.list()).map(toDsoPeerDto);
  }

  async get(id: string): Promise<DsoPeerDto> {
    const peer = await this.peers.findById(id);
    if (!peer) throw new NotFoundException({ message: `No DSO peer with id ${id}` });
    return toDsoPeerDto(peer);
  }
}

function conflictMessage(error: DuplicateDsoPeerError, name: string): string {
  return error.field === 'name'
    ? `A DSO peer named ${JSON.stringify(name)} already exists`
    : 'This token is already held by another DSO peer: give each peer a token of its own';
}

function toDsoPeerDto(peer: DsoPeer): DsoPeerDto {
  return { id: peer.id, name: peer.name, createdAt: peer.createdAt.toISOString() };
}
