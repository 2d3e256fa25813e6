// @generated automatically by Diesel CLI.

diesel::table! {
    audit_events (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        #[max_length = 32]
        action -> Varchar,
        #[max_length = 16]
        outcome -> Varchar,
        user_id -> Nullable<Int8>,
        task_id -> Nullable<Int8>,
        #[max_length = 128]
        request_id -> Nullable<Varchar>,
        #[max_length = 64]
        client_addr -> Nullable<Varchar>,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Int8,
        #[max_length = 255]
        key -> Varchar,
        request -> Text,
        status -> Int2,
        body -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_throttle (key) {
        #[max_length = 320]
        key -> Varchar,
        failures -> Int4,
        window_start -> Timestamptz,
        last_attempt_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Int8,
        issued_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Int8,
        user_id -> Int8,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
        expires_at -> Timestamptz,
        #[max_length = 256]
        user_agent -> Nullable<Varchar>,
        #[max_length = 64]
        client_addr -> Nullable<Varchar>,
        ended_at -> Nullable<Timestamptz>,
        #[max_length = 32]
        end_reason -> Nullable<Varchar>,
    }
}

diesel::table! {
    tasks (id) {
        id -> Int8,
        user_id -> Int8,
        #[max_length = 200]
        title -> Varchar,
        #[max_length = 2000]
        description -> Nullable<Varchar>,
        #[max_length = 20]
        status -> Varchar,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        due_at -> Nullable<Timestamptz>,
        priority -> Int2,
        started_at -> Nullable<Timestamptz>,
        completed_at -> Nullable<Timestamptz>,
        version -> Int8,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        #[max_length = 255]
        email -> Varchar,
        password_hash -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        tokens_not_before -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(idempotency_keys -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(tasks -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_events,
    idempotency_keys,
    login_throttle,
    refresh_tokens,
    sessions,
    tasks,
    users,
);
