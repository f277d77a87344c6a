import { PeakShavingRuleDto } from './dto/peak-shaving-rule.dto';
import { ScheduleWindowDto } from './dto/schedule-window.dto';
import { TariffDto } from './dto/tariff.dto';
import type { PeakShavingRuleRow, TariffRow } from './schedules.repository';

function windowColumns(dto: ScheduleWindowDto) {
  return {
    name: dto.name,
    weekdays: dto.weekdays ?? null,
    date: dto.date ?? null,
    startTime: dto.startTime,
    endTime: dto.endTime,
  };
}

export function ruleColumns(dto: PeakShavingRuleDto) {
  return { ...windowColumns(dto), limitKw: dto.limitKw ?? null, limitPercent: dto.limitPercent ?? null };
}

export function tariffColumns(dto: TariffDto) {
  return { ...windowColumns(dto), pricePerKwh: dto.pricePerKwh, currency: dto.currency };
}

/** A stored window as a document or API body, absent fields left out so that it is accepted back. */
function windowBody(row: PeakShavingRuleRow | TariffRow) {
  return {
    name: row.name,
    ...(row.weekdays !== null && { weekdays: row.weekdays }),
    ...(row.date !== null && { date: row.date }),
    startTime: row.startTime,
    endTime: row.endTime,
  };
}

export function ruleBody(row: PeakShavingRuleRow): PeakShavingRuleDto {
  return {
    ...windowBody(row),
    ...(row.limitKw !== null && { limitKw: row.limitKw }),
    ...(row.limitPercent !== null && { limitPercent: row.limitPercent }),
  };
}

export function tariffBody(row: TariffRow): TariffDto {
  return { ...windowBody(row), pricePerKwh: row.pricePerKwh, currency: row.currency };
}
