//! The `dualuse` command: a thin layer over the library.
//!
//! Exit status: 0 when the run completed and nothing was flagged (or, for
//! `rules test`, every example passed), 1 when it completed and at least one
//! row was flagged (or an example failed), 2 on any error. A closed output
//! pipe ends the run quietly with status 0.

mod cli;
mod eval_cmd;
mod headers;

fn main() {
    std::process::exit(cli::run());
}
