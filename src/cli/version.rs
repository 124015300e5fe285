use crate::build_info;
use crate::output::Printer;

/// kind's shape: `kina v0.1.0 <git sha> darwin/arm64`; `-q` prints just the version.
pub(super) fn run(printer: &Printer, quiet: bool) {
    if quiet {
        printer.data_line(build_info::version());
    } else {
        printer.data_line(&build_info::version_line());
    }
}
