//! `man/elbship.1` and the shell completions are generated from the clap definition; these
//! tests fail when they are stale. Regenerate with `UPDATE_GENERATED=1 cargo test --test generated`.

use std::path::Path;

use clap::{Command, CommandFactory};
use clap_complete::Shell;
use elbship::cli::Args;

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
    let mut page = Vec::new();
    clap_mangen::Man::new(Args::command())
        .render(&mut page)
        .unwrap();
    check("man/elbship.1", &page);
    for sub in Args::command().get_subcommands() {
        let name = format!("elbship-{}", sub.get_name());
        let mut page = Vec::new();
        clap_mangen::Man::new(sub.clone().name(&*String::leak(name.clone())))
            .render(&mut page)
            .unwrap();
        check(&format!("man/{name}.1"), &page);
    }
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
