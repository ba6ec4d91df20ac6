-- SQLite's sends lose their foreign keys (see its 0019); PostgreSQL keeps
-- them, checked in its own process. This file keeps the two engines'
-- migration lists the same (TestMigrations_SameNames).
SELECT 1;
