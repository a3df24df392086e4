//! People, organisations and places: mentions found by the NER model and by
//! rules, merged into canonical entities with their roles.

pub mod honorifics;
pub mod merge;
pub mod roles;
pub mod rules;

use crate::gazetteer::Place;

pub use merge::merge;

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A person.
    Person,
    /// An organisation.
    Organisation,
    /// A place.
    Place,
}

impl Kind {
    /// `"person"`, `"organisation"` or `"place"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Organisation => "organisation",
            Kind::Place => "place",
        }
    }
}

/// One entity with all its mentions merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Person, organisation or place.
    pub kind: Kind,
    /// The canonical name: a person's longest full name, an organisation's
    /// longest form, a place's gazetteer name.
    pub name: String,
    /// Every other form it was written in (honorifics stripped), in order of appearance.
    pub variants: Vec<String>,
    /// How many times it is mentioned.
    pub mentions: usize,
    /// Titles and roles found next to it ("Foreign Secretary").
    pub roles: Vec<String>,
    /// The gazetteer entry of a place, when found.
    pub place: Option<Place>,
    /// Byte offset of its first mention.
    pub first_at: usize,
}

/// One mention tied to its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// Byte offset of its start.
    pub start: usize,
    /// Byte offset just past its end.
    pub end: usize,
    /// Index of its entity in [`Entities::entities`].
    pub entity: usize,
}

/// The entities of a document and where each is mentioned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entities {
    /// Entities in order of first mention.
    pub entities: Vec<Entity>,
    /// Every mention, in text order.
    pub mentions: Vec<Located>,
}

impl Entities {
    /// The entities of `kind`, in order of first mention.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Entity> {
        self.entities.iter().filter(move |e| e.kind == kind)
    }
}
