//! One definitions store per run: the runner, the validators, the embedded reference provider and the steps
//! share one index of the FHIR definitions (building it scans every definitions folder).

mod common;

use gpc_assure::fhir::index_builds;
use gpc_assure::provider::FaultSet;
use gpc_assure::runner::{self, Target};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_builds_the_definitions_index_once() {
    let before = index_builds();
    let mut opts = common::options(Target::Embedded(FaultSet::default()), "one-store");
    // Scenarios that read CodeSystems, validate, parse XML and book appointments.
    opts.tags = Some("@SearchForFreeSlots or @AppointmentCreate or @content-negotiation".into());
    let summary = runner::run(opts).await.expect("the run completes");
    assert_eq!(summary.failed(), 0, "{:?}", summary.failed_names());
    assert!(summary.outcomes.len() > 50);
    assert_eq!(
        index_builds() - before,
        1,
        "the run built the definitions index more than once"
    );
}
