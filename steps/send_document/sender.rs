//! Consumer direction: the sending system under test is made to send a consultation report; the harness, as the
//! patient's registered practice, judges the MESH metadata (`senddocument_fedcon_mesh`), the ITK3 message
//! (`itk::inbound` rules, the ITK profiles) and the PDF, answers with acknowledgements and watches MESH show the
//! sender collect them.

use cucumber::{then, when};
use serde_json::Value;

use crate::itk::inbound::{self, Inbound};
use crate::itk::response::{self, Ack};
use crate::send_document::{report_patient, routing_address, Delivery};
use crate::steps::world::GpcWorld;

type Step = Result<(), String>;

impl GpcWorld {
    /// The report patient the scenario holds (its logical name).
    fn held_patient(&self) -> Result<String, String> {
        self.send_document
            .claim
            .as_ref()
            .map(|c| c.logical.clone())
            .ok_or_else(|| "the scenario holds no report patient".to_string())
    }

    /// Makes the sender send a report about the held patient and waits for it to arrive.
    async fn sender_sends(&mut self, replaces: Option<String>) -> Step {
        let harness = self.send_document()?;
        if self.send_document.claim.is_none() {
            self.send_document.claim = Some(harness.claim_patient().await?);
        }
        let p = report_patient(&self.ctx.config, &self.held_patient()?)?;
        let mark = harness.postbox.mark();
        harness.trigger(&p, replaces.as_deref()).await?;
        let address = routing_address(&p);
        let emulated = harness.emulated_routing;
        // On the sandbox the routing address is a mailbox of its own; on MESH the report is told by its patient.
        let delivery = harness
            .postbox
            .wait(harness.wait, |d: &Delivery| {
                d.seq >= mark
                    && if emulated {
                        d.mailbox.eq_ignore_ascii_case(&address)
                    } else {
                        d.received.metadata.workflow_id.as_deref() != Some(crate::itk::WORKFLOW_ACK)
                            && self.read_payload(&d.received.body).is_ok_and(|m| {
                                inbound::inspect(&m).nhs_number.as_deref()
                                    == Some(p.nhs_number.as_str())
                            })
                    }
            })
            .await
            .map_err(|mesh| {
                format!(
                    "no report for {} arrived at {} within {} s{}",
                    p.nhs_number,
                    if emulated {
                        address.clone()
                    } else {
                        harness.mesh.mailbox().to_string()
                    },
                    harness.wait.as_secs(),
                    mesh.map(|e| format!(" (MESH: {e})")).unwrap_or_default()
                )
            })?;
        let message = self.read_payload(&delivery.received.body)?;
        let checked = inbound::inspect(&message);
        self.record_delivery(&delivery, &message);
        self.send_document
            .reports
            .push((delivery, message, checked));
        Ok(())
    }

    fn last_report(&self) -> Result<&(Delivery, Value, Inbound), String> {
        self.send_document
            .reports
            .last()
            .ok_or_else(|| "no report of the sender arrived in this scenario".to_string())
    }
}

/// A MESH header of the report against what it must say.
fn expect_header(header: &str, got: Option<&String>, expected: &str, what: &str) -> Step {
    let got = got.map_or("(absent)", String::as_str);
    if got == expected {
        Ok(())
    } else {
        Err(format!(
            "{header}: expected {what}`{expected}`, got `{got}`"
        ))
    }
}

fn organization<'a>(message: &'a Value, reference: Option<&str>) -> Option<&'a Value> {
    let reference = reference?;
    let find = |entries: &'a Value| {
        entries
            .as_array()?
            .iter()
            .find(|e| e["fullUrl"].as_str() == Some(reference))
            .map(|e| &e["resource"])
    };
    find(&message["entry"]).or_else(|| find(&message["entry"][2]["resource"]["entry"]))
}

fn ods(org: Option<&Value>) -> Option<String> {
    org?["identifier"]
        .as_array()?
        .iter()
        .find(|i| i["system"] == crate::itk::system::ODS_ORGANIZATION)
        .and_then(|i| i["value"].as_str())
        .map(String::from)
}

#[when("the sender sends a consultation report")]
async fn sends(w: &mut GpcWorld) -> Step {
    w.sender_sends(None).await
}

