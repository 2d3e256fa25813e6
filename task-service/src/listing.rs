//! What a list request asks for (filters, order, page) and the opaque cursor that continues it.
//! The queries that serve it are in `tasks`.
//!
//! A cursor holds the last task's sort value and id (keyset paging: the next page starts after
//! them, so rows created, changed or deleted between two requests never shift a page) and a MAC
//! over that, the caller's id and the list it belongs to (sort and filters). A cursor that was
//! altered, or comes from another user or another list, fails the MAC: a 422 naming `cursor`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;
use shared::{ApiError, TaskId, UserId};
use utoipa::IntoParams;
use validator::Validate;

use crate::body::Timestamp;
use crate::model::{Priority, TaskRow, TaskStatus};

/// The page size when a cursor comes without a `limit`.
pub const DEFAULT_LIMIT: u32 = 50;

/// `GET /api/tasks`'s query string. Without any parameter the answer is today's: every live task
/// in id order, in one page.
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only tasks in one of these statuses (repeat the parameter for several).
    #[serde(default)]
    #[param(explode, style = Form)]
    pub status: Vec<TaskStatus>,
    /// Only tasks of one of these priorities (repeat the parameter for several).
    #[serde(default)]
    #[param(explode, style = Form)]
    pub priority: Vec<Priority>,
    /// Only tasks due before this instant (RFC 3339 with an offset); tasks without a due date never match.
    #[param(value_type = Option<String>, format = DateTime, pattern = r"^(19[7-9][0-9]|[2-9][0-9]{3})-", example = "2026-12-31T00:00:00Z")]
    pub due_before: Option<Timestamp>,
    /// Only tasks due at or after this instant (RFC 3339 with an offset).
    #[param(value_type = Option<String>, format = DateTime, pattern = r"^(19[7-9][0-9]|[2-9][0-9]{3})-", example = "2026-12-01T00:00:00Z")]
    pub due_after: Option<Timestamp>,
    /// `true`: only tasks due in the past and not completed; `false`: only the others.
    pub overdue: Option<bool>,
    /// Case-insensitive text in the title or the description; `%` and `_` are literal.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[param(min_length = 1, max_length = 200)]
    pub q: Option<String>,
    /// `created_at`, `updated_at`, `due_at`, `priority` or `title`; a leading `-` sorts descending.
    /// Ties are broken by id; tasks without a due date come last either way. Default: by id.
    #[param(value_type = Option<String>, pattern = "^-?(created_at|updated_at|due_at|priority|title)$", example = "-due_at")]
    pub sort: Option<Sort>,
    /// Page size, 1 to 200: the answer then has `next_cursor` unless it is the last page.
    #[validate(range(min = 1, max = 200, message = "must be from 1 to 200"))]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page, with the same filters and sort.
    pub cursor: Option<String>,
}

/// `GET /api/tasks/trash`'s query string: pages only.
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1 to 200: the answer then has `next_cursor` unless it is the last page.
    #[validate(range(min = 1, max = 200, message = "must be from 1 to 200"))]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// What a list is sorted by (ties broken by id, in the same direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Today's order when no `sort` is given: by id.
    Id,
    CreatedAt,
    UpdatedAt,
    /// Tasks without a due date come last in both directions.
    DueAt,
    Priority,
    Title,
    /// The trash: by `deleted_at`, most recent first.
    DeletedAt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    pub const BY_ID: Self = Self { key: SortKey::Id, descending: false };
    pub const TRASH: Self = Self { key: SortKey::DeletedAt, descending: true };

    fn name(self) -> &'static str {
        match self.key {
            SortKey::Id => "id",
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
            SortKey::DueAt => "due_at",
            SortKey::Priority => "priority",
            SortKey::Title => "title",
            SortKey::DeletedAt => "deleted_at",
        }
    }
}

impl<'de> Deserialize<'de> for Sort {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        let (descending, name) = match text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, &*text),
        };
        let key = match name {
            "created_at" => SortKey::CreatedAt,
            "updated_at" => SortKey::UpdatedAt,
            "due_at" => SortKey::DueAt,
            "priority" => SortKey::Priority,
            "title" => SortKey::Title,
            _ => {
                return Err(serde::de::Error::custom(
                    "must be one of created_at, updated_at, due_at, priority, title, each optionally with a leading -",
                ));
            }
        };
        Ok(Self { key, descending })
    }
}

/// Where a page starts: after the task with this sort value and id.
#[derive(Debug, Clone, PartialEq)]
pub struct After {
    pub value: SortValue,
    pub id: TaskId,
}

/// A task's value in the sort's column.
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue {
    Id,
    Time(DateTime<Utc>),
    /// A due date, or none (those come last).
    MaybeTime(Option<DateTime<Utc>>),
    Rank(Priority),
    Text(String),
}

