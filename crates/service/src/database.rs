//! The database as the interfaces hold it: an opaque handle. The web app and the command
//! line open one and pass it to service operations; only this crate reaches the store
//! inside, so every read and write goes through an operation that has asked the policy.

use anyhow::Result;
use observatory_store::Store;

pub use observatory_store::Location;

/// An open observatory database (SQLite or PostgreSQL). Cheap to clone: clones share
/// one connection pool.
#[derive(Clone)]
pub struct Database {
    pub(crate) store: Store,
}

impl Database {
    /// Open (and migrate) the database. With `create` false, a missing SQLite file is an
    /// error telling the user how to make one.
    pub async fn open(location: &Location, create: bool) -> Result<Database> {
        Ok(Database {
            store: Store::open(location, create).await?,
        })
    }

    /// Where the database is.
    pub fn location(&self) -> &Location {
        &self.store.location
    }

    /// Close the connections (before the file is copied, moved or deleted).
    pub async fn close(&self) {
        self.store.close().await
    }
}

impl From<Store> for Database {
    fn from(store: Store) -> Database {
        Database { store }
    }
}
