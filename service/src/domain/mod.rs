//! Pure domain logic: no I/O, no database, no HTTP.
pub mod agreements;
pub mod applications;
pub mod customer;
pub mod documents;
pub mod engine;
pub mod facts;
pub mod fields;
pub mod follow_ups;
pub mod id_number;
pub mod ids;
pub mod masking;
pub mod money;
pub mod timestamp;
pub mod uscc;
pub mod user;
pub mod vocab;
