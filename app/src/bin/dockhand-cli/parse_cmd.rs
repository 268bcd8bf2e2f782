//! `dockhand-cli parse`: scans on stdin, one per line, to one JSON object per line on
//! stdout — what the barcode engine makes of each.

use std::io::{BufRead, Write};

use anyhow::Context;
use clap::Args;
use dockhand_app::barcode::{
    self, ClassifyConfig, DataFormat, Element, ElementString, GS, Scan, ScanMeaning, Symbology,
    SymbologyId,
};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The character your scanner sends for FNC1 when it cannot send GS (e.g. `^`).
    #[arg(long, value_name = "CHAR")]
    pub fnc1_substitute: Option<char>,
    /// Read `\x1D` (or `\x1d`, `\u001d`) written as text as GS, and `\\` as a backslash.
    #[arg(long)]
    pub escapes: bool,
    /// Print the normalised bracketed form `(01)…(10)…` instead of JSON.
    #[arg(long)]
    pub bracketed: bool,
    /// The AIM symbology identifier to assume when a line carries none, e.g. `]C1`.
    #[arg(long, value_name = "ID", value_parser = parse_symbology)]
    pub symbology: Option<SymbologyId>,
}

fn parse_symbology(text: &str) -> Result<SymbologyId, String> {
    SymbologyId::try_from(text.to_owned())
}

pub fn run(args: &ParseArgs) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    parse_lines(args, stdin.lock(), stdout.lock())
}

impl ParseArgs {
    fn config(&self) -> ClassifyConfig {
        ClassifyConfig {
            default_symbology: self.symbology,
            fnc1_substitute: self.fnc1_substitute,
            ..ClassifyConfig::default()
        }
    }
}

/// Reads scans line by line as bytes (a GS byte stays inside its line) and writes one
/// result per line. A line that is not UTF-8 becomes an error line; reading goes on.
pub fn parse_lines(
    args: &ParseArgs,
    mut input: impl BufRead,
    mut output: impl Write,
) -> anyhow::Result<()> {
    let config = args.config();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .context("cannot read stdin")?;
        if n == 0 {
            break;
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        let result = match std::str::from_utf8(&line) {
            Ok(text) => {
                let text = if args.escapes {
                    unescape(text)
                } else {
                    text.to_owned()
                };
                describe(&text, args, &config)
            }
            Err(e) => failure(&format!("line is not UTF-8: {e}")),
        };
        writeln!(output, "{result}").context("cannot write stdout")?;
    }
    output.flush().context("cannot write stdout")?;
    Ok(())
}

/// One output line, fields in the order a reader expects them.
#[derive(Debug, Serialize)]
struct ParsedLine<'a> {
    ok: bool,
    symbology: Option<Symbology>,
    format: DataFormat,
    elements: &'a [Element],
    meaning: &'a ScanMeaning,
}

fn failure(error: &str) -> String {
    json!({"ok": false, "error": error}).to_string()
}

fn describe(text: &str, args: &ParseArgs, config: &ClassifyConfig) -> String {
    let (id, data) = SymbologyId::strip_prefix(text);
    let scan = Scan {
        symbology: id,
        ..Scan::manual(data)
    };
    match barcode::interpret(&scan, config) {
        Ok(found) if args.bracketed => {
            match ElementString::from_elements(found.elements().to_vec()) {
                Ok(elements) => elements.to_bracketed(),
                Err(_) => failure("not GS1 data; no bracketed form"),
            }
        }
        Ok(found) => {
            let line = ParsedLine {
                ok: true,
                symbology: found.symbology,
                format: found.format,
                elements: found.elements(),
                meaning: &found.meaning,
            };
            serde_json::to_string(&line).unwrap_or_else(|e| failure(&e.to_string()))
        }
        Err(e) => failure(&e.to_string()),
    }
}

/// `\x1D`, `\x1d` and `\u001d` as GS; `\\` as a backslash; anything else unchanged.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let lower = tail.get(..6).map(str::to_ascii_lowercase);
        if tail
            .get(..4)
            .is_some_and(|s| s.eq_ignore_ascii_case("\\x1d"))
        {
            out.push(GS);
            rest = &tail[4..];
        } else if lower.as_deref() == Some("\\u001d") {
            out.push(GS);
            rest = &tail[6..];
        } else if let Some(after) = tail.strip_prefix("\\\\") {
            out.push('\\');
            rest = after;
        } else {
            out.push('\\');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(args: ParseArgs, input: &[u8]) -> String {
        let mut out = Vec::new();
        parse_lines(&args, input, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn plain() -> ParseArgs {
        ParseArgs {
            fnc1_substitute: None,
            escapes: false,
            bracketed: false,
            symbology: None,
        }
    }

    #[test]
    fn one_json_line_per_scan_with_raw_gs_and_bad_lines() {
        let input =
            b"]C1010950600013435217271231\x1d10ABC123\r\n\xff\xfe\n]C10109506000134357\n]C010D9T\n";
        let out = run_with(plain(), input);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"ok":true,"symbology":"gs1-128","format":"element-string","elements":[{"ai":"01","value":"09506000134352"},{"ai":"17","value":"271231"},{"ai":"10","value":"ABC123"}],"meaning":{"type":"item","gtin":"09506000134352","lot":"ABC123","expiry":"2027-12-31"}}"#
        );
        assert_eq!(
            lines[1],
            r#"{"error":"line is not UTF-8: invalid utf-8 sequence of 1 bytes from index 0","ok":false}"#
        );
        assert_eq!(
            lines[2],
            r#"{"error":"AI 01 check digit wrong: expected 2, got 7","ok":false}"#
        );
        assert_eq!(
            lines[3],
            r#"{"ok":true,"symbology":"code128","format":"other","elements":[],"meaning":{"type":"unknown","data":"10D9T"}}"#
        );
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn escapes_substitutes_default_symbology_and_bracketed_output() {
        let args = ParseArgs {
            escapes: true,
            bracketed: true,
            ..plain()
        };
        let out = run_with(args, b"]d21012345\\x1D17271231\n");
        assert_eq!(out, "(10)12345(17)271231\n");

        let args = ParseArgs {
            fnc1_substitute: Some('^'),
            bracketed: true,
            symbology: Some(SymbologyId::new('C', '1')),
            ..plain()
        };
        let out = run_with(args, b"10ABC^0109506000134352\nA-03-2-B\n");
        assert_eq!(
            out,
            "(10)ABC(01)09506000134352\n{\"error\":\"expected an AI at position 0, found \\\"A-03\\\"\",\"ok\":false}\n"
        );
        let args = ParseArgs {
            bracketed: true,
            ..plain()
        };
        assert_eq!(
            run_with(args, b"A-03-2-B\n"),
            "{\"error\":\"not GS1 data; no bracketed form\",\"ok\":false}\n"
        );
    }

    #[test]
    fn unescape_handles_gs_and_backslashes() {
        assert_eq!(unescape(r"a\x1db\u001Dc\\d\q"), "a\u{1d}b\u{1d}c\\d\\q");
    }
}