impl SortValue {
    /// `row`'s value for `key`.
    pub fn of(row: &TaskRow, key: SortKey) -> Self {
        match key {
            SortKey::Id => Self::Id,
            SortKey::CreatedAt => Self::Time(row.created_at),
            SortKey::UpdatedAt => Self::Time(row.updated_at),
            SortKey::DueAt => Self::MaybeTime(row.due_at),
            SortKey::Priority => Self::Rank(row.priority),
            SortKey::Title => Self::Text(row.title.clone()),
            SortKey::DeletedAt => Self::Time(row.deleted_at.unwrap_or(row.updated_at)),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Id => Value::Null,
            Self::Time(at) | Self::MaybeTime(Some(at)) => json!(at.timestamp_micros()),
            Self::MaybeTime(None) => Value::Null,
            Self::Rank(priority) => json!(priority.rank()),
            Self::Text(text) => json!(text),
        }
    }

    fn from_json(key: SortKey, value: &Value) -> Option<Self> {
        let time = |v: &Value| DateTime::from_timestamp_micros(v.as_i64()?);
        Some(match key {
            SortKey::Id => value.is_null().then_some(Self::Id)?,
            SortKey::CreatedAt | SortKey::UpdatedAt | SortKey::DeletedAt => Self::Time(time(value)?),
            SortKey::DueAt if value.is_null() => Self::MaybeTime(None),
            SortKey::DueAt => Self::MaybeTime(Some(time(value)?)),
            SortKey::Priority => Self::Rank(Priority::from_rank(i16::try_from(value.as_i64()?).ok()?)?),
            SortKey::Title => Self::Text(value.as_str()?.to_owned()),
        })
    }
}

/// Signs and reads cursors. The key is derived from the token secret, so every replica of the
/// service reads the others' cursors; rotating the secret ends the cursors in flight (422).
pub struct CursorKey(Hmac<Sha256>);

/// The bytes of the MAC a cursor carries: 128 bits.
const MAC_BYTES: usize = 16;

impl CursorKey {
    pub fn new(secret: &[u8]) -> Self {
        let mut derive = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
        derive.update(b"taskhub list cursor v1");
        let key = derive.finalize().into_bytes();
        Self(Hmac::new_from_slice(&key).expect("HMAC takes a key of any length"))
    }

    /// The MAC over `owner`, `list` and `payload`, each with its length so that no two inputs run together.
    fn mac(&self, owner: UserId, list: &str, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        for part in [owner.0.to_string().as_bytes(), list.as_bytes(), payload] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }

    /// The cursor that continues `list` of `owner` after `after`.
    pub fn encode(&self, owner: UserId, list: &str, after: &After) -> String {
        let payload = serde_json::to_vec(&json!([after.value.to_json(), after.id.0])).expect("JSON of plain values");
        let mac = self.mac(owner, list, &payload).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(&mac[..MAC_BYTES]))
    }

    /// Reads a cursor of `list` of `owner`, sorted by `key`: a 422 naming `cursor` when it was
    /// not made for exactly this list of this user.
    pub fn decode(&self, owner: UserId, list: &str, key: SortKey, cursor: &str) -> Result<After, ApiError> {
        let refuse = || ApiError::invalid("cursor", "is not a cursor of this list: start again without it");
        let (payload, mac) = cursor.split_once('.').ok_or_else(refuse)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| refuse())?;
        let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| refuse())?;
        // A constant-time comparison, of exactly the bytes a cursor carries.
        if mac.len() != MAC_BYTES || self.mac(owner, list, &payload).verify_truncated_left(&mac).is_err() {
            return Err(refuse());
        }
        let parts: Vec<Value> = serde_json::from_slice(&payload).map_err(|_| refuse())?;
        let [value, id] = parts.as_slice() else { return Err(refuse()) };
        let value = SortValue::from_json(key, value).ok_or_else(refuse)?;
        Ok(After { value, id: TaskId(id.as_i64().ok_or_else(refuse)?) })
    }
}

/// One list request, checked: its filters, order, page size and where the page starts.
#[derive(Debug)]
pub struct ListQuery {
    pub filter: Filter,
    pub sort: Sort,
    /// `None`: the whole list in one answer (today's behaviour without parameters).
    pub limit: Option<u32>,
    pub after: Option<After>,
    /// What the cursor's MAC binds: the sort and the filters, in one canonical text.
    pub list: String,
}

/// The filters of a list request.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Vec<TaskStatus>,
    pub priority: Vec<Priority>,
    pub due_before: Option<DateTime<Utc>>,
    pub due_after: Option<DateTime<Utc>>,
    pub overdue: Option<bool>,
    /// The search text, as sent (matched literally, case-insensitively).
    pub q: Option<String>,
}

impl ListQuery {
    pub fn new(params: ListParams, owner: UserId, key: &CursorKey) -> Result<Self, ApiError> {
        let mut filter = Filter {
            status: params.status,
            priority: params.priority,
            due_before: params.due_before.map(|t| t.0),
            due_after: params.due_after.map(|t| t.0),
            overdue: params.overdue,
            q: params.q,
        };
        filter.status.sort_by_key(|s| *s as u8);
        filter.status.dedup();
        filter.priority.sort();
        filter.priority.dedup();
        let sort = params.sort.unwrap_or(Sort::BY_ID);
        // Only a paged list needs its name (the default list is the bench's hot path).
        let paged = params.limit.is_some() || params.cursor.is_some();
        let list = if paged { Self::name(&filter, sort) } else { String::new() };
        Self::paged(filter, sort, list, params.limit, params.cursor, owner, key)
    }

