//! One uniquely named PostgreSQL database per test.
//!
//! `DATABASE_URL` names an administrative database on the server to use (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). [`TestDb::create`] makes a fresh database
//! there and [`TestDb::drop_database`] (or dropping the value) removes it, so tests run in
//! parallel without seeing each other's rows.

use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

/// Where tests find PostgreSQL unless `DATABASE_URL` says otherwise.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The administrative connection URL tests use.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned())
}

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin_url: String,
    dropped: bool,
}

impl TestDb {
    /// Creates `dockhand_test_<prefix>_<random>` and returns its URL.
    pub async fn create(prefix: &str) -> anyhow::Result<TestDb> {
        create_at(&admin_url(), prefix).await
    }

    /// Drops the database, closing any connections still open to it.
    pub async fn drop_database(mut self) -> anyhow::Result<()> {
        self.dropped = true;
        drop_named(&self.admin_url, &self.name).await
    }
}

/// [`TestDb::create`] against an explicit administrative URL.
pub async fn create_at(admin_url: &str, prefix: &str) -> anyhow::Result<TestDb> {
    {
        let admin_url = admin_url.to_owned();
        let options: PgConnectOptions = admin_url
            .parse()
            .with_context(|| format!("DATABASE_URL {admin_url:?} is not a PostgreSQL URL"))?;
        let mut admin = connect_admin(&admin_url, &options).await?;
        let safe_prefix: String = prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(24)
            .collect();
        let name = format!(
            "dockhand_test_{safe_prefix}_{}",
            uuid::Uuid::new_v4().simple()
        );
        // A database name cannot be a bound parameter; this one is built from [a-z0-9_] only.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .with_context(|| format!("cannot create test database {name}"))?;
        let url = options.clone().database(&name);
        let url = pg_url(&admin_url, &name, &url);
        Ok(TestDb {
            name,
            url,
            admin_url,
            dropped: false,
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // A test that panicked still cleans up: drop the database from a fresh runtime on
        // another thread (we may be inside a runtime that is shutting down).
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                let _ = rt.block_on(drop_named(&admin_url, &name));
            }
        })
        .join();
    }
}

async fn drop_named(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let options: PgConnectOptions = admin_url.parse()?;
    let mut admin = connect_admin(admin_url, &options).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .with_context(|| format!("cannot drop test database {name}"))?;
    Ok(())
}

async fn connect_admin(url: &str, options: &PgConnectOptions) -> anyhow::Result<PgConnection> {
    match tokio::time::timeout(Duration::from_secs(10), PgConnection::connect_with(options)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => bail!(
            "PostgreSQL is not reachable at {url} ({e}).\n\
             The tests need a running PostgreSQL server: start one (e.g. \
             `pg_ctlcluster --skip-systemctl-redirect 15 main start`) or point DATABASE_URL at one."
        ),
        Err(_) => bail!(
            "PostgreSQL at {url} did not answer within 10 s. The tests need a running PostgreSQL \
             server: start one or point DATABASE_URL at one."
        ),
    }
}

/// `admin_url` with its database name replaced by `name`.
fn pg_url(admin_url: &str, name: &str, _options: &PgConnectOptions) -> String {
    // postgres://user@host:port/dbname?params → swap the path segment only.
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_swapped_in_the_url() {
        let o: PgConnectOptions = DEFAULT_DATABASE_URL.parse().unwrap();
        assert_eq!(
            pg_url(DEFAULT_DATABASE_URL, "x", &o),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            pg_url("postgres://u@h:1/db?sslmode=disable", "x", &o),
            "postgres://u@h:1/x?sslmode=disable"
        );
        assert_eq!(pg_url("postgres://u@h:1", "x", &o), "postgres://u@h:1/x");
    }
}
