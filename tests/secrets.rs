//! The sink's credentials read from AWS Secrets Manager and SSM Parameter Store (moto's
//! servers on 127.0.0.1), for the CLI and for `elbship lambda`: the header the sink sees, one
//! line naming the ARN when a secret cannot be read, and never a value on stderr.

mod common;

use std::process::Output;

use common::s3::S3Server;
use common::sink::{Api, Behaviour, Sink};
use common::{elbship, fixture, stderr};

/// `elbship fixtures/alb.log --output SINK` with `vars` set and moto as every AWS endpoint.
fn ship(moto: &S3Server, sink: &Sink, vars: &[(&str, &str)]) -> Output {
    let mut cmd = elbship();
    cmd.arg(fixture("alb.log"))
        .args(["--output", sink.url(), "--retry-initial-delay", "10ms"])
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn fixture_lines() -> usize {
    std::fs::read_to_string(fixture("alb.log"))
        .unwrap()
        .lines()
        .count()
}

fn authorization(sink: &Sink) -> Option<String> {
    sink.store(|s| {
        s.last_headers
            .iter()
            .find(|(name, _)| name == "authorization")
            .map(|(_, value)| value.clone())
    })
}

#[test]
fn an_api_key_in_a_json_secret_is_read_at_start_and_never_printed() {
    let moto = S3Server::start();
    let arn = moto.put_secret("es-credentials", r#"{"api_key":"s3cr3t-key","other":"x"}"#);
    let sink = Sink::start(Api::Bulk, Behaviour::default());
    let key_arn = format!("{arn}:api_key");
    let out = ship(&moto, &sink, &[("ELBSHIP_API_KEY_ARN", &key_arn)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(authorization(&sink).as_deref(), Some("ApiKey s3cr3t-key"));
    assert_eq!(sink.docs().len(), fixture_lines(), "every event stored");
    assert!(!err.contains("s3cr3t"), "{err}");
}

#[test]
fn basic_auth_with_the_password_in_an_ssm_securestring() {
    let moto = S3Server::start();
    let arn = moto.put_parameter("/elb/logstash/password", "p4ss");
    let sink = Sink::start(Api::Logstash, Behaviour::default());
    let out = ship(
        &moto,
        &sink,
        &[("ELBSHIP_USER", "shipper"), ("ELBSHIP_PASSWORD_ARN", &arn)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // base64("shipper:p4ss")
    assert_eq!(
        authorization(&sink).as_deref(),
        Some("Basic c2hpcHBlcjpwNHNz")
    );
    assert_eq!(sink.docs().len(), fixture_lines(), "every event stored");
}

#[test]
fn a_secret_that_cannot_be_read_is_one_line_naming_it_and_nothing_is_sent() {
    let moto = S3Server::start();
    let sink = Sink::start(Api::Bulk, Behaviour::default());
    let missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf";
    let out = ship(&moto, &sink, &[("ELBSHIP_API_KEY_ARN", missing)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "cannot read {missing}: no such secret in us-east-1"
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(
        sink.requests(),
        0,
        "nothing is sent without the credentials"
    );

    // a field the secret does not have: named, the secret's text never shown
    let arn = moto.put_secret("es", r#"{"password":"hunter2"}"#);
    let field = format!("{arn}:api_key");
    let out = ship(&moto, &sink, &[("ELBSHIP_API_KEY_ARN", &field)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("has no field \"api_key\""), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    // the same JSON secret named without a field: not sent whole as the key
    let out = ship(&moto, &sink, &[("ELBSHIP_API_KEY_ARN", &arn)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "is a JSON object: name the field after the ARN, ARN:FIELD (its fields: password)"
        ),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
    assert_eq!(sink.requests(), 0);
}

#[test]
fn a_value_and_an_arn_for_one_credential_or_a_bad_arn_is_a_usage_error() {
    let moto = S3Server::start();
    let sink = Sink::start(Api::Bulk, Behaviour::default());
    let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/k";
    let out = ship(
        &moto,
        &sink,
        &[("ELBSHIP_API_KEY", "k"), ("ELBSHIP_API_KEY_ARN", arn)],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ELBSHIP_API_KEY and ELBSHIP_API_KEY_ARN are both set"));
    let out = ship(&moto, &sink, &[("ELBSHIP_PASSWORD_ARN", "my-password")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ELBSHIP_PASSWORD_ARN: \"my-password\" is not an ARN"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sink.requests(), 0);
}

#[test]
fn a_service_that_never_answers_is_an_error_within_seconds_not_a_hang() {
    // accepts connections and reads, never answers
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().flatten() {
            held.push(stream);
        }
    });
    let sink = Sink::start(Api::Bulk, Behaviour::default());
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:es-AbCdEf";
    let started = std::time::Instant::now();
    let child = elbship()
        .arg(fixture("alb.log"))
        .args(["--output", sink.url()])
        .env("AWS_ENDPOINT_URL", &url)
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("ELBSHIP_API_KEY_ARN", arn)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = common::wait_within(child, std::time::Duration::from_secs(30));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "cannot read {arn}: no answer within 8 s from Secrets Manager"
        )),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(sink.requests(), 0);
}
