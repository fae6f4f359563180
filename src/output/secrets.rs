//! The sink's credentials read at start from AWS Secrets Manager or SSM Parameter Store, so a
//! function's configuration (or a shell's history) holds only where the secret is, never the
//! secret: `ELBSHIP_API_KEY_ARN`, `ELBSHIP_USER_ARN`, `ELBSHIP_PASSWORD_ARN`.
//!
//! The ARN is parsed here (pure); [`fetch`] asks the service named by it, in the ARN's region,
//! with the default credential chain (in Lambda, the function's role). Values are read once
//! per process: a Lambda execution environment keeps them for its life, as the AWS
//! Parameters and Secrets extension's cache would, without the layer.

use std::fmt;
use std::time::Duration;

/// Where one credential is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// The ARN as given (sent to the service as the secret's or parameter's id).
    pub arn: String,
    pub service: Service,
    pub region: String,
    /// Secrets Manager: the field of a JSON secret (`arn:…:secret:NAME-AbCdEf:password`).
    pub json_key: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    SecretsManager,
    Ssm,
}

/// Never the value, only where it is.
impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

const FORMS: &str = "arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME[:JSON-KEY] or \
                     arn:aws:ssm:REGION:ACCOUNT:parameter/NAME";

impl SecretRef {
    /// `arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME[:JSON-KEY]` (the key picks a
    /// field of a JSON secret, as the Elastic Serverless Forwarder's ARNs do) or
    /// `arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME` (SecureString parameters are
    /// decrypted; a `:VERSION` or `:LABEL` selector is passed on).
    pub fn parse(arn: &str) -> Result<SecretRef, String> {
        let bad = || format!("{arn:?} is not an ARN of a secret or parameter ({FORMS})");
        let parts: Vec<&str> = arn.split(':').collect();
        if parts.len() < 6 || parts[0] != "arn" || parts[1].is_empty() || parts[3].is_empty() {
            return Err(bad());
        }
        let region = parts[3].to_string();
        match parts[2] {
            "secretsmanager" => {
                let (7 | 8) = parts.len() else {
                    return Err(bad());
                };
                if parts[5] != "secret" || parts[6].is_empty() {
                    return Err(bad());
                }
                let json_key = parts.get(7).map(|k| k.to_string());
                if json_key.as_deref() == Some("") {
                    return Err(bad());
                }
                // the service takes the ARN without the key
                let arn = parts[..7].join(":");
                Ok(SecretRef {
                    arn,
                    service: Service::SecretsManager,
                    region,
                    json_key,
                })
            }
            "ssm" => {
                let name = parts[5].strip_prefix("parameter/").unwrap_or("");
                if name.is_empty() || parts.len() > 7 {
                    return Err(bad());
                }
                Ok(SecretRef {
                    arn: arn.to_string(),
                    service: Service::Ssm,
                    region,
                    json_key: None,
                })
            }
            _ => Err(bad()),
        }
    }
}

impl Service {
    /// For messages: the service's name, what it stores, and the permission to read it.
    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Service::SecretsManager => {
                ("Secrets Manager", "secret", "secretsmanager:GetSecretValue")
            }
            Service::Ssm => ("SSM", "parameter", "ssm:GetParameter"),
        }
    }
}

/// The value a secret's text stands for: the whole text, trimmed, or the string field
/// `json_key` of a JSON object. The error never shows the text.
pub fn pick(text: &str, json_key: Option<&str>) -> Result<String, String> {
    let value = match json_key {
        None => {
            // the usual mistake: a JSON secret named without its field would send the whole
            // object as the credential; say which fields there are (names, never values)
            if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(text) {
                let names: Vec<&str> = fields.keys().map(String::as_str).collect();
                return Err(format!(
                    "is a JSON object: name the field after the ARN, ARN:FIELD (its fields: {})",
                    names.join(", ")
                ));
            }
            text.trim().to_string()
        }
        Some(key) => {
            let object: serde_json::Value = serde_json::from_str(text)
                .map_err(|_| format!("is not a JSON object, so it has no field {key:?}"))?;
            match object.get(key) {
                Some(serde_json::Value::String(s)) => s.trim().to_string(),
                Some(_) => return Err(format!("has a field {key:?} that is not a string")),
                None => return Err(format!("has no field {key:?}")),
            }
        }
    };
    if value.is_empty() {
        return Err("is empty".into());
    }
    // a line break would end the Authorization header early (or be refused by every request)
    if value.chars().any(char::is_control) {
        return Err(
            "holds a line break or another control character: a credential is one line".into(),
        );
    }
    Ok(value)
}

