//! Valid requests: `Given I configure a valid "<interaction>" request` configures the interaction and adds what
//! the provider needs to answer it successfully (an id or identifier from the test data, a booking to read,
//! amend or cancel). One arm per interaction: a new catalogue row does not compile until it has a recipe here.

use cucumber::given;

use super::appointments::{body, fixtures, slots};
use super::common::interaction_named;
use super::documents as docs;
use super::foundations as fdn;
use super::structured;
use super::world::GpcWorld;
use crate::spine::catalogue::Interaction;

type Step = Result<(), String>;

/// Days a valid search for free slots covers.
const VALID_SLOT_SEARCH_DAYS: i64 = 3;

#[given(expr = "I configure a valid {string} request")]
async fn valid_request(w: &mut GpcWorld, name: String) -> Step {
    let interaction = interaction_named(&name)?;
    configure_valid(w, interaction).await
}

/// Configures `interaction` and makes the request one the provider should answer with success.
pub async fn configure_valid(w: &mut GpcWorld, interaction: Interaction) -> Step {
    use Interaction as I;
    // Lookups and fixtures run on scratch requests, so each arm configures the request after them.
    match interaction {
        I::MetadataRead => w.configure(interaction),
        I::PatientSearch => {
            w.configure(interaction)?;
            fdn::nhs_identifier(w, "patient2".into())
        }
        I::PatientRead => {
            fdn::id_of_patient(w, "patient2".into()).await?;
            configure_keeping_id(w, interaction)
        }
        I::RegisterPatient => {
            w.configure(interaction)?;
            fdn::prepare_pool(w).await
        }
        I::PractitionerSearch => {
            w.configure(interaction)?;
            fdn::sds_identifier(w, "practitioner1".into())
        }
        I::PractitionerRead => {
            fdn::id_of_practitioner(w, "practitioner1".into()).await?;
            configure_keeping_id(w, interaction)
        }
        I::OrganizationSearch => {
            w.configure(interaction)?;
            fdn::ods_identifier(w, "ORG1".into())
        }
        I::OrganizationRead => {
            fdn::id_of_organization(w, "ORG1".into()).await?;
            configure_keeping_id(w, interaction)
        }
        I::LocationRead => {
            w.configure(interaction)?;
            fdn::id_of_location(w, "SIT1".into())
        }
        I::SearchForFreeSlots => {
            w.configure(interaction)?;
            let params = slots::slot_search_params(w, 0, VALID_SLOT_SEARCH_DAYS);
            w.params.extend(params);
            Ok(())
        }
        I::AppointmentCreate => {
            w.configure(interaction)?;
            fixtures::prepare(w, "patient1", slots::Pick::One).await
        }
        I::AppointmentRead => {
            fixtures::book_fixture(w, "patient1", slots::Pick::One).await?;
            w.configure(interaction)?;
            fixtures::target_booked(w)
        }
        I::AppointmentAmend => {
            fixtures::book_fixture(w, "patient1", slots::Pick::One).await?;
            w.configure(interaction)?;
            fixtures::prepare_booked(w)
        }
        I::AppointmentCancel => {
            fixtures::book_fixture(w, "patient1", slots::Pick::One).await?;
            w.configure(interaction)?;
            fixtures::prepare_booked(w)?;
            body::cancel_with_reason(w, "Valid request cancellation".into())
        }
        I::AppointmentSearch => {
            fixtures::book_fixture(w, "patient1", slots::Pick::One).await?;
            w.configure(interaction)?;
            w.id = w.stored.get("patient").cloned();
            let today = w.expand("ge{date:+0}")?;
            let last = w.expand("le{date:+14}")?;
            w.params.push(("start".into(), today));
            w.params.push(("start".into(), last));
            Ok(())
        }
        I::StructuredMetadataRead => w.configure(interaction),
        I::GetStructuredRecord => {
            w.configure(interaction)?;
            structured::request::valid_get(w)
        }
        I::MigrateStructuredRecord => {
            w.configure(interaction)?;
            structured::request::valid_migrate(w)
        }
        I::DocumentsMetadataRead => w.configure(interaction),
        I::DocumentsPatientSearch => {
            w.configure(interaction)?;
            fdn::nhs_identifier(w, "patient2".into())
        }
        I::DocumentsSearch => {
            w.configure(interaction)?;
            docs::id_of_documents_patient(w, "patient2".into()).await?;
            docs::add_mandatory(w)
        }
        I::DocumentsRetrieve | I::DocumentsMigrate => {
            w.configure(interaction)?;
            docs::id_of_binary(w, "patient2".into()).await
        }
        I::HtmlMetadataRead => w.configure(interaction),
        I::GetCareRecord => {
            w.configure(interaction)?;
            super::html::request::valid(w)
        }
    }
}

/// Configures `interaction` for the id a lookup just set.
fn configure_keeping_id(w: &mut GpcWorld, interaction: Interaction) -> Step {
    let id = w.id.take();
    w.configure(interaction)?;
    w.id = id;
    Ok(())
}
