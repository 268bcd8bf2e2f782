//! The demo's PostgreSQL: a throwaway cluster made with the installed `initdb` in a scratch
//! directory (stopped and removed when dropped), or, when `DATABASE_URL` is set, a fresh
//! database on that server (dropped at the end). `initdb` refuses to run as root, so as
//! root the cluster's commands run as the `postgres` user through `runuser`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

/// A database the demo may fill and throw away.
#[derive(Debug)]
pub enum DemoDatabase {
    /// A cluster of its own; its `postgres` database is the demo's.
    Cluster(ThrowawayCluster),
    /// A fresh database on the server `DATABASE_URL` names.
    Shared {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl DemoDatabase {
    /// `DATABASE_URL` (a fresh database there) if set, else a throwaway cluster.
    pub async fn provision() -> anyhow::Result<DemoDatabase> {
        match std::env::var("DATABASE_URL") {
            Ok(admin_url) if !admin_url.trim().is_empty() => {
                DemoDatabase::fresh_on(admin_url.trim()).await
            }
            _ => {
                let cluster = tokio::task::spawn_blocking(ThrowawayCluster::start)
                    .await
                    .context("the cluster start-up task failed")??;
                Ok(DemoDatabase::Cluster(cluster))
            }
        }
    }

    /// Creates `dockhand_demo_<random>` on the server of `admin_url`.
    pub async fn fresh_on(admin_url: &str) -> anyhow::Result<DemoDatabase> {
        let options: PgConnectOptions = admin_url
            .parse()
            .with_context(|| format!("DATABASE_URL {admin_url:?} is not a PostgreSQL URL"))?;
        let mut admin = connect(admin_url, &options).await?;
        let name = format!("dockhand_demo_{}", uuid::Uuid::new_v4().simple());
        // A database name cannot be a bound parameter; this one is [a-z0-9_] only.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .with_context(|| format!("cannot create the demo database {name}"))?;
        let _ = admin.close().await;
        Ok(DemoDatabase::Shared {
            url: with_database(admin_url, &name),
            admin_url: admin_url.to_owned(),
            name,
        })
    }

    /// Where the sync server connects.
    pub fn url(&self) -> String {
        match self {
            DemoDatabase::Cluster(cluster) => cluster.url(),
            DemoDatabase::Shared { url, .. } => url.clone(),
        }
    }

    /// What the demo tells the user about its database.
    pub fn describe(&self) -> String {
        match self {
            DemoDatabase::Cluster(cluster) => format!(
                "a throwaway PostgreSQL cluster in {} (port {})",
                cluster.dir.display(),
                cluster.port
            ),
            DemoDatabase::Shared { name, .. } => {
                format!("database {name} on the server DATABASE_URL names")
            }
        }
    }

    /// Drops the shared database, or stops and removes the cluster.
    pub async fn remove(self) -> anyhow::Result<()> {
        match self {
            DemoDatabase::Cluster(cluster) => tokio::task::spawn_blocking(move || cluster.stop())
                .await
                .context("the cluster shut-down task failed")?,
            DemoDatabase::Shared {
                admin_url, name, ..
            } => {
                let options: PgConnectOptions = admin_url.parse()?;
                let mut admin = connect(&admin_url, &options).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .with_context(|| format!("cannot drop the demo database {name}"))?;
                Ok(())
            }
        }
    }
}

async fn connect(url: &str, options: &PgConnectOptions) -> anyhow::Result<PgConnection> {
    match tokio::time::timeout(Duration::from_secs(10), PgConnection::connect_with(options)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => bail!("PostgreSQL is not reachable at {url}: {e}"),
        Err(_) => bail!("PostgreSQL at {url} did not answer within 10 s"),
    }
}

/// `url` with its database name replaced by `name` (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
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

/// A PostgreSQL cluster in a scratch directory, listening on 127.0.0.1 only, with trust
/// authentication for `postgres`. Stopped and removed when dropped.
#[derive(Debug)]
pub struct ThrowawayCluster {
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
    stopped: bool,
}

impl ThrowawayCluster {
    /// `initdb` + `pg_ctl start` in a new scratch directory; a few seconds.
    pub fn start() -> anyhow::Result<ThrowawayCluster> {
        let initdb = find_binary("initdb").context(
            "PostgreSQL's initdb is not installed (Debian: apt-get install postgresql); \
             or set DATABASE_URL to a server the demo may create a database on",
        )?;
        let pg_ctl = find_binary("pg_ctl").context("PostgreSQL's pg_ctl is not installed")?;
        let dir = tempfile::Builder::new()
            .prefix("dockhand-demo-pg-")
            .tempdir()
            .context("cannot create a scratch directory for the demo database")?
            .keep();
        let as_postgres = running_as_root();
        let mut cluster = ThrowawayCluster {
            dir,
            port: free_port()?,
            as_postgres,
            stopped: true,
        };
        if as_postgres {
            // initdb refuses root: the postgres user owns the cluster's directory.
            run(Command::new("chown").arg("postgres:").arg(&cluster.dir))
                .context("cannot hand the scratch directory to the postgres user")?;
        }
        let data = cluster.dir.join("data");
        run(cluster.command(&initdb).arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ]))
        .context("initdb failed")?;
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            cluster.port,
            cluster.dir.display()
        );
        cluster.stopped = false;
        run(cluster
            .command(&pg_ctl)
            .arg("-D")
            .arg(&data)
            .arg("-o")
            .arg(options)
            .arg("-l")
            .arg(cluster.dir.join("server.log"))
            .args(["-w", "-t", "30", "start"]))
        .context("the demo's PostgreSQL did not start (see server.log in its directory)")?;
        Ok(cluster)
    }

    fn command(&self, binary: &Path) -> Command {
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(binary);
            command
        } else {
            Command::new(binary)
        }
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops the server and removes its directory.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> anyhow::Result<()> {
        if !self.stopped {
            self.stopped = true;
            if let Some(pg_ctl) = find_binary("pg_ctl") {
                let data = self.dir.join("data");
                run(self.command(&pg_ctl).arg("-D").arg(&data).args([
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ]))
                .context("cannot stop the demo's PostgreSQL")?;
            }
        }
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir)
                .with_context(|| format!("cannot remove {}", self.dir.display()))?;
        }
        Ok(())
    }
}