/// Reads every one of `refs` (in order), each from its own region's service. One line per
/// failure, naming the ARN and what to do; values never appear in it.
pub fn fetch(refs: &[&SecretRef]) -> Result<Vec<String>, String> {
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the AWS client: {e}"))?;
    runtime.block_on(async {
        let mut values = Vec::with_capacity(refs.len());
        for r in refs {
            let text = read(r)
                .await
                .map_err(|why| format!("cannot read {}: {why}", r.arn))?;
            let value = pick(&text, r.json_key.as_deref())
                .map_err(|why| format!("the secret {} {why}", r.arn))?;
            values.push(value);
        }
        Ok(values)
    })
}

/// The longest wait for one secret, retries included.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(8);

async fn read(r: &SecretRef) -> Result<String, String> {
    use aws_config::{BehaviorVersion, Region};
    // the SDK sets no timeout on an answer: a service that accepts and never answers would
    // hang the start for ever; 8 s in all also fits Lambda's 10 s init phase
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let shared = aws_config::defaults(BehaviorVersion::latest())
        .http_client(crate::input::s3::sdk_http_client())
        .region(Region::new(r.region.clone()))
        .timeout_config(timeouts)
        .load()
        .await;
    let explain = |e: &dyn std::error::Error, not_found: bool| {
        explain(r, &crate::input::s3::chain(e), not_found)
    };
    match r.service {
        Service::SecretsManager => {
            let client = aws_sdk_secretsmanager::Client::new(&shared);
            let answer = client.get_secret_value().secret_id(&r.arn).send().await;
            let answer = answer.map_err(|e| {
                let not_found = e
                    .as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception());
                explain(&e, not_found)
            })?;
            match answer.secret_string {
                Some(text) => Ok(text),
                None => Err("it holds binary data; store the credential as a string".into()),
            }
        }
        Service::Ssm => {
            let client = aws_sdk_ssm::Client::new(&shared);
            let answer = client
                .get_parameter()
                .name(&r.arn)
                .with_decryption(true)
                .send()
                .await;
            let answer = answer.map_err(|e| {
                let not_found = e
                    .as_service_error()
                    .is_some_and(|s| s.is_parameter_not_found());
                explain(&e, not_found)
            })?;
            answer
                .parameter
                .and_then(|p| p.value)
                .ok_or_else(|| "the answer held no value".into())
        }
    }
}