    /// The sort and the filters in one canonical text, which a cursor's MAC binds.
    fn name(filter: &Filter, sort: Sort) -> String {
        format!(
            "tasks sort={}{} status={:?} priority={:?} due_before={:?} due_after={:?} overdue={:?} q={:?}",
            if sort.descending { "-" } else { "" },
            sort.name(),
            filter.status,
            filter.priority,
            filter.due_before.map(|t| t.timestamp_micros()),
            filter.due_after.map(|t| t.timestamp_micros()),
            filter.overdue,
            filter.q,
        )
    }

    /// Whether this is the list without any parameter: every live task, by id, in one answer.
    pub fn is_everything(&self) -> bool {
        let Filter { status, priority, due_before, due_after, overdue, q } = &self.filter;
        self.sort == Sort::BY_ID
            && self.limit.is_none()
            && self.after.is_none()
            && status.is_empty()
            && priority.is_empty()
            && due_before.is_none()
            && due_after.is_none()
            && overdue.is_none()
            && q.is_none()
    }

    /// The trash of `owner`, most recently deleted first.
    pub fn trash(params: PageParams, owner: UserId, key: &CursorKey) -> Result<Self, ApiError> {
        Self::paged(Filter::default(), Sort::TRASH, "trash".to_owned(), params.limit, params.cursor, owner, key)
    }

    fn paged(
        filter: Filter,
        sort: Sort,
        list: String,
        limit: Option<u32>,
        cursor: Option<String>,
        owner: UserId,
        key: &CursorKey,
    ) -> Result<Self, ApiError> {
        let after = cursor.map(|c| key.decode(owner, &list, sort.key, &c)).transpose()?;
        let limit = limit.or(after.is_some().then_some(DEFAULT_LIMIT));
        Ok(Self { filter, sort, limit, after, list })
    }

    /// The page's rows and the cursor of the next page, from up to `limit + 1` rows read.
    pub fn page(&self, mut rows: Vec<TaskRow>, owner: UserId, key: &CursorKey) -> (Vec<TaskRow>, Option<String>) {
        let Some(limit) = self.limit.map(|l| l as usize) else { return (rows, None) };
        if rows.len() <= limit {
            return (rows, None);
        }
        rows.truncate(limit);
        let last = rows.last().expect("limit is at least 1");
        let after = After { value: SortValue::of(last, self.sort.key), id: last.id };
        let cursor = key.encode(owner, &self.list, &after);
        (rows, Some(cursor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CursorKey {
        CursorKey::new(b"a secret of at least thirty-two bytes!!")
    }

    #[test]
    fn a_cursor_reads_back_only_for_its_user_and_list() {
        let after = After {
            value: SortValue::MaybeTime(Some(DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap())),
            id: TaskId(42),
        };
        let cursor = key().encode(UserId(1), "list a", &after);
        assert_eq!(key().decode(UserId(1), "list a", SortKey::DueAt, &cursor).unwrap(), after);
        for (user, list) in [(UserId(2), "list a"), (UserId(1), "list b")] {
            assert!(key().decode(user, list, SortKey::DueAt, &cursor).is_err());
        }
        let other_key = CursorKey::new(b"another secret of thirty-two bytes!!!!!");
        assert!(other_key.decode(UserId(1), "list a", SortKey::DueAt, &cursor).is_err());
    }

    #[test]
    fn a_changed_cursor_is_refused() {
        let after = After { value: SortValue::Text("é ✓".into()), id: TaskId(7) };
        let cursor = key().encode(UserId(1), "l", &after);
        assert_eq!(key().decode(UserId(1), "l", SortKey::Title, &cursor).unwrap(), after);
        let (payload, mac) = cursor.split_once('.').unwrap();
        let forged = format!("{}.{mac}", URL_SAFE_NO_PAD.encode(br#"["a",1]"#));
        for bad in
            [forged.as_str(), payload, "", ".", "x.y", &format!("{payload}.{}", &mac[1..]), &format!("{cursor}A")]
        {
            let error = key().decode(UserId(1), "l", SortKey::Title, bad).unwrap_err();
            assert!(matches!(&error, ApiError::Validation(e) if e[0].field == "cursor"), "{bad}: {error:?}");
        }
    }

    #[test]
    fn sort_names_read_with_an_optional_minus() {
        let sort =
            |text: &str| Sort::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(text));
        assert_eq!(sort("-due_at").unwrap(), Sort { key: SortKey::DueAt, descending: true });
        assert_eq!(sort("title").unwrap(), Sort { key: SortKey::Title, descending: false });
        for bad in ["", "-", "id", "--title", "Title", "deleted_at"] {
            assert!(sort(bad).is_err(), "{bad}");
        }
    }
}
