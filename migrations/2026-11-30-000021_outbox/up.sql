-- The outbox (issue 8): changes the regional portal should hear about, written in the same
-- transaction as the change itself (so an event exists if and only if the change committed), and
-- delivered afterwards by `dutydesk tick` as signed webhooks. One row per event.
CREATE TABLE outbox_events (
    id uuid PRIMARY KEY,
    -- Creation order: events of one portal are delivered in this order, and the portal sees it
    -- in the envelope (`sequence`). Increasing, not gap-free.
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    center_id uuid NOT NULL REFERENCES centers (id),
    -- The portal client (the identity provider token's `sub`) that should hear of it.
    portal text NOT NULL CHECK (portal <> ''),
    -- e.g. `citizen_request.status_changed`.
    kind text NOT NULL CHECK (kind <> ''),
    -- What it is about (a request or a rating).
    entity_id uuid NOT NULL,
    -- The `data` of the envelope sent; masked values only.
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    -- Delivery attempts made so far.
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- When the tick may (next) try it; set only while pending.
    next_attempt_at timestamptz,
    delivered_at timestamptz,
    CHECK ((state = 'pending') = (next_attempt_at IS NOT NULL)),
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
);
-- The tick's delivery query: pending events whose next attempt is due, ...
CREATE INDEX outbox_events_due ON outbox_events (next_attempt_at) WHERE state = 'pending';
-- ... that have no earlier pending event of the same portal (one portal's events go in order).
CREATE INDEX outbox_events_portal_queue ON outbox_events (portal, seq) WHERE state = 'pending';
-- The office's list (`GET /webhook-deliveries`), newest first, by state or by entity:
CREATE INDEX outbox_events_center ON outbox_events (center_id, seq);
CREATE INDEX outbox_events_center_state ON outbox_events (center_id, state, seq);
CREATE INDEX outbox_events_center_entity ON outbox_events (center_id, entity_id, seq);

-- One row per delivery attempt of an event: where it went, when, and what came back.
CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    event_id uuid NOT NULL REFERENCES outbox_events (id) ON DELETE CASCADE,
    -- 1 for the first attempt of the event, then 2, 3, …
    attempt integer NOT NULL CHECK (attempt >= 1),
    at timestamptz NOT NULL,
    url text NOT NULL,
    -- The HTTP status the portal answered, or why there was none (timeout, refused, …).
    status integer CHECK (status BETWEEN 100 AND 599),
    error text,
    duration_ms integer NOT NULL CHECK (duration_ms >= 0),
    CONSTRAINT webhook_deliveries_once UNIQUE (event_id, attempt),
    CHECK ((status IS NULL) <> (error IS NULL))
);
