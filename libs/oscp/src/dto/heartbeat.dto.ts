import { ValidateBy } from 'class-validator';
import { parseLenientDateTime } from '../rfc3339';

/** OSCP 2.0 Heartbeat. */
export class HeartbeatDto {
  @ValidateBy({
    name: 'isLenientDateTime',
    validator: {
      validate: (value) => parseLenientDateTime(value) !== undefined,
      defaultMessage: () =>
        'offline_mode_at must be a date-time such as 2025-01-01T00:00:00Z (an offset, or UTC when absent)',
    },
  })
  offline_mode_at!: string;
}
