import type { schema } from '@gridflex/persistence';
import type { TransformerDto } from './dto/transformer.dto';

/** The transformer as stored: the primary only when its limit is given (its voltage then is too). */
export function transformerColumn(dto: TransformerDto): schema.TransformerColumn {
  const { secondaryLineLimitA, primaryLineLimitA, primaryVoltageV } = dto;
  if (primaryLineLimitA === undefined || primaryVoltageV === undefined) return { secondaryLineLimitA };
  return { secondaryLineLimitA, primaryLineLimitA, primaryVoltageV };
}
