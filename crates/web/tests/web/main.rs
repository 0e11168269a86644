//! The web service end to end: the real server on a random port against real SQLite and
//! real PostgreSQL, driven over HTTP (and, in `browser`, by headless Chromium).

mod support;

mod answers;
mod api;
mod blocking;
mod browser;
mod dashboard;
mod differencing;
mod evidence;
mod hostile;
mod load;
mod matrix;
mod measure;
mod pages;
mod projections;
mod security;
mod strategies;
mod strategy_documents;
mod strategy_editing;
mod strategy_pages;
mod upload;
