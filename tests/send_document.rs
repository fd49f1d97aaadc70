//! Send Document in a run: what a run says when MESH cannot be reached as configured (the suite and the kill
//! matrix run the `@send-document` tests themselves).

mod common;

use std::path::PathBuf;

use gpc_assure::mesh::sandbox::Sandbox;
use gpc_assure::runner::{self, RunError, Target};

/// The sandbox's Python: `GPC_MESH_SANDBOX_PYTHON`, else the checkout's `.venv-mesh`.
fn python() -> PathBuf {
    std::env::var_os("GPC_MESH_SANDBOX_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-mesh/bin/python"))
}

async fn run_against(sb: &Sandbox, password: &str, shared_key: &str, case: &str) -> RunError {
    let (pw_env, key_env) = (
        format!("GPC_TEST_SD_PASSWORD_{case}"),
        format!("GPC_TEST_SD_KEY_{case}"),
    );
    std::env::set_var(&pw_env, password);
    std::env::set_var(&key_env, shared_key);
    let mut opts = common::options(Target::Embedded(Default::default()), case);
    opts.tags = Some("@send-document".into());
    let sd = &mut opts.config.send_document;
    sd.mesh_url = Some(sb.base_url.clone());
    sd.mailbox = Some("X26ABC1".into());
    sd.password_env = pw_env;
    sd.shared_key_env = key_env;
    match runner::run(opts).await {
        Ok(s) => panic!("the run went ahead: {} tests", s.outcomes.len()),
        Err(e) => e,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_mesh_password_or_shared_key_stops_the_run_with_one_sentence() {
    let logs = common::temp_dir("sd-credentials");
    let sb = Sandbox::start(&python(), &logs)
        .await
        .expect("the sandbox starts");
    for (case, password, key) in [
        ("password", "not-the-password", sb.shared_key.clone()),
        ("key", "password", "not-the-shared-key".to_string()),
    ] {
        let e = run_against(&sb, password, &key, case).await;
        let text = e.to_string();
        assert!(matches!(e, RunError::SendDocument(_)), "{case}: {e:?}");
        assert!(
            text.contains("refused the credentials of mailbox X26ABC1")
                && text.contains("password")
                && text.contains("shared key"),
            "{case}: {text}"
        );
        assert!(!text.contains('\n'), "{case}: one sentence, got {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_sandbox_a_send_document_run_says_how_to_install_it() {
    let mut opts = common::options(Target::Embedded(Default::default()), "sd-no-sandbox");
    opts.tags = Some("@send-document".into());
    opts.config.send_document.sandbox_python =
        Some(PathBuf::from("/nonexistent/.venv-mesh/bin/python"));
    let e = runner::run(opts).await.expect_err("nothing can run");
    let text = e.to_string();
    assert!(matches!(e, RunError::SendDocumentUnavailable(_)), "{e:?}");
    assert!(
        text.contains("@send-document tests selected cannot run")
            && text.contains("pip install mesh-sandbox==")
            && text.contains("GPC_MESH_SANDBOX_PYTHON"),
        "{text}"
    );
}
