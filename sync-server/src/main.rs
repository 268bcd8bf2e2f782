//! `dockhand-sync-server` binary.

fn main() -> anyhow::Result<()> {
    anyhow::bail!("dockhand-sync-server: the server is not implemented yet in this build")
}
