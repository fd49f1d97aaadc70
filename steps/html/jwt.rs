//! Changes to the 0.x (DSTU2) audit token that the generic JWT steps cannot express: a claim name in another
//! case, and the 1.x form of the token's audience and record (0.7.4 "Cross organisation audit and provenance").

use cucumber::given;

use super::Step;
use crate::steps::world::GpcWorld;

/// Moves a claim's value to another name (JWT claim names are case-sensitive: `ISS` is not `iss`).
#[given(expr = "I rename the JWT claim {string} to {string}")]
fn rename_claim(w: &mut GpcWorld, from: String, to: String) -> Step {
    let claims = w.jwt_mut()?.claims_mut();
    let value = claims
        .remove(&from)
        .ok_or_else(|| format!("the JWT has no claim `{from}` to rename"))?;
    claims.insert(to, value);
    Ok(())
}

/// Makes the token what a GP Connect 1.x consumer sends in the two claims where 1.x and 0.x differ: `aud` the
/// service root requested instead of the authorisation server's token URL, and no `requested_record`.
#[given("I make the JWT a GP Connect 1.x token: aud the service root and no requested record")]
fn stu3_token(w: &mut GpcWorld) -> Step {
    let interaction = w.interaction()?;
    let audience = w.ctx.root(interaction.capability()).to_string();
    let claims = w.jwt_mut()?.claims_mut();
    claims.insert("aud".into(), audience.into());
    claims.remove("requested_record");
    Ok(())
}
