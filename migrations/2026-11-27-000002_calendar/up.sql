-- Working-day calendar (R3, R9, R11, R20).
--
-- statutory_days: China's statutory holiday rest days and make-up working days (调休上班),
-- shared by every center. The rows below are generated from data/cn-statutory-holidays.json
-- (State Council notices for 2025 and 2026); a later year arrives in a later migration or, until
-- then, as per-center overrides.
--
-- calendar_overrides: what an office admin set for one center and date; it beats the statutory
-- day, which beats the weekday rule (Monday-Friday working, Saturday-Sunday off).

CREATE TABLE statutory_days (
    day   date PRIMARY KEY,
    kind  text NOT NULL CHECK (kind IN ('holiday', 'makeup_workday')),
    name  text NOT NULL CHECK (length(name) BETWEEN 1 AND 100)
);

CREATE TABLE calendar_overrides (
    center_id   uuid NOT NULL REFERENCES centers (id),
    day         date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('holiday', 'makeup_workday', 'closure', 'extra_workday')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- Also the index for the only filter: one center, a date range.
    PRIMARY KEY (center_id, day)
);

INSERT INTO statutory_days (day, kind, name) VALUES
    ('2025-01-01', 'holiday', '元旦'),
    ('2025-01-26', 'makeup_workday', '春节'),
    ('2025-01-28', 'holiday', '春节'),
    ('2025-01-29', 'holiday', '春节'),
    ('2025-01-30', 'holiday', '春节'),
    ('2025-01-31', 'holiday', '春节'),
    ('2025-02-01', 'holiday', '春节'),
    ('2025-02-02', 'holiday', '春节'),
    ('2025-02-03', 'holiday', '春节'),
    ('2025-02-04', 'holiday', '春节'),
    ('2025-02-08', 'makeup_workday', '春节'),
    ('2025-04-04', 'holiday', '清明节'),
    ('2025-04-05', 'holiday', '清明节'),
    ('2025-04-06', 'holiday', '清明节'),
    ('2025-04-27', 'makeup_workday', '劳动节'),
    ('2025-05-01', 'holiday', '劳动节'),
    ('2025-05-02', 'holiday', '劳动节'),
    ('2025-05-03', 'holiday', '劳动节'),
    ('2025-05-04', 'holiday', '劳动节'),
    ('2025-05-05', 'holiday', '劳动节'),
    ('2025-05-31', 'holiday', '端午节'),
    ('2025-06-01', 'holiday', '端午节'),
    ('2025-06-02', 'holiday', '端午节'),
    ('2025-09-28', 'makeup_workday', '国庆节、中秋节'),
    ('2025-10-01', 'holiday', '国庆节、中秋节'),
    ('2025-10-02', 'holiday', '国庆节、中秋节'),
    ('2025-10-03', 'holiday', '国庆节、中秋节'),
    ('2025-10-04', 'holiday', '国庆节、中秋节'),
    ('2025-10-05', 'holiday', '国庆节、中秋节'),
    ('2025-10-06', 'holiday', '国庆节、中秋节'),
    ('2025-10-07', 'holiday', '国庆节、中秋节'),
    ('2025-10-08', 'holiday', '国庆节、中秋节'),
    ('2025-10-11', 'makeup_workday', '国庆节、中秋节'),
    ('2026-01-01', 'holiday', '元旦'),
    ('2026-01-02', 'holiday', '元旦'),
    ('2026-01-03', 'holiday', '元旦'),
    ('2026-01-04', 'makeup_workday', '元旦'),
    ('2026-02-14', 'makeup_workday', '春节'),
    ('2026-02-15', 'holiday', '春节'),
    ('2026-02-16', 'holiday', '春节'),
    ('2026-02-17', 'holiday', '春节'),
    ('2026-02-18', 'holiday', '春节'),
    ('2026-02-19', 'holiday', '春节'),
    ('2026-02-20', 'holiday', '春节'),
    ('2026-02-21', 'holiday', '春节'),
    ('2026-02-22', 'holiday', '春节'),
    ('2026-02-23', 'holiday', '春节'),
    ('2026-02-28', 'makeup_workday', '春节'),
    ('2026-04-04', 'holiday', '清明节'),
    ('2026-04-05', 'holiday', '清明节'),
    ('2026-04-06', 'holiday', '清明节'),
    ('2026-05-01', 'holiday', '劳动节'),
    ('2026-05-02', 'holiday', '劳动节'),
    ('2026-05-03', 'holiday', '劳动节'),
    ('2026-05-04', 'holiday', '劳动节'),
    ('2026-05-05', 'holiday', '劳动节'),
    ('2026-05-09', 'makeup_workday', '劳动节'),
    ('2026-06-19', 'holiday', '端午节'),
    ('2026-06-20', 'holiday', '端午节'),
    ('2026-06-21', 'holiday', '端午节'),
    ('2026-09-20', 'makeup_workday', '国庆节'),
    ('2026-09-25', 'holiday', '中秋节'),
    ('2026-09-26', 'holiday', '中秋节'),
    ('2026-09-27', 'holiday', '中秋节'),
    ('2026-10-01', 'holiday', '国庆节'),
    ('2026-10-02', 'holiday', '国庆节'),
    ('2026-10-03', 'holiday', '国庆节'),
    ('2026-10-04', 'holiday', '国庆节'),
    ('2026-10-05', 'holiday', '国庆节'),
    ('2026-10-06', 'holiday', '国庆节'),
    ('2026-10-07', 'holiday', '国庆节'),
    ('2026-10-10', 'makeup_workday', '国庆节');
