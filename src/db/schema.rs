// @generated-style diesel schema; keep in step with migrations/.

diesel::table! {
    amendments (id) {
        id -> Uuid,
        center_id -> Uuid,
        day -> Date,
        entity_type -> Text,
        entity_id -> Uuid,
        amended_by -> Nullable<Uuid>,
        actor -> Text,
        reason -> Text,
        before -> Jsonb,
        after -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_checkpoints (id) {
        id -> Uuid,
        center_id -> Uuid,
        seq -> Int8,
        head_hash -> Text,
        keyed_from -> Int8,
        taken_at -> Timestamptz,
        signature -> Text,
    }
}

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
        keyed_from -> Int8,
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
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        closing_lead_minutes -> Int4,
        duty_grace_minutes -> Int4,
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
        account -> Nullable<Text>,
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
        token_generation -> Int4,
    }
}

// ---- calendar tables (calendar/) ----

diesel::table! {
    calendar_overrides (center_id, day) {
        center_id -> Uuid,
        day -> Date,
        kind -> Text,
        name -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    statutory_years (year) {
        year -> Int4,
        source -> Text,
        digest -> Text,
        fixture -> Bool,
        loaded_at -> Timestamptz,
    }
}

diesel::table! {
    statutory_days (day) {
        day -> Date,
        kind -> Text,
        name -> Text,
    }
}

// ---- attendance, duty log and facility faults (attendance/, dutylog/) ----

diesel::table! {
    attendance_entries (id) {
        id -> Uuid,
        center_id -> Uuid,
        day -> Date,
        staff_id -> Uuid,
        status -> Text,
        minutes -> Nullable<Int4>,
        stand_in_id -> Nullable<Uuid>,
        note -> Nullable<Text>,
        recorded_by -> Nullable<Uuid>,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    duty_logs (id) {
        id -> Uuid,
        center_id -> Uuid,
        day -> Date,
        status -> Text,
        attendance_summary -> Text,
        service_quality -> Text,
        service_attitude -> Text,
        problems -> Jsonb,
        escalations -> Jsonb,
        emergencies -> Jsonb,
        written_by -> Nullable<Uuid>,
        written_at -> Timestamptz,
        submitted_by -> Nullable<Uuid>,
        submitted_at -> Nullable<Timestamptz>,
        submitted_on_time -> Nullable<Bool>,
        acknowledged_by -> Nullable<Uuid>,
        acknowledged_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    facility_faults (id) {
        id -> Uuid,
        center_id -> Uuid,
        what -> Text,
        location -> Text,
        reported_to -> Text,
        reported_at -> Timestamptz,
        reported_on -> Date,
        reported_by -> Nullable<Uuid>,
        repaired_at -> Nullable<Timestamptz>,
        repaired_on -> Nullable<Date>,
        repaired_by -> Nullable<Uuid>,
        repair_note -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

// ---- handovers (dutyday/handover/) ----

diesel::table! {
    handovers (id) {
        id -> Uuid,
        center_id -> Uuid,
        day -> Date,
        to_day -> Date,
        made_by -> Uuid,
        assignment_id -> Uuid,
        made_at -> Timestamptz,
        due_at -> Timestamptz,
        on_time -> Bool,
        items_total -> Int4,
        items_confirmed -> Int4,
        confirmed_at -> Nullable<Timestamptz>,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    handover_items (id) {
        id -> Uuid,
        handover_id -> Uuid,
        position -> Int4,
        kind -> Text,
        ref_id -> Nullable<Uuid>,
        summary -> Nullable<Text>,
        confirmed_by -> Nullable<Uuid>,
        confirmed_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(calendar_overrides -> centers (center_id));

// ---- end calendar tables ----

// ---- roster tables (roster/) ----

diesel::table! {
    rotation_settings (center_id) {
        center_id -> Uuid,
        department_order -> Array<Uuid>,
        unit -> Text,
        supervisors_per_day -> Int4,
        version -> Int4,
        updated_at -> Timestamptz,
        substitutions_need_approval -> Bool,
    }
}

diesel::table! {
    rotation_members (staff_id) {
        staff_id -> Uuid,
        center_id -> Uuid,
        included -> Bool,
        queue_position -> Nullable<Int4>,
    }
}

diesel::table! {
    rosters (id) {
        id -> Uuid,
        center_id -> Uuid,
        start_date -> Date,
        end_date -> Date,
        status -> Text,
        unit -> Text,
        supervisors_per_day -> Int4,
        start_state -> Jsonb,
        end_state -> Nullable<Jsonb>,
        shortfalls -> Jsonb,
        created_by -> Nullable<Uuid>,
        published_by -> Nullable<Uuid>,
        published_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        basis -> Jsonb,
        confirmed_missing_holidays -> Array<Int4>,
        confirmed_short_days -> Array<Date>,
    }
}

diesel::table! {
    door_check_items (id) {
        id -> Uuid,
        center_id -> Uuid,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        due -> Text,
        position -> Int4,
        active -> Bool,
    }
}

diesel::table! {
    door_check_lists (center_id) {
        center_id -> Uuid,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    door_checks (id) {
        id -> Uuid,
        center_id -> Uuid,
        day -> Date,
        item_id -> Uuid,
        recorded_by -> Nullable<Uuid>,
        assignment_id -> Nullable<Uuid>,
        received_at -> Timestamptz,
        observed_at -> Nullable<Timestamptz>,
        due_at -> Timestamptz,
        early -> Bool,
        late -> Bool,
        needs_review -> Bool,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    duty_assignments (id) {
        id -> Uuid,
        center_id -> Uuid,
        roster_id -> Uuid,
        date -> Date,
        slot -> Int4,
        staff_id -> Uuid,
        department_id -> Uuid,
        substitute_id -> Nullable<Uuid>,
        published -> Bool,
        version -> Int4,
        reason -> Jsonb,
        overrides -> Array<Text>,
    }
}

diesel::table! {
    substitutions (id) {
        id -> Uuid,
        center_id -> Uuid,
        assignment_id -> Uuid,
        original_staff_id -> Uuid,
        substitute_id -> Uuid,
        status -> Text,
        same_day -> Bool,
        offline -> Bool,
        reason -> Text,
        assignment_version -> Int4,
        requested_by -> Nullable<Uuid>,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        decision_note -> Text,
    }
}

diesel::table! {
    swaps (id) {
        id -> Uuid,
        center_id -> Uuid,
        assignment_a -> Uuid,
        assignment_b -> Uuid,
        staff_a -> Uuid,
        staff_b -> Uuid,
        status -> Text,
        version_a -> Int4,
        version_b -> Int4,
        reason -> Text,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        decision_note -> Text,
    }
}

diesel::table! {
    leave_requests (id) {
        id -> Uuid,
        center_id -> Uuid,
        staff_id -> Uuid,
        kind -> Text,
        start_date -> Date,
        end_date -> Date,
        reason -> Text,
        status -> Text,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        decision_note -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    feed_tokens (id) {
        id -> Uuid,
        center_id -> Uuid,
        staff_id -> Uuid,
        token_hash -> Text,
        label -> Text,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        expires_at -> Nullable<Timestamptz>,
    }
}

// ---- end roster tables ----

// ---- sit-in tables (sitins/) ----

diesel::table! {
    sit_in_settings (center_id) {
        center_id -> Uuid,
        deadline_days_before -> Int4,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sit_in_patterns (leader_id) {
        leader_id -> Uuid,
        center_id -> Uuid,
        weekdays -> Array<Int4>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sit_in_plans (id) {
        id -> Uuid,
        center_id -> Uuid,
        leader_id -> Uuid,
        department_id -> Uuid,
        week -> Date,
        days -> Array<Date>,
        from_pattern -> Bool,
        deadline -> Date,
        late -> Bool,
        filed_at -> Timestamptz,
        first_filed_at -> Timestamptz,
        filed_by -> Nullable<Uuid>,
        version -> Int4,
    }
}

diesel::table! {
    sit_in_attendance (id) {
        id -> Uuid,
        center_id -> Uuid,
        leader_id -> Uuid,
        department_id -> Uuid,
        date -> Date,
        recorded_by -> Nullable<Uuid>,
        recorded_at -> Timestamptz,
    }
}

// ---- end sit-in tables ----

diesel::table! {
    day_hours (center_id, day) {
        center_id -> Uuid,
        day -> Date,
        id -> Uuid,
        opening_time -> Time,
        closing_time -> Time,
        reason -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    duty_check_ins (id) {
        id -> Uuid,
        center_id -> Uuid,
        day -> Date,
        staff_id -> Uuid,
        assignment_id -> Uuid,
        received_at -> Timestamptz,
        observed_at -> Nullable<Timestamptz>,
        due_at -> Timestamptz,
        on_time -> Bool,
        minutes_late -> Int4,
        needs_review -> Bool,
        note -> Nullable<Text>,
    }
}

// ---- attachments, inspections and rectification (attachments/, inspections/, rectifications/) ----

diesel::table! {
    attachments (id) {
        id -> Uuid,
        center_id -> Uuid,
        uploaded_by -> Nullable<Uuid>,
        content_type -> Text,
        size -> Int4,
        sha256 -> Text,
        legacy_data -> Nullable<Bytea>,
        created_at -> Timestamptz,
        sealed -> Nullable<Bytea>,
        key_id -> Nullable<Text>,
        uploaded_by_portal -> Nullable<Text>,
    }
}

diesel::table! {
    attachment_refs (attachment_id, entity_type, entity_id) {
        attachment_id -> Uuid,
        entity_type -> Text,
        entity_id -> Uuid,
        center_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    inspections (id) {
        id -> Uuid,
        center_id -> Uuid,
        day -> Date,
        staff_id -> Nullable<Uuid>,
        category -> Text,
        result -> Text,
        severity -> Nullable<Text>,
        description -> Nullable<Text>,
        inspector_id -> Uuid,
        assignment_id -> Uuid,
        received_at -> Timestamptz,
        observed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    rectifications (id) {
        id -> Uuid,
        center_id -> Uuid,
        inspection_id -> Uuid,
        staff_id -> Nullable<Uuid>,
        status -> Text,
        working_days -> Int4,
        deadline -> Date,
        decided_by -> Nullable<Uuid>,
        decision_note -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    rectification_events (id) {
        id -> Uuid,
        rectification_id -> Uuid,
        action -> Text,
        staff_id -> Nullable<Uuid>,
        note -> Text,
        deadline -> Nullable<Date>,
        at -> Timestamptz,
    }
}

// ---- end attachments, inspections and rectification ----

// ---- citizens' requests ----

diesel::table! {
    citizen_request_settings (center_id) {
        center_id -> Uuid,
        consultation_days -> Int4,
        help_days -> Int4,
        complaint_days -> Int4,
        suggestion_days -> Int4,
        retention_days -> Int4,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    citizen_requests (id) {
        id -> Uuid,
        center_id -> Uuid,
        tracking_no -> Text,
        kind -> Text,
        channel -> Text,
        state -> Text,
        concerns -> Text,
        department_id -> Nullable<Uuid>,
        staff_id -> Nullable<Uuid>,
        matter -> Nullable<Text>,
        subject -> Text,
        description -> Text,
        owner_id -> Nullable<Uuid>,
        received_by -> Nullable<Uuid>,
        portal -> Nullable<Text>,
        received_at -> Timestamptz,
        received_on -> Date,
        deadline_days -> Int4,
        paused_days -> Int4,
        paused_on -> Nullable<Date>,
        due_on -> Nullable<Date>,
        answer -> Nullable<Text>,
        refusal_reason -> Nullable<Text>,
        refusal_guidance -> Nullable<Text>,
        substantiated -> Nullable<Bool>,
        finding_reason -> Nullable<Text>,
        overdue_escalated_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        /// Generated (migration 000024): characters and character pairs of subject and description.
        search_grams -> Array<Text>,
    }
}

diesel::table! {
    citizen_contacts (request_id) {
        request_id -> Uuid,
        center_id -> Uuid,
        name_enc -> Nullable<Bytea>,
        phone_enc -> Nullable<Bytea>,
        name_masked -> Nullable<Text>,
        phone_masked -> Nullable<Text>,
        phone_index -> Nullable<Bytea>,
        anonymised_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    citizen_request_lookups (request_id) {
        request_id -> Uuid,
        code_hash -> Bytea,
        failures -> Int4,
        locked_until -> Nullable<Timestamptz>,
        window_start -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    citizen_request_owners (request_id, seq) {
        request_id -> Uuid,
        seq -> Int4,
        owner_id -> Uuid,
        department_id -> Nullable<Uuid>,
        how -> Text,
        since -> Timestamptz,
        until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    citizen_request_moves (request_id, seq) {
        request_id -> Uuid,
        seq -> Int4,
        action -> Text,
        from_state -> Text,
        to_state -> Text,
        note -> Text,
        by_staff -> Nullable<Uuid>,
        actor -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    citizen_request_notices (id) {
        id -> Uuid,
        request_id -> Uuid,
        materials -> Array<Text>,
        procedure -> Text,
        time_limit -> Text,
        given_by -> Uuid,
        given_at -> Timestamptz,
    }
}

// ---- end citizens' requests ----

// ---- ratings (好差评) ----

diesel::table! {
    ratings (id) {
        id -> Uuid,
        center_id -> Uuid,
        subject_key -> Text,
        round -> Int4,
        level -> Int4,
        comment -> Nullable<Text>,
        request_id -> Nullable<Uuid>,
        staff_id -> Nullable<Uuid>,
        department_id -> Nullable<Uuid>,
        matter -> Nullable<Text>,
        served_at -> Nullable<Timestamptz>,
        via -> Text,
        portal -> Nullable<Text>,
        superseded_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    rating_links (id) {
        id -> Uuid,
        center_id -> Uuid,
        token_hash -> Bytea,
        subject_key -> Text,
        request_id -> Nullable<Uuid>,
        staff_id -> Nullable<Uuid>,
        department_id -> Nullable<Uuid>,
        matter -> Nullable<Text>,
        served_at -> Nullable<Timestamptz>,
        created_by -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        rating_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    rating_follow_ups (id) {
        id -> Uuid,
        center_id -> Uuid,
        rating_id -> Uuid,
        state -> Text,
        assignee_id -> Nullable<Uuid>,
        due_on -> Nullable<Date>,
        decided_by -> Nullable<Uuid>,
        decision_note -> Text,
        portal -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

// ---- end ratings ----

// ---- outbox and webhook deliveries (outbox/) ----

diesel::table! {
    outbox_events (id) {
        id -> Uuid,
        seq -> Int8,
        center_id -> Uuid,
        portal -> Text,
        kind -> Text,
        entity_id -> Uuid,
        payload -> Jsonb,
        created_at -> Timestamptz,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Nullable<Timestamptz>,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        event_id -> Uuid,
        attempt -> Int4,
        at -> Timestamptz,
        url -> Text,
        status -> Nullable<Int4>,
        error -> Nullable<Text>,
        duration_ms -> Int4,
    }
}

// ---- end outbox ----

diesel::joinable!(audit_checkpoints -> centers (center_id));
diesel::joinable!(audit_events -> centers (center_id));
diesel::joinable!(citizen_contacts -> citizen_requests (request_id));
diesel::joinable!(citizen_request_lookups -> citizen_requests (request_id));
diesel::joinable!(audit_heads -> centers (center_id));
diesel::joinable!(departments -> centers (center_id));
diesel::joinable!(door_checks -> door_check_items (item_id));
diesel::joinable!(handover_items -> handovers (handover_id));
diesel::joinable!(refresh_tokens -> staff (staff_id));
diesel::joinable!(staff -> centers (center_id));
diesel::joinable!(staff -> departments (department_id));
diesel::joinable!(outbox_events -> centers (center_id));
diesel::joinable!(webhook_deliveries -> outbox_events (event_id));

diesel::allow_tables_to_appear_in_same_query!(
    amendments,
    attachment_refs,
    attachments,
    attendance_entries,
    audit_checkpoints,
    audit_events,
    audit_heads,
    centers,
    citizen_contacts,
    citizen_request_lookups,
    citizen_request_moves,
    citizen_request_notices,
    citizen_request_owners,
    citizen_request_settings,
    citizen_requests,
    day_hours,
    departments,
    door_check_items,
    door_check_lists,
    door_checks,
    duty_assignments,
    duty_check_ins,
    duty_logs,
    facility_faults,
    feed_tokens,
    handover_items,
    handovers,
    idempotency_keys,
    inspections,
    leave_requests,
    login_throttle,
    outbox_events,
    rating_follow_ups,
    rating_links,
    ratings,
    rectification_events,
    rectifications,
    refresh_tokens,
    rosters,
    rotation_members,
    rotation_settings,
    sit_in_attendance,
    sit_in_patterns,
    sit_in_plans,
    sit_in_settings,
    staff,
    substitutions,
    swaps,
    webhook_deliveries,
);
