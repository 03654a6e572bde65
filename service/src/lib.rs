//! 贷款助手 (loan-broker): everything testable lives behind this library; `main.rs` only dispatches.

pub mod api;
pub mod app;
pub mod auth;
pub mod body_check;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod io;
pub mod metrics;
pub mod monitor;
pub mod runtime;
pub mod server;
pub mod spec;
pub mod startup;
pub mod state;
pub mod sysmon;
pub mod telemetry;
pub mod web;
