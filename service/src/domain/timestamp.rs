//! The one timestamp type of stored rows: UTC, written and sent as RFC 3339 with milliseconds and
//! `Z` (`2026-03-01T08:30:00.123Z`), the form every row has held since the first schema. A stored
//! value that does not parse is a decoding error, never a default (see `db::sql`).

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn now() -> Self {
        Self(Utc::now())
    }

    pub fn at(t: DateTime<Utc>) -> Self {
        Self(t)
    }

    pub fn get(self) -> DateTime<Utc> {
        self.0
    }

    /// The stored and wire form.
    pub fn to_text(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    pub fn parse(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| Self(t.with_timezone(&Utc)))
    }

    /// The business day (UTC+8) this instant falls on.
    pub fn business_date(self) -> NaiveDate {
        self.0.with_timezone(&business_zone()).date_naive()
    }

    /// Midnight in UTC+8 at the start of `date`.
    pub fn start_of_business_day(date: NaiveDate) -> Self {
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        Self(
            midnight
                .and_local_timezone(business_zone())
                .single()
                .expect("a fixed offset has no gaps")
                .with_timezone(&Utc),
        )
    }
}

/// The brokers' clock: China Standard Time, UTC+8 all year. "Today", "this month" and due dates
/// are counted in it whatever zone the server runs in.
pub fn business_zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

#[derive(Debug)]
pub struct NotATimestamp(pub String);

impl std::fmt::Display for NotATimestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not an RFC 3339 timestamp: {:?}", self.0)
    }
}

impl std::error::Error for NotATimestamp {}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_text())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom(NotATimestamp(text)))
    }
}

impl Type for Timestamp {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_date-time".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date-time")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Timestamp {
    fn parse_from_json(value: Option<serde_json::Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            serde_json::Value::String(s) => {
                Self::parse(&s).ok_or_else(|| ParseError::custom("不是 RFC 3339 时间"))
            }
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ToJSON for Timestamp {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.to_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_form_round_trips_and_bad_text_is_refused() {
        let t = Timestamp::parse("2026-03-01T08:30:00.123Z").unwrap();
        assert_eq!(t.to_text(), "2026-03-01T08:30:00.123Z");
        assert_eq!(serde_json::to_value(t).unwrap(), "2026-03-01T08:30:00.123Z");
        assert_eq!(t.to_json().unwrap(), "2026-03-01T08:30:00.123Z");
        assert!(Timestamp::parse("yesterday").is_none());
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }

    #[test]
    fn the_business_day_is_counted_in_utc_plus_8() {
        // 23:30 UTC on 28 Feb is already 1 March in Beijing.
        let late = Timestamp::parse("2026-02-28T23:30:00Z").unwrap();
        let date = late.business_date();
        assert_eq!(date, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert_eq!(
            Timestamp::start_of_business_day(date).to_text(),
            "2026-02-28T16:00:00.000Z"
        );
    }
}
