//! `man/elbship.1` and the shell completions are generated from the clap definition; these
//! tests fail when they are stale. Regenerate with `UPDATE_GENERATED=1 cargo test --test generated`.

use std::path::Path;

use clap::CommandFactory;
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
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut Args::command(), "elbship", &mut out);
        check(&format!("man/completions/{file}"), &out);
    }
}
