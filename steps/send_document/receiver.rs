//! Provider direction: the harness sends consultation reports to the receiving system under test and judges the
//! ITK3 acknowledgements that come back to its mailbox (`senddoc_requirements.yml` GPCM-SD-CS-054..059, the ITK3
//! integration page; MESH workflow `GPFED_CONSULT_REPORT_ACK`).

use cucumber::{given, then, when};
use serde_json::Value;

use super::SentReport;
use crate::itk::response::{self, AckKind, AckView};
use crate::send_document::{report_patient, routing_address, Delivery, HARNESS_ODS};
use crate::steps::world::GpcWorld;

type Step = Result<(), String>;

/// An acknowledgement the harness received for its report.
struct Received {
    delivery: Delivery,
    bundle: Value,
    view: AckView,
}

/// The SenderReference of a message's MessageHandling extension.
fn sender_reference_of(bundle: &Value) -> Option<String> {
    bundle
        .pointer("/entry/0/resource/extension/0/extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|e| e["url"] == "SenderReference")
        .and_then(|e| e["valueString"].as_str())
        .map(String::from)
}

impl GpcWorld {
    fn sent_report(&self) -> Result<&SentReport, String> {
        self.send_document
            .sent
            .as_ref()
            .ok_or_else(|| "no report was sent in this scenario".to_string())
    }

    /// Whether a delivery answers the report: its `response.identifier` names the report's MessageHeader, or it
    /// carries the report's SenderReference.
    fn answers(&self, d: &Delivery, sent: &SentReport) -> Option<(Value, AckView)> {
        let bundle = self.read_payload(&d.received.body).ok()?;
        let view = response::read(&bundle).ok()?;
        (view.answers == sent.header_id
            || sender_reference_of(&bundle).as_deref() == Some(&sent.sender_reference))
        .then_some((bundle, view))
    }

    /// Waits for the acknowledgement of `kind` answering the report.
    async fn ack_of(&self, kind: AckKind) -> Result<Received, String> {
        let harness = self.send_document()?;
        let sent = self.sent_report()?.clone();
        let found = harness
            .postbox
            .wait(harness.wait, |d| {
                self.answers(d, &sent)
                    .is_some_and(|(_, v)| v.kind == Some(kind))
            })
            .await;
        let what = match kind {
            AckKind::Infrastructure => "infrastructure",
            AckKind::Business => "business",
        };
        match found {
            Ok(delivery) => {
                let (bundle, view) = self
                    .answers(&delivery, &sent)
                    .ok_or("the acknowledgement could not be read again")?;
                Ok(Received {
                    delivery,
                    bundle,
                    view,
                })
            }
            Err(mesh) => Err(format!(
                "no {what} acknowledgement answering MessageHeader {} arrived in mailbox {} within {} s{}",
                sent.header_id,
                harness.mesh.mailbox(),
                harness.wait.as_secs(),
                mesh.map(|e| format!(" (MESH: {e})")).unwrap_or_default()
            )),
        }
    }

    /// The acknowledgement of `kind`, kept as evidence.
    async fn ack(&mut self, kind: AckKind) -> Result<Received, String> {
        let ack = self.ack_of(kind).await?;
        self.record_delivery(&ack.delivery, &ack.bundle);
        Ok(ack)
    }

    /// Both acknowledgements of the report, kept as evidence.
    async fn both_acks(&mut self) -> Result<Vec<Received>, String> {
        Ok(vec![
            self.ack(AckKind::Infrastructure).await?,
            self.ack(AckKind::Business).await?,
        ])
    }

    fn report_mut(&mut self) -> Result<&mut crate::itk::message::Report, String> {
        self.send_document
            .report
            .as_mut()
            .ok_or_else(|| "no report was built in this scenario".to_string())
    }

    fn new_report(&mut self, patient: &str) -> Step {
        let harness = self.send_document()?;
        let mut report = crate::itk::sample::report(harness.mesh.mailbox(), self.ctx.clock.now());
        report.organization.ods_code = HARNESS_ODS.into();
        report.patient = report_patient(&self.ctx.config, patient)?;
        self.send_document.report = Some(report);
        Ok(())
    }

    async fn send_report(&mut self) -> Step {
        let harness = self.send_document()?;
        let report = self
            .send_document
            .report
            .clone()
            .ok_or("no report was built in this scenario")?;
        let message_id = uuid::Uuid::new_v4().to_string();
        let mut bundle = crate::itk::message::build(&report, &message_id);
        if let Some(rule) = &self.send_document.breaks {
            if !crate::itk::mutation::apply(rule, &mut bundle) {
                return Err(format!("no breakage of rule `{rule}`"));
            }
        }
        let header_id = bundle
            .pointer("/entry/0/resource/id")
            .or_else(|| bundle.pointer("/entry/1/resource/id"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let xml = crate::fhir::xml::json_to_xml(&bundle).map_err(|e| e.to_string())?;
        let to = harness
            .receiver_mailbox
            .clone()
            .unwrap_or_else(|| routing_address(&report.patient));
        let outgoing = report.mesh_message(&to, xml.into_bytes(), "application/fhir+xml");
        let mesh_id = harness.send(&outgoing).await?;
        let mesh = serde_json::json!({ "message_id": mesh_id, "to": outgoing.to,
            "workflow_id": outgoing.workflow_id, "subject": outgoing.subject, "local_id": outgoing.local_id });
        self.record_message("sent", &mesh, &bundle);
        self.send_document.sent = Some(SentReport {
            bundle,
            header_id,
            sender_reference: report.encounter_id.clone(),
            mesh_id,
        });
        Ok(())
    }
}

#[given(expr = "a consultation report for {string}")]
fn report_for(w: &mut GpcWorld, patient: String) -> Step {
    w.new_report(&patient)
}

#[given(expr = "the report breaks rule {string}")]
fn breaks(w: &mut GpcWorld, rule: String) -> Step {
    if !crate::itk::mutation::RULES.contains(&rule.as_str()) {
        return Err(format!("`{rule}` is no rule of the inbound checks"));
    }
    w.send_document.breaks = Some(rule);
    Ok(())
}

#[given("the report replaces a document the receiver never had")]
fn replaces_unknown(w: &mut GpcWorld) -> Step {
    let report = w.report_mut()?;
    report.replaces = Some(uuid::Uuid::new_v4().to_string());
    report.version = 2;
    Ok(())
}

#[given(expr = "the receiver has accepted a consultation report for {string}")]
async fn accepted(w: &mut GpcWorld, patient: String) -> Step {
    w.new_report(&patient)?;
    w.send_report().await?;
    let ack = w.ack(AckKind::Infrastructure).await?;
    if ack.view.code != "20013" {
        return Err(format!(
            "the original report was answered {}, not 20013",
            ack.view.code
        ));
    }
    Ok(())
}

#[given("a replacement of that report")]
fn replacement(w: &mut GpcWorld) -> Step {
    let report = w.report_mut()?;
    report.replaces = Some(report.document_id.clone());
    report.document_id = uuid::Uuid::new_v4().to_string();
    report.encounter_id = uuid::Uuid::new_v4().to_string();
    report.version += 1;
    Ok(())
}

#[when("I send the report to the receiver")]
async fn send(w: &mut GpcWorld) -> Step {
    w.send_report().await
}

/// The acknowledgement of `kind` arrives with `code`.
async fn expect_ack_code(w: &mut GpcWorld, kind: AckKind, code: &str, what: &str) -> Step {
    let ack = w.ack(kind).await?;
    if ack.view.code == code {
        Ok(())
    } else {
        Err(format!(
            "OperationOutcome.issue.details.coding.code of the {what} acknowledgement: expected `{code}`, got `{}`",
            ack.view.code
        ))
    }
}

#[then(expr = "an infrastructure acknowledgement with code {string} arrives")]
async fn infrastructure_code(w: &mut GpcWorld, code: String) -> Step {
    expect_ack_code(w, AckKind::Infrastructure, &code, "infrastructure").await
}

#[then(expr = "a negative infrastructure acknowledgement arrives with one of the codes {string}")]
async fn negative(w: &mut GpcWorld, codes: String) -> Step {
    let ack = w.ack(AckKind::Infrastructure).await?;
    let allowed: Vec<&str> = codes.split(',').map(str::trim).collect();
    if ack.view.response == "ok" || !allowed.contains(&ack.view.code.as_str()) {
        return Err(format!(
            "the infrastructure acknowledgement: expected a negative one (`fatal-error`) with a code of {codes}, got `{}` with `{}`",
            ack.view.code, ack.view.response
        ));
    }
    Ok(())
}

#[then(expr = "a business acknowledgement with code {string} arrives")]
async fn business_code(w: &mut GpcWorld, code: String) -> Step {
    expect_ack_code(w, AckKind::Business, &code, "business").await
}

#[then("the infrastructure acknowledgement answers the report's MessageHeader")]
async fn answers_header(w: &mut GpcWorld) -> Step {
    let ack = w.ack(AckKind::Infrastructure).await?;
    let sent = w.sent_report()?;
    if ack.view.answers == sent.header_id {
        Ok(())
    } else {
        Err(format!(
            "MessageHeader.response.identifier: expected the report's MessageHeader id `{}`, got `{}`",
            sent.header_id, ack.view.answers
        ))
    }
}

#[then("both acknowledgements carry the report's SenderReference")]
async fn sender_reference(w: &mut GpcWorld) -> Step {
    let sent = w.sent_report()?.clone();
    let acks = w.both_acks().await?;
    for ack in acks {
        let got = sender_reference_of(&ack.bundle).unwrap_or_else(|| "(absent)".into());
        if got != sent.sender_reference {
            return Err(format!(
                "MessageHeader.extension(MessageHandling).SenderReference of the {} acknowledgement: expected `{}`, got `{got}`",
                ack.view.code, sent.sender_reference
            ));
        }
    }
    Ok(())
}

#[then(expr = "both acknowledgements come on MESH workflow {string}")]
async fn ack_workflow(w: &mut GpcWorld, workflow: String) -> Step {
    let acks = w.both_acks().await?;
    for ack in acks {
        let got = ack.delivery.received.metadata.workflow_id.clone();
        if got.as_deref() != Some(workflow.as_str()) {
            return Err(format!(
                "Mex-WorkflowID of the {} acknowledgement: expected `{workflow}`, got `{}`",
                ack.view.code,
                got.unwrap_or_else(|| "(absent)".into())
            ));
        }
    }
    Ok(())
}

#[then("both acknowledgements are valid against the ITK profiles")]
async fn acks_valid(w: &mut GpcWorld) -> Step {
    let acks = w.both_acks().await?;
    for ack in acks {
        let errors = w.itk_errors(&ack.bundle)?;
        if !errors.is_empty() {
            return Err(format!(
                "the {} acknowledgement breaks its profiles:\n{}",
                ack.view.code,
                errors.join("\n")
            ));
        }
    }
    Ok(())
}

#[then("both acknowledgements name the receiver's mailbox as their source")]
async fn ack_source(w: &mut GpcWorld) -> Step {
    let acks = w.both_acks().await?;
    for ack in acks {
        let from = ack
            .delivery
            .received
            .metadata
            .from
            .clone()
            .unwrap_or_default();
        let source = ack
            .bundle
            .pointer("/entry/0/resource/source/endpoint")
            .and_then(Value::as_str)
            .unwrap_or("(absent)");
        if !source.eq_ignore_ascii_case(&from) {
            return Err(format!(
                "MessageHeader.source.endpoint of the {} acknowledgement: expected the mailbox it came from `{from}`, got `{source}`",
                ack.view.code
            ));
        }
    }
    Ok(())
}

#[then("the business acknowledgement arrives after the infrastructure acknowledgement")]
async fn order(w: &mut GpcWorld) -> Step {
    let acks = w.both_acks().await?;
    let (inf, bus) = (&acks[0], &acks[1]);
    if inf.delivery.seq < bus.delivery.seq {
        Ok(())
    } else {
        Err(format!(
            "acknowledgement order: expected the infrastructure acknowledgement ({}) first, got the business acknowledgement ({}) first",
            inf.view.code, bus.view.code
        ))
    }
}

#[then("MESH shows the report collected by the receiver")]
async fn collected(w: &mut GpcWorld) -> Step {
    let harness = w.send_document()?;
    let sent = w.sent_report()?.clone();
    harness
        .wait_collected(&sent.mesh_id, "report", "receiver")
        .await
}
