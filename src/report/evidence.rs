//! Evidence: `evidence/<test id>/` holds every exchange of the test (request, response, timings and the
//! decoded JWT), the profile validator's OperationOutcome for each validated response, and the outcome (with
//! the failure block when the test failed).

use std::path::Path;

use crate::client::Exchange;

use super::ScenarioOutcome;

/// Writes the exchanges and validation results of one test into `dir` (during the run).
pub fn write_exchanges(
    dir: &Path,
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
    Ok(())
}

/// Writes the outcome of one test into `dir` (when the run ends and the failed step is known).
pub fn write_outcome(dir: &Path, outcome: &ScenarioOutcome) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_vec_pretty(outcome).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("scenario.json"), json)?;
    if let Some(f) = &outcome.failure {
        std::fs::write(dir.join("failure.txt"), format!("{}\n", f.render()))?;
    }
    Ok(())
}
