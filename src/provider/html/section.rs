//! The care record sections: the codes of the 0.7.2 record-section value set, the title of each 0.7.4 view and
//! whether a view takes a consumer date filter (0.7.4 `accessrecord_html_layout`, "Per section default time
//! frames").

/// A section code of `http://fhir.nhs.net/ValueSet/gpconnect-record-section-1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Adm,
    All,
    Cli,
    Enc,
    Imm,
    Inv,
    Med,
    Obs,
    Pat,
    Prb,
    Ref,
    Sum,
}

impl Section {
    pub const ALL: [Section; 12] = [
        Self::Adm,
        Self::All,
        Self::Cli,
        Self::Enc,
        Self::Imm,
        Self::Inv,
        Self::Med,
        Self::Obs,
        Self::Pat,
        Self::Prb,
        Self::Ref,
        Self::Sum,
    ];

    /// The value set code (upper case).
    pub fn code(self) -> &'static str {
        match self {
            Self::Adm => "ADM",
            Self::All => "ALL",
            Self::Cli => "CLI",
            Self::Enc => "ENC",
            Self::Imm => "IMM",
            Self::Inv => "INV",
            Self::Med => "MED",
            Self::Obs => "OBS",
            Self::Pat => "PAT",
            Self::Prb => "PRB",
            Self::Ref => "REF",
            Self::Sum => "SUM",
        }
    }

    /// The section a code names, matched exactly (codes are case-sensitive).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The code's display in the value set (and the fixed display of the Composition profile's slice).
    pub fn display(self) -> &'static str {
        match self {
            Self::All => "Allergies and Sensitivities",
            Self::Inv => "Investigations",
            Self::Pat => "Patient Details",
            Self::Prb => "Problems",
            _ => self.title(),
        }
    }

    /// The view's section title (its `h1`, the Composition section title).
    pub fn title(self) -> &'static str {
        match self {
            Self::Adm => "Administrative Items",
            Self::All => "Allergies and Adverse Reactions",
            Self::Cli => "Clinical Items",
            Self::Enc => "Encounters",
            Self::Imm => "Immunisations",
            Self::Inv => "Investigations",
            Self::Med => "Medications",
            Self::Obs => "Observations",
            Self::Pat => "Patient Details",
            Self::Prb => "Problems and Issues",
            Self::Ref => "Referrals",
            Self::Sum => "Summary",
        }
    }

    /// Whether the section takes a consumer `timePeriod`; sending one for ALL, IMM or SUM is a bad request.
    pub fn takes_period(self) -> bool {
        !matches!(self, Self::All | Self::Imm | Self::Sum)
    }

    /// Whether the 0.7.4 specification has a view for the section (INV and PAT have none).
    pub fn has_view(self) -> bool {
        !matches!(self, Self::Inv | Self::Pat)
    }
}
