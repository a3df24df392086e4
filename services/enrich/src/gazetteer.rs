//! The place list enrich ships: continents, countries, US states and cities from
//! GeoNames (CC BY 4.0), built by `services/enrich/scripts/build-gazetteer.py`
//! into `data/gazetteer.tsv`.

use rustc_hash::FxHashMap as HashMap;

/// What kind of place an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    /// A continent (no country code).
    Continent,
    /// A sovereign country or territory with an ISO 3166 code.
    Country,
    /// A first-level division of a country (US states).
    Region,
    /// A populated place.
    City,
}

impl PlaceKind {
    /// `"continent"`, `"country"`, `"region"` or `"city"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Continent => "continent",
            PlaceKind::Country => "country",
            PlaceKind::Region => "region",
            PlaceKind::City => "city",
        }
    }
}

/// One gazetteer entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Country or city.
    pub kind: PlaceKind,
    /// GeoNames id (its URI is `https://sws.geonames.org/<id>/`).
    pub geonames_id: u64,
    /// English name.
    pub name: String,
    /// ISO 3166-1 alpha-2 country code (empty for continents).
    pub country_code: String,
    /// Latitude (cities, continents and countries; US states have none).
    pub lat: Option<f64>,
    /// Longitude (where the latitude is known).
    pub lon: Option<f64>,
    /// Population.
    pub population: u64,
}

impl Place {
    /// The GeoNames URI of the place.
    pub fn uri(&self) -> String {
        format!("https://sws.geonames.org/{}/", self.geonames_id)
    }
}

/// A malformed gazetteer file.
#[derive(Debug, thiserror::Error)]
#[error("gazetteer line {line}: {problem}")]
pub struct GazetteerError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub problem: String,
}

/// Places by name.
#[derive(Debug, Default)]
pub struct Gazetteer {
    places: Vec<Place>,
    by_name: HashMap<String, Vec<u32>>,
    by_alternate_name: HashMap<String, Vec<u32>>,
}

/// The gazetteer compiled into the binary.
pub const SHIPPED: &str = include_str!("../data/gazetteer.tsv");

impl Gazetteer {
    /// The gazetteer shipped with the service.
    pub fn shipped() -> Result<Self, GazetteerError> {
        Self::parse(SHIPPED)
    }

    /// Reads the TSV format `build-gazetteer.py` writes (`#` lines are comments):
    /// `kind geonameid name country_code lat lon population alternate|names`.
    pub fn parse(tsv: &str) -> Result<Self, GazetteerError> {
        let mut gazetteer = Gazetteer::default();
        for (i, line) in tsv.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let bad = |problem: String| GazetteerError { line: i + 1, problem };
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() < 7 {
                return Err(bad(format!("{} fields, expected 8", fields.len())));
            }
            let kind = match fields[0] {
                "continent" => PlaceKind::Continent,
                "country" => PlaceKind::Country,
                "region" => PlaceKind::Region,
                "city" => PlaceKind::City,
                other => return Err(bad(format!("unknown kind {other:?}"))),
            };
            let number = |s: &str, what: &str| s.parse::<f64>().map_err(|_| bad(format!("{what} {s:?} is not a number")));
            let coordinate = |s: &str, what: &str| if s.is_empty() { Ok(None) } else { number(s, what).map(Some) };
            let place = Place {
                kind,
                geonames_id: fields[1].parse().map_err(|_| bad(format!("geonameid {:?} is not a whole number", fields[1])))?,
                name: fields[2].to_owned(),
                country_code: fields[3].to_owned(),
                lat: coordinate(fields[4], "lat")?,
                lon: coordinate(fields[5], "lon")?,
                population: fields[6].parse().map_err(|_| bad(format!("population {:?} is not a whole number", fields[6])))?,
            };
            let index = gazetteer.places.len() as u32;
            gazetteer.by_name.entry(place.name.to_lowercase()).or_default().push(index);
            for alternate in fields.get(7).into_iter().flat_map(|a| a.split('|')).filter(|a| !a.is_empty()) {
                gazetteer.by_alternate_name.entry(alternate.to_lowercase()).or_default().push(index);
            }
            gazetteer.places.push(place);
        }
        Ok(gazetteer)
    }

    /// How many places it holds.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// Whether it holds no place.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The place a name most likely means: an exact (case-insensitive) match of
    /// an English name before an alternate name; among equals a country, then a
    /// continent or region, before a city, then the most populous.
    pub fn lookup(&self, name: &str) -> Option<&Place> {
        let name = name.trim();
        let find = |key: &str| self.best(self.by_name.get(key)).or_else(|| self.best(self.by_alternate_name.get(key)));
        // Most names are short ASCII: lower-cased on the stack, without allocating.
        const SHORT: usize = 48;
        if name.is_ascii() && name.len() <= SHORT {
            let mut buffer = [0u8; SHORT];
            let key = &mut buffer[..name.len()];
            key.copy_from_slice(name.as_bytes());
            key.make_ascii_lowercase();
            return std::str::from_utf8(key).ok().and_then(find);
        }
        find(&name.to_lowercase())
    }

    fn best(&self, candidates: Option<&Vec<u32>>) -> Option<&Place> {
        candidates?
            .iter()
            .filter_map(|&i| self.places.get(i as usize))
            .max_by_key(|p| (p.kind == PlaceKind::Country, p.kind != PlaceKind::City, p.population))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_gazetteer_knows_countries_and_cities_with_codes_and_coordinates() {
        let g = Gazetteer::shipped().unwrap();
        assert!(g.len() > 20_000, "{} places", g.len());
        let moscow = g.lookup("Moscow").unwrap();
        assert_eq!((moscow.country_code.as_str(), moscow.kind), ("RU", PlaceKind::City));
        assert!((moscow.lat.unwrap() - 55.75).abs() < 0.1 && (moscow.lon.unwrap() - 37.6).abs() < 0.1);
        assert_eq!(g.lookup("russia").unwrap().country_code, "RU");
        let ukraine = g.lookup("Ukraine").unwrap();
        assert_eq!(ukraine.kind, PlaceKind::Country);
        assert!((44.0..53.0).contains(&ukraine.lat.unwrap()) && (22.0..41.0).contains(&ukraine.lon.unwrap()), "Ukraine's point lies in Ukraine: {ukraine:?}");
        assert_eq!(g.lookup("UK").unwrap().country_code, "GB");
        assert_eq!(g.lookup("Kiev").unwrap().name, "Kyiv");
        assert!(g.lookup("Truss").is_none());
        let texas = g.lookup("Texas").unwrap();
        assert_eq!((texas.kind, texas.country_code.as_str()), (PlaceKind::Region, "US"));
        let europe = g.lookup("Europe").unwrap();
        assert_eq!((europe.kind, europe.country_code.as_str()), (PlaceKind::Continent, ""));
        assert_eq!(g.lookup("Georgia").unwrap().kind, PlaceKind::Country);
    }

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        let err = Gazetteer::parse("# c\ncity\t1\tX\tGB\tnorth\t0\t5\t\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.problem.contains("lat"), "{}", err.problem);
    }
}