/// Why a secret could not be read, from the SDK error's `chain`, as one line a user can act
/// on (the service's answer names no value).
fn explain(r: &SecretRef, chain: &str, not_found: bool) -> String {
    let (service, kind, permission) = r.service.names();
    let lower = chain.to_ascii_lowercase();
    if not_found {
        format!("no such {kind} in {}", r.region)
    } else if lower.contains("accessdenied") || lower.contains("access denied") {
        format!(
            "access denied: allow {permission} on it to the role that runs elbship (and \
             kms:Decrypt on its key if it is a customer-managed one)"
        )
    } else if lower.contains("timeout") || lower.contains("timed out") {
        format!(
            "no answer within {} s from {service} in {}",
            OPERATION_TIMEOUT.as_secs(),
            r.region
        )
    } else if lower.contains("no credentials found in chain") {
        "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID (in Lambda, the \
         function's role provides them)"
            .into()
    } else if lower.starts_with("dispatch failure") {
        // the innermost message is the operating system's reason
        let first = chain.lines().next().unwrap_or(chain);
        let reason = first.rsplit(": ").next().unwrap_or(first);
        format!("cannot reach {service} in {}: {reason}", r.region)
    } else {
        chain.lines().next().unwrap_or(chain).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_manager_arns_with_and_without_a_json_key() {
        let r = SecretRef::parse("arn:aws:secretsmanager:eu-west-1:123456789012:secret:es-AbCdEf")
            .unwrap();
        assert_eq!(r.service, Service::SecretsManager);
        assert_eq!(r.region, "eu-west-1");
        assert_eq!(r.json_key, None);
        assert_eq!(
            r.arn,
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:es-AbCdEf"
        );
        let r = SecretRef::parse(
            "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:es-AbCdEf:password",
        )
        .unwrap();
        assert_eq!(r.json_key.as_deref(), Some("password"));
        assert_eq!(
            r.arn,
            "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:es-AbCdEf"
        );
    }

    #[test]
    fn ssm_parameter_arns_keep_their_path_and_selector() {
        let r =
            SecretRef::parse("arn:aws:ssm:us-east-1:123456789012:parameter/elb/es/key:3").unwrap();
        assert_eq!(r.service, Service::Ssm);
        assert_eq!(
            r.arn,
            "arn:aws:ssm:us-east-1:123456789012:parameter/elb/es/key:3"
        );
        assert!(SecretRef::parse("arn:aws:ssm:us-east-1:123456789012:parameter/k").is_ok());
    }

    #[test]
    fn anything_else_is_refused_with_the_forms_that_work() {
        for bad in [
            "",
            "my-secret",
            "arn:aws:s3:::bucket",
            "arn:aws:secretsmanager::123:secret:x",
            "arn:aws:secretsmanager:eu-west-1:123:secret:",
            "arn:aws:secretsmanager:eu-west-1:123:secret:x:",
            "arn:aws:secretsmanager:eu-west-1:123:secret:x:k:extra",
            "arn:aws:secretsmanager:eu-west-1:123:key:x",
            "arn:aws:ssm:eu-west-1:123:document/x",
            "arn:aws:ssm:eu-west-1:123:parameter/",
        ] {
            let e = SecretRef::parse(bad).unwrap_err();
            assert!(
                e.contains("arn:aws:ssm:REGION:ACCOUNT:parameter/NAME"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn errors_name_the_service_and_what_to_do() {
        let r = SecretRef::parse("arn:aws:ssm:eu-west-1:123456789012:parameter/k").unwrap();
        let unreachable = "dispatch failure: io error: error trying to connect: tcp connect \
                           error: Connection refused (os error 111)";
        assert_eq!(
            explain(&r, unreachable, false),
            "cannot reach SSM in eu-west-1: Connection refused (os error 111)"
        );
        let e = explain(
            &r,
            "failed to construct request: no credentials found in chain",
            false,
        );
        assert!(e.starts_with("no AWS credentials found"), "{e}");
        assert!(!e.contains("--no-sign-request"), "{e}");
        let e = explain(
            &r,
            "service error: AccessDeniedException: User is not authorized",
            false,
        );
        assert!(e.contains("allow ssm:GetParameter on it"), "{e}");
        assert_eq!(
            explain(&r, "ParameterNotFound", true),
            "no such parameter in eu-west-1"
        );
    }

    #[test]
    fn a_value_is_the_trimmed_text_or_a_string_field_and_errors_never_show_it() {
        assert_eq!(pick("s3cr3t\n", None).unwrap(), "s3cr3t");
        let json = r#"{"username":"elastic","password":"p4ss"}"#;
        assert_eq!(pick(json, Some("password")).unwrap(), "p4ss");
        for (text, key) in [
            (json, Some("api_key")),
            (r#"{"password":7}"#, Some("password")),
            ("p4ss", Some("password")),
            ("  \n", None),
            (r#"{"password":""}"#, Some("password")),
            (json, None),
            ("p4ss\nelastic", None),
            ("{\"password\":\"p4ss\\r\\nX-Evil: 1\"}", Some("password")),
        ] {
            let e = pick(text, key).unwrap_err();
            assert!(!e.contains("p4ss") && !e.contains("elastic"), "{e}");
            assert!(!e.contains("X-Evil"), "{e}");
        }
        let e = pick(json, None).unwrap_err();
        assert!(
            e.contains("ARN:FIELD") && e.contains("password") && e.contains("username"),
            "{e}"
        );
    }
}
