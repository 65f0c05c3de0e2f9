//! Markdown tables as the benchmark and the corpus run print them (for BENCHMARKS.md and
//! CI logs), and the cell formats they share: durations, ratios and shortened messages.

use std::fmt;
use std::time::Duration;

/// A Markdown table: a header row and rows of the same width.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table { header: header.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    /// Adds a row; a cell's `|` and line breaks are escaped so they cannot break the table.
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len(), "a row has one cell per column");
        self.rows.push(cells.iter().map(|cell| escape(cell)).collect());
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "| {} |", self.header.join(" | "))?;
        writeln!(f, "|{}", "---|".repeat(self.header.len()))?;
        for row in &self.rows {
            writeln!(f, "| {} |", row.join(" | "))?;
        }
        Ok(())
    }
}

fn escape(cell: &str) -> String {
    cell.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|")
}

/// The first line of `message`, cut to `max` characters with an ellipsis, so an error fits
/// in a table cell.
pub fn shorten(message: &str, max: usize) -> String {
    let line = message.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    if line.chars().count() <= max {
        return line.to_owned();
    }
    let cut: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

pub fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Time per item, e.g. per operation; "n/a" when there is none to divide by.
pub fn ms_per(d: Duration, count: usize) -> String {
    if count == 0 {
        return "n/a".to_owned();
    }
    format!("{:.2} ms", d.as_secs_f64() * 1e3 / count as f64)
}

/// `ours / theirs` as `0.42x`, or "n/a" when either side has no number.
pub fn ratio(ours: Option<f64>, theirs: Option<f64>) -> String {
    match (ours, theirs) {
        (Some(ours), Some(theirs)) if theirs > 0.0 => format!("{:.2}x", ours / theirs),
        _ => "n/a".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_header_separator_and_rows() {
        let mut table = Table::new(&["document", "result"]);
        table.row(vec!["a.yaml".into(), "ok".into()]);
        assert_eq!(table.to_string(), "| document | result |\n|---|---|\n| a.yaml | ok |\n");
    }

    #[test]
    fn cells_cannot_break_the_table() {
        let mut table = Table::new(&["result"]);
        table.row(vec!["error: a | b\n  fix: c".into()]);
        assert_eq!(table.to_string().lines().nth(2), Some("| error: a \\| b fix: c |"));
    }

    #[test]
    fn shorten_keeps_the_first_line_and_cuts_long_ones() {
        assert_eq!(shorten("\n  first line\nsecond", 40), "first line");
        assert_eq!(shorten("abcdefghij", 6), "abcde…");
        assert_eq!(shorten("abcdef", 6), "abcdef");
    }

    #[test]
    fn durations_ratios_and_missing_numbers() {
        assert_eq!(ms(Duration::from_micros(45_260)), "45.3 ms");
        assert_eq!(secs(Duration::from_millis(2_740)), "2.7 s");
        assert_eq!(ms_per(Duration::from_millis(30), 10), "3.00 ms");
        assert_eq!(ms_per(Duration::from_millis(30), 0), "n/a");
        assert_eq!(ratio(Some(1.0), Some(4.0)), "0.25x");
        assert_eq!(ratio(None, Some(4.0)), "n/a");
        assert_eq!(ratio(Some(1.0), Some(0.0)), "n/a");
    }
}
