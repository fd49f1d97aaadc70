//! Retrieve a patient's appointments: the two `start` dates of the period (a `ge` and an `le` date, from today
//! on) and the searchset of the patient's appointments in it.

use chrono::NaiveDate;

use super::*;
use crate::provider::foundations::{searchset, visible};

fn retrieve_date<'r>(st: &ProviderState, raw: &'r str) -> Result<(&'r str, NaiveDate), ApiError> {
    let (prefix, value) = split_prefix(raw.trim());
    let date = full_date(value).or_else(|| {
        // The fault reads `yyyy-mm-ddThh:mm:ss...` as its date.
        st.fault(Fault::ApptRetrieveTimeAccepted)
            .then(|| value.split_once('T'))
            .flatten()
            .and_then(|(d, _)| full_date(d))
    });
    let Some(date) = date else {
        return Err(invalid_parameter(format!(
            "`start={raw}` must be a date yyyy-mm-dd without a time, prefixed ge or le"
        )));
    };
    Ok((prefix, date))
}

pub(crate) fn retrieve(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let patient_id = req.id.as_deref().unwrap_or_default();
    let store = st.lock();
    if !store
        .patients
        .iter()
        .any(|p| p.id == patient_id && visible(st, p))
    {
        if st.fault(Fault::ApptRetrieveUnknownPatient) {
            return Ok(searchset(st, Vec::new()));
        }
        return Err(api_error(
            "PATIENT_NOT_FOUND",
            format!("Patient/{patient_id} was not found"),
        ));
    }
    let starts = req.param_all("start");
    let [a, b] = starts.as_slice() else {
        return Err(invalid_parameter(format!(
            "exactly two start parameters (start=ge[date]&start=le[date]) are required, {} were sent",
            starts.len()
        )));
    };
    let (a, b) = (retrieve_date(st, a)?, retrieve_date(st, b)?);
    let (from, to) = match (a, b) {
        (("ge", from), ("le", to)) | (("le", to), ("ge", from)) => (from, to),
        _ => {
            return Err(invalid_parameter(
                "the start parameters must be one `ge` and one `le` date",
            ))
        }
    };
    let today = uktime::local_date(st.clock.now());
    if from < today && !st.fault(Fault::ApptRetrievePastRange) {
        return Err(invalid_parameter(format!(
            "start=ge{from} is in the past: only appointments from today ({today}) onwards can be retrieved"
        )));
    }
    if to < from {
        return Err(invalid_parameter(format!(
            "start=le{to} is before start=ge{from}"
        )));
    }
    let mut found: Vec<&ApptRecord> = store
        .appointments
        .iter()
        .filter(|a| {
            let day = uktime::local_date(a.start);
            a.patient_id == patient_id
                && day >= from
                && day <= to
                && !(a.cancelled && st.fault(Fault::ApptRetrieveOmitsCancelled))
        })
        .collect();
    found.sort_by(|x, y| x.start.cmp(&y.start).then_with(|| x.id.cmp(&y.id)));
    let resources = found.iter().map(|a| appointment_resource(st, a)).collect();
    Ok(searchset(st, resources))
}
