//! Access Record HTML 0.7.4 (FHIR DSTU2): `$gpc.getcarerecord` requests, and the checks of the care record
//! Bundle and its XHTML sections.
//!
//! - [`request`]: the Parameters body (patientNHSNumber, recordSection, timePeriod) and the 0.x JWT's
//!   `requested_record`, kept in step with each other; [`request_steps`] the Given steps that build and break it.
//! - [`outcome`]: the 0.x OperationOutcome of an error response.
//! - [`record`]: reading the care record Bundle (its Composition, section and resources) for the checks.
//! - [`profiles`]: fixed values and bindings read from the 0.7.2 StructureDefinitions.
//! - [`bundle`] (Bundle and Composition) and [`resources`] (Patient, Practitioner, Organization, Device): the
//!   Then steps on the structured part of the answer.
//! - [`xhtml`]: the narrative as a small element tree; [`sections`]: what each view's layout holds;
//!   [`narrative`] (XHTML rules and headings), [`tables`] (table ids, columns, date cells, medication grouping)
//!   and [`banners`] (date, GP transfer, content banners and the no-data text): the Then steps on the XHTML.
//! - [`conformance`]: the DSTU2 Conformance statement and content negotiation with the DSTU2 media types;
//!   [`jwt`]: the 0.x token changes the generic JWT steps cannot express.

pub mod banners;
pub mod bundle;
pub mod conformance;
pub mod jwt;
pub mod narrative;
pub mod outcome;
pub mod profiles;
pub mod record;
pub mod request;
pub mod request_steps;
pub mod resources;
pub mod sections;
pub mod tables;
pub mod xhtml;

/// What a step returns: `Err` is the failure sentence (`<where>: expected <e>, got <a>`).
pub type Step = Result<(), String>;
