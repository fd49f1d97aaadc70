//! The wrong turns the request-level faults take, kept apart from the correct consumer's request building: the
//! scope with its compartment swapped, an embedded resource without an identifier, another ASID, a neighbouring
//! interaction's URN, and the HMAC of a token that should have been unsigned.

use serde_json::Value;

use crate::spine::catalogue::Interaction;

/// `patient/*` becomes `organization/*` and the other way round; the access and any `conf/` word stay.
pub fn swap_scope(scope: &str) -> String {
    let mut words: Vec<String> = scope.split(' ').map(String::from).collect();
    if let Some(first) = words.first_mut() {
        *first = if let Some(rest) = first.strip_prefix("patient/") {
            format!("organization/{rest}")
        } else if let Some(rest) = first.strip_prefix("organization/") {
            format!("patient/{rest}")
        } else {
            first.clone()
        };
    }
    words.join(" ")
}

/// Removes the identifiers of `system_url` from an embedded resource (and the list when nothing is left).
pub fn drop_identifier(resource: Option<&mut Value>, system_url: &str) {
    let Some(r) = resource.and_then(Value::as_object_mut) else {
        return;
    };
    let empty = match r.get_mut("identifier").and_then(Value::as_array_mut) {
        Some(ids) => {
            ids.retain(|i| i.get("system").and_then(Value::as_str) != Some(system_url));
            ids.is_empty()
        }
        None => false,
    };
    if empty {
        r.remove("identifier");
    }
}

/// An ASID that is not `asid`.
pub fn other_asid(asid: &str) -> String {
    let wrong = if asid.trim() == "999999999999" {
        "111111111111"
    } else {
        "999999999999"
    };
    wrong.to_string()
}

/// The interaction whose URN the `wrong-interaction-id` fault sends instead: a near neighbour (the read of a
/// search, the search of a read, amend for cancel, the foundations URN on the documents server, ...).
pub fn neighbour(interaction: Interaction) -> Interaction {
    use Interaction as I;
    match interaction {
        I::MetadataRead => I::StructuredMetadataRead,
        I::PatientSearch => I::PatientRead,
        I::PatientRead => I::PatientSearch,
        I::RegisterPatient => I::PatientSearch,
        I::PractitionerSearch => I::PractitionerRead,
        I::PractitionerRead => I::PractitionerSearch,
        I::OrganizationSearch => I::OrganizationRead,
        I::OrganizationRead => I::OrganizationSearch,
        I::LocationRead => I::OrganizationRead,
        I::SearchForFreeSlots => I::AppointmentRead,
        I::AppointmentCreate => I::AppointmentAmend,
        I::AppointmentRead => I::AppointmentSearch,
        I::AppointmentAmend => I::AppointmentCancel,
        I::AppointmentCancel => I::AppointmentAmend,
        I::AppointmentSearch => I::AppointmentRead,
        I::StructuredMetadataRead => I::MetadataRead,
        I::GetStructuredRecord => I::MigrateStructuredRecord,
        I::MigrateStructuredRecord => I::GetStructuredRecord,
        I::DocumentsMetadataRead => I::MetadataRead,
        I::DocumentsPatientSearch => I::PatientSearch,
        I::DocumentsSearch => I::DocumentsRetrieve,
        I::DocumentsRetrieve => I::DocumentsMigrate,
        I::DocumentsMigrate => I::DocumentsRetrieve,
        I::HtmlMetadataRead => I::MetadataRead,
        I::GetCareRecord => I::GetStructuredRecord,
    }
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner = Sha256::new()
        .chain_update(block.map(|b| b ^ 0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(block.map(|b| b ^ 0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_swap_their_compartment_only() {
        assert_eq!(swap_scope("patient/*.read"), "organization/*.read");
        assert_eq!(swap_scope("organization/*.read"), "patient/*.read");
        assert_eq!(
            swap_scope("patient/*.read conf/N"),
            "organization/*.read conf/N"
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn neighbours_are_other_interactions() {
        for i in Interaction::ALL {
            assert_ne!(neighbour(*i), *i);
        }
        assert!(uuid::Uuid::parse_str(crate::consumer::demo::REUSED_TRACE_ID).is_ok());
    }
}
