//! The hiring pipeline: the stages an application moves through, and whether a
//! requisition is still taking candidates.

use serde::{Deserialize, Serialize};

/// Where a candidate's application stands on a requisition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Stage {
    Sourced,
    Screening,
    Interviewing,
    Decision,
    Hired,
    Withdrawn,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 6] = [
        Stage::Sourced,
        Stage::Screening,
        Stage::Interviewing,
        Stage::Decision,
        Stage::Hired,
        Stage::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Sourced => "sourced",
            Stage::Screening => "screening",
            Stage::Interviewing => "interviewing",
            Stage::Decision => "decision",
            Stage::Hired => "hired",
            Stage::Withdrawn => "withdrawn",
        }
    }

    /// The stage as a recruiter reads it.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Sourced => "Sourced",
            Stage::Screening => "Screening",
            Stage::Interviewing => "Interviewing",
            Stage::Decision => "Awaiting decision",
            Stage::Hired => "Hired",
            Stage::Withdrawn => "Withdrawn",
        }
    }
}

/// The text was not a stage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown stage {0:?}: expected sourced, screening, interviewing, decision, hired or withdrawn"
)]
pub struct UnknownStage(pub String);

named_enum!(Stage, UnknownStage);

/// Whether a requisition takes new candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RequisitionStatus {
    Open,
    Closed,
}

impl RequisitionStatus {
    pub const ALL: [RequisitionStatus; 2] = [RequisitionStatus::Open, RequisitionStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            RequisitionStatus::Open => "open",
            RequisitionStatus::Closed => "closed",
        }
    }
}

/// The text was not a requisition status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown requisition status {0:?}: expected open or closed")]
pub struct UnknownStatus(pub String);

named_enum!(RequisitionStatus, UnknownStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_read_back_from_their_names() {
        for s in Stage::ALL {
            assert_eq!(s.as_str().parse::<Stage>(), Ok(s));
        }
        assert!("hired ".parse::<Stage>().is_ok());
        assert_eq!(
            "offer".parse::<Stage>(),
            Err(UnknownStage("offer".to_owned()))
        );
        assert_eq!("closed".parse(), Ok(RequisitionStatus::Closed));
    }
}
