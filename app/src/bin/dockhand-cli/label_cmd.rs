//! `dockhand-cli label …`: render labels to ZPL.

use std::io::Write;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use dockhand_app::label::{Dpi, LabelKind, Stock, layout_json, zpl};

#[derive(Debug, Subcommand)]
pub enum LabelCommand {
    /// Print a label's ZPL to stdout.
    Zpl(ZplArgs),
}

/// What to print and on which stock.
#[derive(Debug, Args)]
pub struct LabelSpec {
    /// sscc (pallet), carton, item or bin.
    #[arg(long)]
    pub kind: LabelKind,
    /// The label's data as JSON, e.g. '{"sscc":"095060001000000012"}' (see docs/labels.md).
    #[arg(long)]
    pub json: String,
    /// Printer resolution: 203 or 300 dpi.
    #[arg(long, default_value = "203", env = "DOCKHAND_PRINTER_DPI")]
    pub dpi: Dpi,
    /// Label size: 4x6, 4x2 (inches) or WIDTHxHEIGHTmm.
    #[arg(long, default_value = "4x6", env = "DOCKHAND_LABEL_SIZE")]
    pub size: Stock,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ZplFormat {
    /// The ZPL alone.
    Zpl,
    /// A JSON object with the ZPL, the stock, and every barcode's symbology and data.
    Json,
}

#[derive(Debug, Args)]
pub struct ZplArgs {
    #[command(flatten)]
    pub spec: LabelSpec,
    #[arg(long, value_enum, default_value = "zpl")]
    pub format: ZplFormat,
}

pub fn run(command: LabelCommand) -> anyhow::Result<()> {
    match command {
        LabelCommand::Zpl(args) => zpl_cmd(&args),
    }
}

fn zpl_cmd(args: &ZplArgs) -> anyhow::Result<()> {
    let spec = &args.spec;
    let template = layout_json(spec.kind, &spec.json, spec.size, spec.dpi)
        .with_context(|| format!("cannot make the {} label", spec.kind))?;
    let zpl = zpl::render(&template, None)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        ZplFormat::Zpl => out.write_all(zpl.as_bytes())?,
        ZplFormat::Json => {
            let value = serde_json::json!({
                "kind": spec.kind,
                "width_mm": spec.size.width_mm,
                "height_mm": spec.size.height_mm,
                "dots_per_mm": spec.dpi.dots_per_mm(),
                "zpl": zpl,
                "symbols": template.symbols(),
                "texts": template.texts(),
            });
            writeln!(out, "{value}")?;
        }
    }
    Ok(())
}