impl Drop for ThrowawayCluster {
    fn drop(&mut self) {
        if let Err(error) = self.shut_down() {
            tracing::warn!(%error, dir = %self.dir.display(), "the demo database was not cleaned up");
        }
    }
}

fn run(command: &mut Command) -> anyhow::Result<Output> {
    let output = command
        .output()
        .with_context(|| format!("cannot run {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output)
}

/// `name` on PATH, or in Debian's versioned PostgreSQL directories (newest first).
fn find_binary(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut versioned: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|entry| entry.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    versioned.sort();
    versioned.reverse();
    on_path
        .into_iter()
        .chain(versioned)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The process runs as root when `/proc/self` belongs to uid 0 (no unsafe `geteuid`).
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn free_port() -> anyhow::Result<u16> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").context("cannot find a free local port")?;
    Ok(listener.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_swapped_in_the_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "d"),
            "postgres://postgres@127.0.0.1:5432/d"
        );
        assert_eq!(
            with_database("postgres://u@h:1/db?sslmode=disable", "d"),
            "postgres://u@h:1/d?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h:1", "d"), "postgres://u@h:1/d");
    }

    #[test]
    fn a_throwaway_cluster_starts_answers_and_is_removed() {
        let cluster = ThrowawayCluster::start().unwrap();
        let dir = cluster.dir().to_owned();
        let url = cluster.url();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let answer: i32 = runtime.block_on(async {
            let mut conn = PgConnection::connect(&url).await.unwrap();
            sqlx::query_scalar("SELECT 41 + 1")
                .fetch_one(&mut conn)
                .await
                .unwrap()
        });
        assert_eq!(answer, 42);
        cluster.stop().unwrap();
        assert!(!dir.exists(), "{} is left behind", dir.display());
        let refused = runtime.block_on(PgConnection::connect(&url));
        assert!(refused.is_err(), "the cluster still answers after stop");
    }
}
