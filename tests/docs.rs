//! The README, `--help` and the man pages say the same things: every flag in a README table
//! is a flag clap knows and every visible flag is in a README table; every exit code and
//! environment variable is in all of them; size and time flags name the same units.

mod common;

use std::collections::BTreeSet;

use clap::CommandFactory;
use common::elbship;
use elbship::cli::{help, Args};
use elbship::error::ExitCode;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

fn man(name: &str) -> String {
    std::fs::read_to_string(format!("{}/man/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The lines of the README section under `heading`, up to the next heading of any level.
fn section<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
    let mut lines = text.lines().skip_while(|l| l.trim_end() != heading);
    assert!(lines.next().is_some(), "README has no {heading:?}");
    lines.take_while(|l| !l.starts_with('#')).collect()
}

/// Every `--flag` named in `cell`.
fn long_flags(cell: &str) -> impl Iterator<Item = String> + '_ {
    cell.match_indices("--").filter_map(|(at, _)| {
        let name: String = cell[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let starts_word = at == 0 || !cell[..at].ends_with(|c: char| c.is_ascii_alphanumeric());
        (starts_word && !name.is_empty()).then(|| format!("--{name}"))
    })
}

/// The flags the README's tables describe: the first cell of every table row.
fn readme_table_flags() -> BTreeSet<String> {
    readme()
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|row| row.split(" | ").next())
        .flat_map(|cell| long_flags(cell).collect::<Vec<_>>())
        .collect()
}

/// Every long flag a user can see, of the command and its subcommands.
fn visible_flags() -> BTreeSet<String> {
    let top = Args::command();
    let mut all = BTreeSet::new();
    for cmd in std::iter::once(&top).chain(top.get_subcommands()) {
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                if !matches!(long, "help" | "version") {
                    all.insert(format!("--{long}"));
                }
            }
        }
    }
    all
}

#[test]
fn the_readme_tables_and_clap_name_the_same_flags() {
    let readme = readme_table_flags();
    let clap = visible_flags();
    let unknown: Vec<_> = readme.difference(&clap).collect();
    let undocumented: Vec<_> = clap.difference(&readme).collect();
    assert!(
        unknown.is_empty(),
        "README tables name flags clap does not know: {unknown:?}"
    );
    assert!(
        undocumented.is_empty(),
        "flags in no README table: {undocumented:?}"
    );
}

/// Every number in `text` that follows "exit " or "exit code ".
fn exit_codes_named(text: &str) -> BTreeSet<u8> {
    let lower = text.to_ascii_lowercase();
    let mut codes = BTreeSet::new();
    for lead in ["exit ", "exit code ", "exits "] {
        for (at, _) in lower.match_indices(lead) {
            let digits: String = lower[at + lead.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(code) = digits.parse() {
                codes.insert(code);
            }
        }
    }
    codes
}

#[test]
fn every_exit_code_is_in_the_readme_the_help_and_the_man_pages() {
    let all: BTreeSet<u8> = ExitCode::ALL.iter().map(|&c| c as u8).collect();

    let readme = readme();
    let table: BTreeSet<u8> = section(&readme, "### Exit codes")
        .iter()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|row| row.split(" |").next()?.trim().parse().ok())
        .collect();
    assert_eq!(table, all, "README's exit code table");
    let stray: Vec<_> = exit_codes_named(&readme)
        .difference(&all)
        .copied()
        .collect();
    assert!(stray.is_empty(), "README names exit codes {stray:?}");

    let out = elbship().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let listed: BTreeSet<u8> = help
        .lines()
        .skip_while(|l| *l != "Exit codes:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(listed, all, "--help's exit codes:\n{help}");
    let stray: Vec<_> = exit_codes_named(&help).difference(&all).copied().collect();
    assert!(stray.is_empty(), "--help names exit codes {stray:?}");

    for page in ["elbship.1", "elbship-summary.1", "elbship-template.1"] {
        let text = man(page);
        let status: BTreeSet<u8> = text
            .lines()
            .skip_while(|l| *l != ".SH \"EXIT STATUS\"")
            .skip(1)
            .take_while(|l| !l.starts_with(".SH"))
            .filter_map(|l| l.strip_prefix("\\fB")?.strip_suffix("\\fR")?.parse().ok())
            .collect();
        assert_eq!(status, all, "{page}'s EXIT STATUS");
    }
}

#[test]
fn every_environment_variable_is_in_the_readme_the_help_and_the_man_page() {
    let readme = readme();
    let documented = section(&readme, "### Environment").join("\n");
    let out = elbship().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let page = man("elbship.1").replace("\\-", "-");
    for (names, _) in help::ENVIRONMENT {
        for name in names.split(", ").filter(|n| *n != "...") {
            assert!(
                documented.contains(&format!("`{name}`")),
                "README's Environment section lacks {name}"
            );
            assert!(help.contains(name), "--help lacks {name}");
            assert!(page.contains(name), "man/elbship.1 lacks {name}");
        }
    }
}

#[test]
fn size_and_time_flags_name_every_unit_they_take() {
    let top = Args::command();
    for cmd in std::iter::once(&top).chain(top.get_subcommands()) {
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let names: Vec<_> = arg.get_value_names().into_iter().flatten().collect();
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let id = arg.get_id();
            if names.iter().any(|n| n.as_str() == "BYTES") {
                assert!(help.contains("K, M, G"), "--{id}: {help}");
            }
            if names.iter().any(|n| n.as_str() == "TIME") {
                assert!(
                    help.contains("1w") || help.contains("same forms as --since"),
                    "--{id}: {help}"
                );
            }
        }
    }
    // and the parsers take what the help promises
    for flag in [
        ["--max-line-bytes", "1G"],
        ["--batch-bytes", "1G"],
        ["--since", "1w"],
    ] {
        let out = elbship()
            .args(flag)
            .arg("fixtures/alb.log")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{flag:?}");
    }
}
