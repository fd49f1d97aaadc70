//! The copy of a run's configuration kept in its report folder (`config.yaml`), with secrets redacted: the
//! values of keys that name a password, secret, token, passphrase, shared key, credential or authorization
//! (not the `*_env` keys, which name environment variables), PEM private keys, and the password of a URL's
//! user information. Paths (a client key's file name) stay: the file itself is never copied.

use std::path::Path;

use serde_yaml_ng::Value;

const SECRET_WORDS: [&str; 9] = [
    "password",
    "passwd",
    "secret",
    "token",
    "passphrase",
    "shared_key",
    "credential",
    "authorization",
    "api_key",
];

const REDACTED: &str = "<redacted>";

fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace('-', "_");
    !k.ends_with("_env") && SECRET_WORDS.iter().any(|w| k.contains(w))
}

/// `scheme://user:password@host/...` with the password replaced.
fn without_url_password(s: &str) -> Option<String> {
    let (scheme, rest) = s.split_once("://")?;
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (userinfo, host) = rest[..authority_end].rsplit_once('@')?;
    let (user, _) = userinfo.split_once(':')?;
    Some(format!(
        "{scheme}://{user}:{REDACTED}@{host}{}",
        &rest[authority_end..]
    ))
}

fn redact(value: &mut Value) {
    match value {
        Value::Mapping(map) => {
            for (k, v) in map.iter_mut() {
                if k.as_str().is_some_and(is_secret_key) && !v.is_null() {
                    *v = Value::String(REDACTED.into());
                } else {
                    redact(v);
                }
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(redact),
        Value::String(s) => {
            if s.contains("PRIVATE KEY") {
                *s = REDACTED.into();
            } else if let Some(clean) = without_url_password(s) {
                *s = clean;
            }
        }
        Value::Tagged(t) => redact(&mut t.value),
        _ => {}
    }
}

/// The YAML text with its secrets redacted.
pub fn redacted(text: &str) -> String {
    match serde_yaml_ng::from_str::<Value>(text) {
        Ok(mut v) => {
            redact(&mut v);
            serde_yaml_ng::to_string(&v)
                .unwrap_or_else(|e| format!("# the configuration could not be copied: {e}\n"))
        }
        Err(e) => format!("# the configuration could not be re-read, so it is not copied: {e}\n"),
    }
}

/// Writes `report_dir/config.yaml`: the config file `source` redacted, or a note that the defaults were used.
pub fn write(report_dir: &Path, source: Option<&Path>) -> std::io::Result<()> {
    let text = match source {
        Some(path) => format!(
            "# The configuration of this run, from {}, with secrets redacted by gpc-assure.\n{}",
            path.display(),
            redacted(&std::fs::read_to_string(path)?)
        ),
        None => "# This run used the built-in defaults (no --config).\n{}\n".to_string(),
    };
    std::fs::write(report_dir.join(super::pack::CONFIG_FILE), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_the_rest_kept() {
        let text = "\
provider_asid: '918999198738'
http_proxy: http://me:hunter2@proxy.example:3128/
tls:
  default:
    client_key: /etc/keys/client.key
send_document:
  password_env: MESH_PASSWORD
  password: hunter2
  shared_key: BackBone
consumer:
  http:
    headers:
      Authorization: Bearer abc.def.ghi
inline: |
  -----BEGIN PRIVATE KEY-----
  MIIE
";
        let out = redacted(text);
        for secret in ["hunter2", "BackBone", "abc.def", "MIIE"] {
            assert!(!out.contains(secret), "{secret} left in:\n{out}");
        }
        for kept in [
            "MESH_PASSWORD",
            "/etc/keys/client.key",
            "918999198738",
            "proxy.example:3128",
        ] {
            assert!(out.contains(kept), "{kept} lost:\n{out}");
        }
    }
}
