//! Diagnosis engine (being written).