#[when("the sender sends a replacement of that report")]
async fn sends_replacement(w: &mut GpcWorld) -> Step {
    let (_, _, first) = w.last_report()?;
    let document = first
        .document_id
        .clone()
        .ok_or("the first report has no document identifier to replace")?;
    w.sender_sends(Some(document)).await
}

#[then(expr = "the report breaks no rule {string}")]
fn no_rule(w: &mut GpcWorld, rule: String) -> Step {
    let (_, _, checked) = w.last_report()?;
    match checked.findings.iter().find(|f| f.rule == rule) {
        Some(f) => Err(format!("[{rule}] {}", f.message)),
        None => Ok(()),
    }
}

#[then(expr = "the report comes on MESH workflow {string}")]
fn workflow(w: &mut GpcWorld, expected: String) -> Step {
    let (d, _, _) = w.last_report()?;
    expect_header(
        "Mex-WorkflowID",
        d.received.metadata.workflow_id.as_ref(),
        &expected,
        "",
    )
}

#[then("the report's MESH subject is the Composition's text with its version")]
fn subject(w: &mut GpcWorld) -> Step {
    let (d, message, checked) = w.last_report()?;
    let p = report_patient(&w.ctx.config, &w.held_patient()?)?;
    let composition = message["entry"][2]["resource"]["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "Composition");
    let custodian = organization(
        message,
        composition
            .and_then(|c| c.pointer("/custodian/reference"))
            .and_then(Value::as_str),
    );
    let expected = format!(
        "Consultation report for {} {}, NHS Number {}, seen at {}, ODS Code {}, Version {}",
        p.given,
        p.family,
        p.nhs_number,
        custodian
            .and_then(|o| o["name"].as_str())
            .unwrap_or("(no custodian name)"),
        ods(custodian).unwrap_or_else(|| "(no custodian ODS code)".into()),
        checked
            .version
            .map_or("(no version in the Composition text)".into(), |v| v
                .to_string())
    );
    expect_header(
        "Mex-Subject",
        d.received.metadata.subject.as_ref(),
        &expected,
        "",
    )
}

#[then("the report's MESH local id is the sender's ODS code")]
fn local_id(w: &mut GpcWorld) -> Step {
    let (d, message, _) = w.last_report()?;
    let sender = organization(
        message,
        message
            .pointer("/entry/0/resource/sender/reference")
            .and_then(Value::as_str),
    );
    let expected =
        ods(sender).ok_or("MessageHeader.sender names no Organization with an ODS code")?;
    expect_header(
        "Mex-LocalID",
        d.received.metadata.local_id.as_ref(),
        &expected,
        "the sender's ODS code ",
    )
}

#[then("the report's source endpoint is the mailbox it came from")]
fn source(w: &mut GpcWorld) -> Step {
    let harness = w.send_document()?;
    let (d, _, checked) = w.last_report()?;
    let from = d.received.metadata.from.clone().unwrap_or_default();
    let source = checked
        .sender_mailbox
        .clone()
        .unwrap_or_else(|| "(absent)".into());
    if !source.eq_ignore_ascii_case(&from) {
        return Err(format!(
            "MessageHeader.source.endpoint: expected the sending mailbox `{from}`, got `{source}`"
        ));
    }
    match &harness.sender_mailbox {
        Some(m) if !m.eq_ignore_ascii_case(&from) => Err(format!(
            "Mex-From: expected the sender's mailbox `{m}` (send_document.sender_mailbox), got `{from}`"
        )),
        _ => Ok(()),
    }
}

#[then("the report is addressed to the patient's registered practice")]
fn addressed(w: &mut GpcWorld) -> Step {
    let harness = w.send_document()?;
    let (d, _, _) = w.last_report()?;
    let p = report_patient(&w.ctx.config, &w.held_patient()?)?;
    let expected = routing_address(&p);
    let got = d
        .received
        .metadata
        .to
        .clone()
        .unwrap_or_else(|| "(absent)".into());
    // On real MESH the recipient is resolved to the practice's mailbox; only the sandbox keeps the address.
    if !harness.emulated_routing || got.eq_ignore_ascii_case(&expected) {
        Ok(())
    } else {
        Err(format!(
            "Mex-To: expected the routing address `{expected}`, got `{got}`"
        ))
    }
}

#[then("the report is valid against the ITK profiles")]
fn valid(w: &mut GpcWorld) -> Step {
    let message = w.last_report()?.1.clone();
    let errors = w.itk_errors(&message)?;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the report breaks its profiles:\n{}",
            errors.join("\n")
        ))
    }
}

