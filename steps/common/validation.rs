//! The profile validation of the response: every resource against the profiles the catalogue gives the
//! interaction's response, with the findings kept as evidence.

use cucumber::then;

use super::Step;
use crate::spine::catalogue::Capability;
use crate::spine::headers::profile;
use crate::steps::world::GpcWorld;

#[then("the response should be valid against its profiles")]
fn valid_against_profiles(w: &mut GpcWorld) -> Step {
    let interaction = w.interaction()?;
    let validator = w.ctx.validator(interaction.capability())?;
    let resource = w.resource()?.clone();
    // The catalogue's profiles for the interaction, and the GP Connect OperationOutcome for error responses:
    // each applies to the resources of its type whether or not they claim it in meta.profile.
    let mut expected: Vec<&str> = interaction.response().profiles();
    expected.push(if interaction.capability() == Capability::Html {
        profile::DSTU2_OPERATION_OUTCOME
    } else {
        profile::OPERATION_OUTCOME
    });
    let issues = validator.validate_expecting(&resource, &expected);
    w.keep_validation(
        format!("the {} response body", interaction.name()),
        true,
        crate::validate::operation_outcome(&issues),
    );
    let errors: Vec<String> = issues
        .iter()
        .filter(|i| i.severity == crate::validate::Severity::Error)
        .map(|i| {
            format!(
                "{}: {} [{}; {}]",
                i.expression, i.message, i.rule, i.profile
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        let shown: Vec<&String> = errors.iter().take(5).collect();
        Err(format!(
            "profile validation: expected no errors, got {}: {}{}",
            errors.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            if errors.len() > 5 { "; ..." } else { "" }
        ))
    }
}
