//! Evidence: `evidence/<scenario>/` holds every exchange of the scenario (request, response, timings and the
//! decoded JWT), the profile validator's OperationOutcome for each validated response, and the outcome.

use std::path::Path;

use crate::client::Exchange;

use super::ScenarioOutcome;

/// Writes the exchanges and outcome of one scenario into `dir`.
pub fn write(
    dir: &Path,
    outcome: &ScenarioOutcome,
    exchanges: &[Exchange],
    validations: &[serde_json::Value],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (i, oo) in validations.iter().enumerate() {
        let json = serde_json::to_vec_pretty(oo).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(format!("validation-{:02}.json", i + 1)), json)?;
    }
    for (i, ex) in exchanges.iter().enumerate() {
        let json = serde_json::to_vec_pretty(ex).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(format!("exchange-{:02}.json", i + 1)), json)?;
    }
    let json = serde_json::to_vec_pretty(outcome).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("scenario.json"), json)
}
