ALTER TABLE "chargers" ADD COLUMN "clock_offset_s" double precision;
