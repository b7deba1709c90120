//! Demographic profiles (`profile_id`: the age structure of a population) and components
//! (`component_id`: a named segment that narrows the request's constraints), read from each
//! locale pack (`age_profiles.csv`, `components.csv`).

use std::sync::OnceLock;

use crate::domains::locale::rows;

/// One age band of a profile.
#[derive(Debug, Clone)]
pub struct Band {
    pub min: i64,
    pub max: i64,
    pub weight: f64,
}

#[derive(Debug)]
pub struct Profile {
    pub id: String,
    pub bands: Vec<Band>,
}

#[derive(Debug)]
pub struct Component {
    pub id: String,
    pub domains: Vec<String>,
    pub age: (i64, i64),
    /// `F`, `M`, `X`; empty = any.
    pub sexes: Vec<String>,
    /// ICD-10 categories (patients only).
    pub conditions: Vec<String>,
}

pub struct PackSegments {
    pub profiles: Vec<Profile>,
    pub components: Vec<Component>,
}

fn list(s: Option<&String>) -> Vec<String> {
    s.map(|x| x.split(';').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()).unwrap_or_default()
}

fn int(s: Option<&String>) -> i64 {
    s.and_then(|x| x.parse().ok()).unwrap_or(0)
}

fn parse(profiles: &str, components: &str) -> PackSegments {
    let mut out: Vec<Profile> = Vec::new();
    for r in rows(profiles) {
        let band = Band {
            min: int(r.get(1)),
            max: int(r.get(2)),
            weight: r.get(3).and_then(|w| w.parse().ok()).unwrap_or(0.0),
        };
        match out.iter_mut().find(|p| p.id == r[0]) {
            Some(p) => p.bands.push(band),
            None => out.push(Profile { id: r[0].clone(), bands: vec![band] }),
        }
    }
    let components = rows(components)
        .into_iter()
        .map(|r| Component {
            id: r[0].clone(),
            domains: list(r.get(1)),
            age: (int(r.get(2)), int(r.get(3))),
            sexes: list(r.get(4)),
            conditions: list(r.get(5)),
        })
        .collect();
    PackSegments { profiles: out, components }
}

macro_rules! segments {
    ($dir:literal) => {{
        static S: OnceLock<PackSegments> = OnceLock::new();
        S.get_or_init(|| {
            parse(
                include_str!(concat!("../data/", $dir, "/age_profiles.csv")),
                include_str!(concat!("../data/", $dir, "/components.csv")),
            )
        })
    }};
}

/// The profiles and components of a pack (`US`, `DE`, `VN`).
pub fn segments(pack: &str) -> &'static PackSegments {
    match pack {
        "DE" => segments!("de"),
        "VN" => segments!("vn"),
        _ => segments!("us"),
    }
}

impl PackSegments {
    pub fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    pub fn component(&self, id: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.id == id)
    }
}

impl Profile {
    /// The bands clipped to `[lo, hi]`, each weighted by the share of its years inside the range.
    pub fn clipped(&self, lo: i64, hi: i64) -> Vec<Band> {
        self.bands
            .iter()
            .filter_map(|b| {
                let (a, z) = (b.min.max(lo), b.max.min(hi));
                (a <= z && b.weight > 0.0).then(|| Band {
                    min: a,
                    max: z,
                    weight: b.weight * (z - a + 1) as f64 / (b.max - b.min + 1) as f64,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pack_has_one_profile_covering_all_ages_and_its_components() {
        for pack in ["US", "DE", "VN"] {
            let s = segments(pack);
            assert_eq!(s.profiles.len(), 1, "{pack}");
            let p = &s.profiles[0];
            let total: f64 = p.bands.iter().map(|b| b.weight).sum();
            assert!((total - 100.0).abs() < 0.05, "{pack}: {total}");
            for w in p.bands.windows(2) {
                assert_eq!(w[0].max + 1, w[1].min, "{pack}: bands are contiguous");
            }
            assert_eq!(p.bands.first().map(|b| b.min), Some(0));
            assert!(s.component("urban_adult").is_some_and(|c| c.age == (25, 45)));
            assert!(s.component("chronic_diabetes").is_some_and(|c| c.conditions == ["E11"]));
            assert!(s.components.iter().all(|c| c.age.0 <= c.age.1 && !c.domains.is_empty()));
        }
    }

    #[test]
    fn clipping_keeps_the_share_of_years_inside() {
        let p = &segments("US").profiles[0];
        let c = p.clipped(20, 30);
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].min, c[0].max), (20, 24));
        assert!((c[0].weight - 9.3 * 5.0 / 7.0).abs() < 1e-9);
        assert!(p.clipped(101, 120).is_empty());
    }
}
