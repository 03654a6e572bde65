//! Integration tests: a real server on 127.0.0.1 with a fresh state dir and SQLite file per test.

mod helpers;
mod process;

mod agreements;
mod applications;
mod auth;
mod authz;
mod branding;
mod cli;
mod consents;
mod contract;
mod customers;
mod data_scope;
mod diagnoses;
mod documents;
mod erasure;
mod follow_ups;
mod hostile_files;
mod integrity;
mod limits;
mod memory;
mod secrets;
mod shares;
mod spec;
mod system;
mod timeline;
mod transfer;
mod users;
