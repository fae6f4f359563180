//! The command line of a Lambda function: a binary named `bootstrap` is `elbship lambda`, and
//! `elbship lambda`'s flags may come from `ELBSHIP_*` variables (a function's configuration
//! is its environment). A flag given on the command line wins over its variable; a variable
//! that names no flag is an error, never ignored.

use std::ffi::OsString;

use clap::{ArgAction, CommandFactory};

use super::Args;
use crate::error::UsageError;

/// `ELBSHIP_*` variables that are not flags: the sink's credentials.
pub const NOT_FLAGS: [&str; 6] = [
    "ELBSHIP_API_KEY",
    "ELBSHIP_USER",
    "ELBSHIP_PASSWORD",
    "ELBSHIP_API_KEY_ARN",
    "ELBSHIP_USER_ARN",
    "ELBSHIP_PASSWORD_ARN",
];

/// The arguments to parse: `argv` with `lambda` after a program named `bootstrap`, and, for
/// `elbship lambda`, the flags that `vars` (the environment) set and `argv` does not.
pub fn arguments(
    mut argv: Vec<OsString>,
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Result<Vec<OsString>, UsageError> {
    let program = argv.first().map(std::path::Path::new);
    let bootstrap = program.and_then(|p| p.file_name()) == Some("bootstrap".as_ref());
    if bootstrap && argv.get(1).is_none_or(|a| a != "lambda") {
        argv.insert(1, "lambda".into());
    }
    if argv.get(1).is_none_or(|a| a != "lambda") {
        return Ok(argv);
    }
    let command = Args::command();
    let Some(lambda) = command.find_subcommand("lambda") else {
        return Ok(argv);
    };
    let mut vars: Vec<(String, String)> = vars
        .into_iter()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with("ELBSHIP_") && !NOT_FLAGS.contains(&k.as_str()))
        .collect();
    vars.sort();
    let mut added = Vec::new();
    for (name, value) in vars {
        let flag = name["ELBSHIP_".len()..]
            .to_ascii_lowercase()
            .replace('_', "-");
        let arg = lambda
            .get_arguments()
            .find(|a| a.get_long() == Some(flag.as_str()) && !a.is_hide_set())
            .ok_or_else(|| {
                UsageError(format!(
                    "{name} names no flag of elbship lambda (see elbship lambda --help)"
                ))
            })?;
        let short = arg.get_short().map(|c| format!("-{c}"));
        let long = format!("--{flag}");
        let given = argv[2..].iter().any(|a| {
            let a = a.to_string_lossy();
            a == long
                || a.starts_with(&format!("{long}="))
                || short.as_ref().is_some_and(|s| a.starts_with(s.as_str()))
        });
        if given {
            continue;
        }
        match arg.get_action() {
            ArgAction::SetTrue => match value.as_str() {
                "true" | "1" => added.push(long.into()),
                "false" | "0" | "" => {}
                _ => {
                    return Err(UsageError(format!(
                        "{name}={value:?}: a switch is true or false"
                    )))
                }
            },
            ArgAction::Append => {
                for v in value.lines().filter(|v| !v.is_empty()) {
                    added.push(format!("{long}={v}").into());
                }
            }
            _ => added.push(format!("{long}={value}").into()),
        }
    }
    // after `lambda` and before the command line's own flags
    argv.splice(2..2, added);
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(argv: &[&str], vars: &[(&str, &str)]) -> Result<Vec<String>, UsageError> {
        let vars = vars.iter().map(|(k, v)| (k.into(), v.into()));
        let out = arguments(argv.iter().map(OsString::from).collect(), vars)?;
        Ok(out.into_iter().map(|a| a.into_string().unwrap()).collect())
    }

    #[test]
    fn bootstrap_is_elbship_lambda_and_variables_are_flags() {
        let vars = [
            ("ELBSHIP_OUTPUT", "http://127.0.0.1:9/"),
            ("ELBSHIP_NO_MESSAGE", "true"),
            ("ELBSHIP_TAG", "a\nb"),
            ("ELBSHIP_API_KEY", "secret"),
            ("PATH", "/bin"),
        ];
        let out = args(&["/var/task/bootstrap"], &vars).unwrap();
        assert_eq!(
            out,
            [
                "/var/task/bootstrap",
                "lambda",
                "--no-message",
                "--output=http://127.0.0.1:9/",
                "--tag=a",
                "--tag=b"
            ]
        );
    }

    #[test]
    fn the_command_line_wins_and_other_commands_ignore_the_variables() {
        let vars = [("ELBSHIP_OUTPUT", "http://a/"), ("ELBSHIP_THREADS", "3")];
        let out = args(&["elbship", "lambda", "-o", "http://b/", "-j2"], &vars).unwrap();
        assert_eq!(out, ["elbship", "lambda", "-o", "http://b/", "-j2"]);
        let out = args(&["elbship", "x.log"], &[("ELBSHIP_NOPE", "1")]).unwrap();
        assert_eq!(out, ["elbship", "x.log"]);
    }

    #[test]
    fn a_variable_that_names_no_flag_or_a_bad_switch_is_refused() {
        let e = args(&["bootstrap"], &[("ELBSHIP_OUTPT", "x")]).unwrap_err();
        assert!(e.0.contains("ELBSHIP_OUTPT names no flag"), "{}", e.0);
        let e = args(&["bootstrap"], &[("ELBSHIP_INSECURE", "yes")]).unwrap_err();
        assert!(e.0.contains("true or false"), "{}", e.0);
    }
}
