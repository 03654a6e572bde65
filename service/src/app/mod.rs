//! The use-cases, shared by the HTTP handlers and the command line. Each runs its reads and its
//! one audited change through [`crate::db::Db`] and answers with a domain [`Error`]; none knows
//! HTTP. Handlers parse and authorise, then call exactly one function here.

pub mod accounts;
pub mod agreements;
pub mod applications;
pub mod branding;
pub mod catalog;
pub mod consents;
pub mod customers;
pub mod diagnoses;
pub mod digest;
pub mod documents;
pub mod erasure;
pub mod error;
pub mod follow_ups;
pub mod overview;
pub mod shares;
pub mod timeline;
pub mod transfer;

pub use error::{Error, Result};

/// The date the engine and the validation take as today (the broker's local calendar).
pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}
