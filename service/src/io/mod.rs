//! Spreadsheets in and out: `.xlsx` and `.csv` with Chinese headers, a template, and exports that
//! import again without loss.

pub mod columns;
pub mod export;
pub mod import;
pub mod read;
