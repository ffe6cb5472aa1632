-- Which years of statutory holidays are loaded, and what a draft roster was generated from.

-- One row per year whose official schedule (State Council notice) is in statutory_days.
-- A date in a year without a row has no holiday data: rosters refuse it unless confirmed.
-- `fixture` marks invented data loaded by the test suite; real deployments never have it.
CREATE TABLE statutory_years (
    year       integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2200),
    source     text NOT NULL CHECK (length(source) BETWEEN 1 AND 2000),
    digest     text NOT NULL,
    fixture    boolean NOT NULL DEFAULT false,
    loaded_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO statutory_years (year, source, digest) VALUES
    (2025, '国务院办公厅关于2025年部分节假日安排的通知 (shipped with migration 000002)', 'migration'),
    (2026, '国务院办公厅关于2026年部分节假日安排的通知 (shipped with migration 000002)', 'migration');

-- basis: what the generator saw (the published roster it continued from, the working days and a
-- digest of its output), so publishing can tell a stale draft.
-- confirmed_missing_holidays: years without holiday data the office confirmed at generation.
ALTER TABLE rosters
    ADD COLUMN basis jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN confirmed_missing_holidays integer[] NOT NULL DEFAULT '{}';
