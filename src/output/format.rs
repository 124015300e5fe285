//! `-o table|wide|json|yaml`: the same values on every command that has `-o`.

use clap::ValueEnum;
use serde::Serialize;

use super::Printer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// for people (for `get`: kind's one name per line)
    #[default]
    Table,
    /// the table with more columns where there are more (`kina list`: published ports)
    Wide,
    /// pretty JSON, for scripts
    Json,
    /// one YAML document, for scripts
    Yaml,
}

/// Prints `value` as JSON or YAML on stdout; false (nothing printed) for `table`,
/// which each command draws itself.
pub(crate) fn print_structured<T: Serialize>(
    printer: &Printer,
    format: OutputFormat,
    value: &T,
) -> anyhow::Result<bool> {
    match format {
        OutputFormat::Table | OutputFormat::Wide => return Ok(false),
        OutputFormat::Json => printer.data_line(&serde_json::to_string_pretty(value)?),
        OutputFormat::Yaml => printer.data(&crate::yaml::to_string(value)?),
    }
    Ok(true)
}
