//! End-to-end tests of the real `observatory` binary against a real SQLite file and a
//! real PostgreSQL server (127.0.0.1:5432, a fresh database per test). One test binary,
//! modules inside, so the suite links once.

mod support;

mod analysis;
mod analysis_cli;
mod census_cases;
mod evidence;
mod hardening;
mod known_answers;
mod projections;
mod readme;
mod synthetic;
