//! Behaviourally anchored rubrics: criteria, their four anchors, and ratings against them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The four levels of every criterion's scale.
pub const LEVEL_NAMES: [&str; 4] = ["does not meet", "partly meets", "meets", "exceeds"];

/// One thing to look for in an answer, with what an answer sounds like at each level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Criterion {
    /// Stable within its question.
    pub id: String,
    pub name: String,
    /// Descriptions for levels 1 (does not meet) to 4 (exceeds).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, min_items = 4, max_items = 4))]
    pub anchors: [String; 4],
}

impl Criterion {
    /// The anchor text for a score of 1 to 4, or `None` for any other score.
    pub fn anchor(&self, score: u8) -> Option<&str> {
        let i = usize::from(score).checked_sub(1)?;
        self.anchors.get(i).map(String::as_str)
    }
}

/// An interviewer's rating of one criterion: 1-4, or not assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Rating(Option<u8>);

/// A rating outside 1-4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a rating must be 1, 2, 3 or 4 (or not assessed), not {0}")]
pub struct InvalidRating(pub i64);

impl Rating {
    /// The rating for a criterion the interviewer did not assess.
    pub const NOT_ASSESSED: Rating = Rating(None);

    /// A rating of 1-4.
    ///
    /// # Errors
    /// [`InvalidRating`] for any other number.
    pub fn new(score: i64) -> Result<Self, InvalidRating> {
        match u8::try_from(score) {
            Ok(s @ 1..=4) => Ok(Rating(Some(s))),
            _ => Err(InvalidRating(score)),
        }
    }

    /// `None` when not assessed.
    pub fn score(self) -> Option<u8> {
        self.0
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(s) => write!(f, "{s}"),
            None => f.write_str("not assessed"),
        }
    }
}

impl Serialize for Rating {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Rating {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Option::<i64>::deserialize(d)? {
            None => Ok(Rating::NOT_ASSESSED),
            Some(n) => Rating::new(n).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_accept_one_to_four_and_null_only() {
        for s in 1..=4 {
            assert_eq!(Rating::new(s).unwrap().score(), Some(s as u8));
        }
        for s in [0, 5, -1, 256] {
            assert_eq!(Rating::new(s), Err(InvalidRating(s)));
        }
        let r: Rating = serde_json::from_str("null").unwrap();
        assert_eq!(r, Rating::NOT_ASSESSED);
        assert!(serde_json::from_str::<Rating>("7").is_err());
        assert_eq!(
            serde_json::to_string(&Rating::new(3).unwrap()).unwrap(),
            "3"
        );
    }

    #[test]
    fn anchor_looks_up_levels_one_to_four() {
        let c = Criterion {
            id: "c".into(),
            name: "C".into(),
            anchors: ["a".into(), "b".into(), "c".into(), "d".into()],
        };
        assert_eq!(c.anchor(1), Some("a"));
        assert_eq!(c.anchor(4), Some("d"));
        assert_eq!(c.anchor(0), None);
        assert_eq!(c.anchor(5), None);
    }
}
