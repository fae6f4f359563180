//! `man/elbship.1` and the shell completions are generated from the clap definition; these
//! tests fail when they are stale. Regenerate with `UPDATE_GENERATED=1 cargo test --test generated`.

use std::path::Path;

use clap::{Command, CommandFactory};
use clap_complete::Shell;
use elbship::cli::{help, Args};
use elbship::error::ExitCode;

fn check(relative: &str, fresh: &[u8]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, fresh).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{relative} is stale: run `UPDATE_GENERATED=1 cargo test --test generated` and commit it"
    );
}

#[test]
fn man_page_is_current() {
    let top = Args::command().disable_help_subcommand(true);
    let subs: Vec<Command> = top.get_subcommands().cloned().collect();
    let see_also: Vec<String> = subs
        .iter()
        .map(|s| format!("elbship-{}(1)", s.get_name()))
        .collect();
    check("man/elbship.1", &man_page(top, None, &see_also));
    for sub in subs {
        let name = format!("elbship-{}", sub.get_name());
        let page = man_page(
            sub.clone()
                .display_name(name.clone())
                .bin_name(format!("elbship {}", sub.get_name())),
            sub.get_after_long_help().map(|h| h.to_string()),
            &["elbship(1)".to_string()],
        );
        check(&format!("man/{name}.1"), &page);
    }
}

/// A man page: clap_mangen's sections for what clap knows (name, synopsis, description,
/// options, subcommands), then the shared texts of `elbship::cli::help` as real sections
/// (EXIT STATUS, ENVIRONMENT, EXAMPLES) and `notes` as paragraphs, not clap's EXTRA section,
/// which keeps the line breaks of `--help` and reflows them into broken lines.
fn man_page(cmd: Command, notes: Option<String>, see_also: &[String]) -> Vec<u8> {
    use roff::{bold, roman, Roff};
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page).unwrap();
    man.render_name_section(&mut page).unwrap();
    man.render_synopsis_section(&mut page).unwrap();
    man.render_description_section(&mut page).unwrap();
    man.render_options_section(&mut page).unwrap();
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut page).unwrap();
    }
    let mut roff = Roff::new();
    if let Some(notes) = notes {
        roff.control("SH", ["NOTES"]);
        for paragraph in notes.split("\n\n") {
            let joined = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
            roff.control("PP", []).text([roman(joined)]);
        }
    }
    roff.control("SH", ["EXIT STATUS"]);
    for code in ExitCode::ALL {
        roff.control("TP", [])
            .text([bold((code as u8).to_string())])
            .text([roman(code.meaning())]);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, what) in help::ENVIRONMENT {
        roff.control("TP", [])
            .text([bold(*name)])
            .text([roman(*what)]);
    }
    roff.control("SH", ["EXAMPLES"]);
    for (what, command) in help::EXAMPLES {
        roff.control("PP", []).text([roman(*what)]);
        roff.control("RS", ["4"]).control("nf", []);
        roff.text([roman(*command)]);
        roff.control("fi", []).control("RE", []);
    }
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(see_also.join(", "))]);
    roff.to_writer(&mut page).unwrap();
    if cmd.get_version().is_some() {
        man.render_version_section(&mut page).unwrap();
    }
    page
}

#[test]
fn shell_completions_are_current() {
    for (shell, file) in [
        (Shell::Bash, "elbship.bash"),
        (Shell::Zsh, "_elbship"),
        (Shell::Fish, "elbship.fish"),
    ] {
        check(&format!("man/completions/{file}"), &completions(shell));
    }
}

/// The completions for `shell`, as committed in `man/completions/`.
fn completions(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(
        shell,
        &mut without_hidden(&Args::command()),
        "elbship",
        &mut out,
    );
    out
}

/// `cmd` without its hidden flags (tuning knobs for tests): clap_complete offers every flag,
/// hidden or not.
fn without_hidden(cmd: &Command) -> Command {
    let leak = |s: &str| -> &'static str { String::leak(s.to_string()) };
    let mut out = Command::new(leak(cmd.get_name()))
        .version(cmd.get_version().map(leak))
        .about(cmd.get_about().cloned().unwrap_or_default())
        .args(cmd.get_arguments().filter(|a| !a.is_hide_set()).cloned());
    for sub in cmd.get_subcommands() {
        out = out.subcommand(without_hidden(sub));
    }
    out
}

#[test]
fn completions_offer_no_hidden_flag() {
    let hidden: Vec<String> = Args::command()
        .get_arguments()
        .filter(|a| a.is_hide_set())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    assert!(!hidden.is_empty());
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let text = String::from_utf8(completions(shell)).unwrap();
        for flag in &hidden {
            let bare = flag.trim_start_matches('-');
            assert!(
                !text.contains(bare),
                "{shell:?} completions offer the hidden flag {flag}"
            );
        }
        assert!(
            text.contains("max-line-bytes"),
            "{shell:?}: a visible flag is missing"
        );
    }
}
