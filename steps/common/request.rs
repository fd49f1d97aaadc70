//! Building the request: the interaction, query parameters, id, path, method, headers and body, and the
//! When-steps that send it, once or several times at once.

use cucumber::{given, when};

use super::{interaction_named, Step};
use crate::steps::world::{Auth, Body, GpcWorld};

#[given(expr = "I configure the default {string} request")]
fn configure(w: &mut GpcWorld, name: String) -> Step {
    w.configure(interaction_named(&name)?)
}

#[given(expr = "I add the query parameter {string} with value {string}")]
fn add_param(w: &mut GpcWorld, name: String, value: String) -> Step {
    let value = w.expand(&value)?;
    w.params.push((name, value));
    Ok(())
}

#[given(expr = "I set the request id to {string}")]
fn set_id(w: &mut GpcWorld, id: String) -> Step {
    w.id = Some(w.expand(&id)?);
    Ok(())
}

#[given(expr = "I set the request path to {string}")]
fn set_path(w: &mut GpcWorld, path: String) -> Step {
    w.path_override = Some(w.expand(&path)?);
    Ok(())
}

#[given(expr = "I set the request method to {string}")]
fn set_method(w: &mut GpcWorld, method: String) -> Step {
    w.method_override = Some(method);
    Ok(())
}

#[given(expr = "I set the {string} header to {string}")]
fn set_header(w: &mut GpcWorld, name: String, value: String) -> Step {
    let value = w.expand(&value)?;
    w.set_header(&name, &value);
    Ok(())
}

#[given(expr = "I remove the {string} header")]
fn remove_header(w: &mut GpcWorld, name: String) -> Step {
    if name.eq_ignore_ascii_case("Authorization") {
        w.auth = Auth::Omitted;
    } else {
        w.remove_header(&name);
    }
    Ok(())
}

#[given(expr = "I set the Ssp-InteractionID header for the {string} interaction")]
fn set_interaction_header(w: &mut GpcWorld, name: String) -> Step {
    let other = interaction_named(&name)?;
    w.set_header(crate::spine::headers::SSP_INTERACTION_ID, other.urn());
    Ok(())
}

#[given(expr = "I set the request body to {string} with content type {string}")]
fn raw_body(w: &mut GpcWorld, body: String, content_type: String) -> Step {
    w.body = Body::Raw {
        bytes: body.into_bytes(),
        content_type,
    };
    Ok(())
}

#[given("I send the request body as FHIR XML")]
fn body_as_xml(w: &mut GpcWorld) -> Step {
    match std::mem::replace(&mut w.body, Body::None) {
        Body::Json(v) | Body::Xml(v) => {
            w.body = Body::Xml(v);
            let xml = w.media_types().3;
            w.set_header("Content-Type", xml);
            Ok(())
        }
        other => {
            w.body = other;
            Err("only a FHIR JSON body can be sent as XML".into())
        }
    }
}

#[when("I make the request")]
async fn make_request(w: &mut GpcWorld) -> Step {
    w.send().await
}

/// The same request `n` times concurrently (each with its own trace id), all in flight together.
#[when(expr = "I make the request {int} times at once")]
async fn make_requests_at_once(w: &mut GpcWorld, n: usize) -> Step {
    if !(2..=200).contains(&n) {
        return Err(format!("make the request 2 to 200 times at once, not {n}"));
    }
    w.send_at_once(n).await
}
