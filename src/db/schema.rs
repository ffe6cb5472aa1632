// @generated-style diesel schema; keep in step with migrations/.

diesel::table! {
    audit_events (id) {
        id -> Uuid,
        center_id -> Uuid,
        seq -> Int8,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        actor -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Uuid,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_heads (center_id) {
        center_id -> Uuid,
        seq -> Int8,
        hash -> Text,
    }
}

diesel::table! {
    centers (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        time_zone -> Text,
        opening_time -> Time,
        closing_time -> Time,
        duty_start_time -> Time,
        duty_end_time -> Time,
        arrival_lead_minutes -> Int4,
        min_on_duty -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    departments (id) {
        id -> Uuid,
        center_id -> Uuid,
        name -> Text,
        code -> Text,
        rotation_order -> Int4,
        active -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (principal, idem_key) {
        principal -> Text,
        idem_key -> Text,
        method -> Text,
        path -> Text,
        request_hash -> Text,
        status -> Nullable<Int4>,
        response_headers -> Nullable<Jsonb>,
        response_body -> Nullable<Bytea>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_throttle (account_key) {
        account_key -> Text,
        failed_count -> Int4,
        window_start -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        family_id -> Uuid,
        staff_id -> Uuid,
        token_hash -> Text,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    staff (id) {
        id -> Uuid,
        center_id -> Uuid,
        department_id -> Nullable<Uuid>,
        employee_no -> Text,
        name -> Text,
        position -> Nullable<Text>,
        roles -> Array<Text>,
        leader -> Bool,
        phone -> Nullable<Text>,
        active -> Bool,
        password_hash -> Text,
        password_changed_at -> Timestamptz,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(audit_events -> centers (center_id));
diesel::joinable!(audit_heads -> centers (center_id));
diesel::joinable!(departments -> centers (center_id));
diesel::joinable!(refresh_tokens -> staff (staff_id));
diesel::joinable!(staff -> centers (center_id));
diesel::joinable!(staff -> departments (department_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_events,
    audit_heads,
    centers,
    departments,
    idempotency_keys,
    login_throttle,
    refresh_tokens,
    staff,
);