#[then("the report's PDF has at least one page")]
fn pages(w: &mut GpcWorld) -> Step {
    let (_, _, checked) = w.last_report()?;
    match checked.pages {
        Some(n) if n >= 1 => Ok(()),
        _ => Err(format!(
            "Binary.content: expected a PDF with at least one page, got {}",
            checked
                .findings
                .iter()
                .find(|f| f.rule.starts_with("itk-binary"))
                .map_or("no readable PDF".to_string(), |f| f.message.clone())
        )),
    }
}

#[then("the replacement replaces the first report's document")]
fn replaces(w: &mut GpcWorld) -> Step {
    let reports = &w.send_document.reports;
    let [.., (_, _, first), (_, _, second)] = reports.as_slice() else {
        return Err("two reports are needed".into());
    };
    if second.replaces.is_some() && second.replaces == first.document_id {
        Ok(())
    } else {
        Err(format!(
            "Composition.relatesTo (replaces): expected the first report's document `{}`, got `{}`",
            first.document_id.clone().unwrap_or_default(),
            second.replaces.clone().unwrap_or_else(|| "(absent)".into())
        ))
    }
}

#[then("the replacement's version is one more than the first report's")]
fn version(w: &mut GpcWorld) -> Step {
    let reports = &w.send_document.reports;
    let [.., (_, _, first), (d, _, second)] = reports.as_slice() else {
        return Err("two reports are needed".into());
    };
    let expected = first.version.map(|v| v + 1);
    if second.version.is_none() || second.version != expected {
        return Err(format!(
            "Composition.text version: expected {}, got {}",
            expected.map_or("(none)".into(), |v| v.to_string()),
            second.version.map_or("(none)".into(), |v| v.to_string())
        ));
    }
    let subject = d.received.metadata.subject.clone().unwrap_or_default();
    let v = expected.unwrap_or_default();
    if subject.ends_with(&format!("Version {v}")) {
        Ok(())
    } else {
        Err(format!(
            "Mex-Subject: expected it to end with `Version {v}`, got `{subject}`"
        ))
    }
}

#[when(expr = "I answer the report with acknowledgement {string}")]
async fn answer(w: &mut GpcWorld, code: String) -> Step {
    let harness = w.send_document()?;
    let (d, _, checked) = w.last_report()?.clone();
    let code =
        response::response_code(&code).ok_or_else(|| format!("`{code}` is no response code"))?;
    let ack = Ack {
        code,
        display: harness.displays.get(code.code).cloned().unwrap_or_default(),
        original_header_id: checked.header_id.clone().unwrap_or_default(),
        sender_reference: checked.sender_reference.clone().unwrap_or_default(),
        responder_mailbox: harness.mesh.mailbox().to_string(),
        responder_ods: crate::send_document::HARNESS_ODS.into(),
        timestamp: w.ctx.clock.now(),
        diagnostics: None,
    };
    let bundle = response::build(&ack, &uuid::Uuid::new_v4().to_string());
    let to = d
        .received
        .metadata
        .from
        .clone()
        .ok_or("the report's MESH metadata has no sender mailbox to answer")?;
    let outgoing = crate::mesh::Outgoing {
        to,
        workflow_id: crate::itk::WORKFLOW_ACK.into(),
        subject: Some(format!("ITK response {}", code.code)),
        local_id: Some(crate::send_document::HARNESS_ODS.into()),
        file_name: Some(format!("response-{}.json", code.code)),
        content_type: Some("application/fhir+json".into()),
        body: bundle.to_string().into_bytes(),
        compress: true,
    };
    let id = harness.send(&outgoing).await?;
    let mesh = serde_json::json!({ "message_id": id, "to": outgoing.to,
        "workflow_id": outgoing.workflow_id, "subject": outgoing.subject });
    w.record_message("sent", &mesh, &bundle);
    w.send_document.answered = Some(id);
    Ok(())
}

#[then("MESH shows the sender collect the acknowledgement")]
async fn sender_collects(w: &mut GpcWorld) -> Step {
    let harness = w.send_document()?;
    let id = w
        .send_document
        .answered
        .clone()
        .ok_or("no acknowledgement was sent")?;
    harness
        .wait_collected(&id, "acknowledgement", "sender")
        .await
}
