import { BadRequestException, HttpException, HttpStatus, PayloadTooLargeException } from '@nestjs/common';
import type { AppConfig } from '@gridflex/config';
import { parseRfc3339DateTime } from './rfc3339';
import type { ForecastedBlock } from './oscp.types';

/** What one forecast message may hold, so that the work it causes stays bounded (issue 14). */
export interface ForecastBounds {
  maxBlocksPerMessage: number;
  maxStoredBlocks: number;
  maxHorizonS: number;
  minBlockS: number;
  maxPastS: number;
}

/** Why a forecast is refused, with the status to answer: 413 for its size, 400 for its blocks' times. */
export interface BoundsViolation {
  status: HttpStatus.BAD_REQUEST | HttpStatus.PAYLOAD_TOO_LARGE;
  message: string;
}

interface TimedBlock {
  index: number;
  startMs: number;
  endMs: number;
  start: string;
  end: string;
}

const MS_PER_S = 1000;

export function forecastBoundsOf(config: AppConfig): ForecastBounds {
  return {
    maxBlocksPerMessage: config.OSCP_MAX_BLOCKS_PER_MESSAGE,
    maxStoredBlocks: config.OSCP_MAX_STORED_BLOCKS,
    maxHorizonS: config.OSCP_MAX_HORIZON_S,
    minBlockS: config.OSCP_MIN_BLOCK_S,
    maxPastS: config.OSCP_MAX_PAST_S,
  };
}

/** Throws the refusal of the first bound the blocks break, if any. */
export function assertWithinBounds(blocks: readonly ForecastedBlock[], config: AppConfig, now: Date): void {
  const violation = forecastBoundsViolation(blocks, forecastBoundsOf(config), now);
  if (violation) throw toHttpException(violation);
}

export function toHttpException({ status, message }: BoundsViolation): HttpException {
  return status === HttpStatus.PAYLOAD_TOO_LARGE
    ? new PayloadTooLargeException({ message })
    : new BadRequestException({ message });
}

/** The first bound the message breaks, if any; blocks whose times do not parse are left to the DTO. */
export function forecastBoundsViolation(
  blocks: readonly ForecastedBlock[],
  bounds: ForecastBounds,
  now: Date,
): BoundsViolation | undefined {
  const perMessage = Math.min(bounds.maxBlocksPerMessage, bounds.maxStoredBlocks);
  if (blocks.length > perMessage) {
    const setting =
      perMessage === bounds.maxBlocksPerMessage ? 'OSCP_MAX_BLOCKS_PER_MESSAGE' : 'OSCP_MAX_STORED_BLOCKS';
    return tooLarge(
      `forecasted_blocks has ${blocks.length} blocks; at most ${perMessage} are accepted in one message (${setting})`,
    );
  }
  const timed = blocks.flatMap(timedBlock);
  const nowMs = now.getTime();
  return (
    firstRefused(
      timed.filter((b) => b.endMs - b.startMs < bounds.minBlockS * MS_PER_S),
      (b) => `lasts ${(b.endMs - b.startMs) / MS_PER_S} s (${b.start} to ${b.end})`,
      `blocks shorter than ${bounds.minBlockS} s are refused (OSCP_MIN_BLOCK_S)`,
    ) ??
    firstRefused(
      timed.filter((b) => b.endMs > nowMs + bounds.maxHorizonS * MS_PER_S),
      (b) => `ends at ${b.end}`,
      `blocks may end at most ${bounds.maxHorizonS} s after now (${now.toISOString()}; OSCP_MAX_HORIZON_S)`,
    ) ??
    firstRefused(
      timed.filter((b) => b.endMs < nowMs - bounds.maxPastS * MS_PER_S),
      (b) => `ended at ${b.end}`,
      `blocks that ended more than ${bounds.maxPastS} s before now (${now.toISOString()}) are refused (OSCP_MAX_PAST_S)`,
    )
  );
}

/** A segment that would make the blocks held for the group's segment sets exceed `maxStoredBlocks`. */
export function storedBlocksViolation(
  groupId: string,
  heldBlocks: number,
  incomingBlocks: number,
  maxStoredBlocks: number,
): BoundsViolation | undefined {
  const total = heldBlocks + incomingBlocks;
  if (total <= maxStoredBlocks) return undefined;
  return tooLarge(
    `This segment's ${incomingBlocks} blocks would bring the segments held for group ${JSON.stringify(groupId)} ` +
      `to ${total} blocks; at most ${maxStoredBlocks} are accepted (OSCP_MAX_STORED_BLOCKS)`,
  );
}

function tooLarge(message: string): BoundsViolation {
  return { status: HttpStatus.PAYLOAD_TOO_LARGE, message };
}

function firstRefused(
  refused: TimedBlock[],
  describe: (block: TimedBlock) => string,
  rule: string,
): BoundsViolation | undefined {
  if (refused.length === 0) return undefined;
  const [first] = refused;
  const more = refused.length > 1 ? ` (and ${refused.length - 1} more blocks)` : '';
  return {
    status: HttpStatus.BAD_REQUEST,
    message: `forecasted_blocks[${first.index}] ${describe(first)}${more}: ${rule}`,
  };
}

function timedBlock(block: ForecastedBlock, index: number): TimedBlock[] {
  const startMs = parseRfc3339DateTime(block.start_time);
  const endMs = parseRfc3339DateTime(block.end_time);
  if (startMs === undefined || endMs === undefined) return [];
  return [{ index, startMs, endMs, start: block.start_time, end: block.end_time }];
}
