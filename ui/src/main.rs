//! `dockhand`: the handheld UI on the desktop.

fn main() -> anyhow::Result<()> {
    anyhow::bail!("the Dockhand handheld UI is not part of this build yet; use dockhand-cli")
}
