//! The e-commerce tables: a language-neutral catalogue (categories, nouns with their
//! translations, adjectives, brands, colours, sizes) shared by every pack, and one market per
//! pack (currency, price shape, tax, payment and shipping options, delivery notes).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::domains::families::commerce::table::{Choice, Table};

/// Language of a pack's texts: 0 English, 1 German, 2 Vietnamese.
pub fn lang(code: &str) -> usize {
    match code {
        "DE" => 1,
        "VN" => 2,
        _ => 0,
    }
}

#[derive(Debug)]
pub struct Category {
    pub key: String,
    pub names: [String; 3],
    pub weight: f64,
    pub new_only: bool,
    pub nouns: Vec<usize>,
    pub brands: Vec<usize>,
    pub brand_w: Vec<f64>,
    pub features: Vec<[String; 3]>,
}

#[derive(Debug)]
pub struct Noun {
    pub category: usize,
    pub key: String,
    pub names: [String; 3],
    /// German gender: `m`, `f`, `n` or `p` (plural).
    pub gender: char,
    pub size: usize,
    /// Price band in USD.
    pub lo: f64,
    pub hi: f64,
    /// Adjectives that fit this noun.
    pub adjectives: Vec<usize>,
}

#[derive(Debug)]
pub struct Adjective {
    pub key: String,
    /// English, German stem, Vietnamese.
    pub forms: [String; 3],
}

#[derive(Debug)]
pub struct Size {
    pub key: String,
    pub weight: (f64, f64),
    pub length: (f64, f64),
}

#[derive(Debug)]
pub struct Condition {
    pub key: String,
    pub factor: (f64, f64),
    pub text: [String; 3],
}

#[derive(Debug)]
pub struct Status {
    pub key: String,
    pub weight: f64,
    pub min_days: i64,
    pub max_days: i64,
    pub fulfilment: String,
}

#[derive(Debug)]
pub struct Catalog {
    pub categories: Vec<Category>,
    pub category_w: Vec<f64>,
    pub nouns: Vec<Noun>,
    pub adjectives: Vec<Adjective>,
    pub brands: Vec<String>,
    pub colors: Choice<[String; 3]>,
    pub sizes: Vec<Size>,
    pub conditions: Vec<Condition>,
    pub condition_w: Vec<f64>,
    pub availability: Choice<String>,
    pub benefits: Vec<[String; 3]>,
    pub statuses: Vec<Status>,
    pub coupons: Choice<(String, f64)>,
}

fn tri(t: &Table, i: usize) -> [String; 3] {
    [t.get(i, "en").to_string(), t.get(i, "de").to_string(), t.get(i, "vi").to_string()]
}

macro_rules! eco {
    ($file:literal) => {
        include_str!(concat!("../../data/ecommerce/", $file))
    };
    ($dir:literal, $file:literal) => {
        include_str!(concat!("../../data/ecommerce/", $dir, "/", $file))
    };
}

/// The shared catalogue.
pub fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| {
        let ct = Table::parse(eco!("categories.csv"));
        let nt = Table::parse(eco!("nouns.csv"));
        let at = Table::parse(eco!("adjectives.csv"));
        let bt = Table::parse(eco!("brands.csv"));
        let ft = Table::parse(eco!("features.csv"));
        let st = Table::parse(eco!("sizes.csv"));
        let attr = Table::parse(eco!("attributes.csv"));
        let sizes: Vec<Size> = (0..st.len())
            .map(|i| Size {
                key: st.get(i, "size").into(),
                weight: (st.num(i, "weight_min", 0.1), st.num(i, "weight_max", 1.0)),
                length: (st.num(i, "length_min", 5.0), st.num(i, "length_max", 30.0)),
            })
            .collect();
        let brands: Vec<String> = (0..bt.len()).map(|i| bt.get(i, "brand").to_string()).collect();
        let mut categories: Vec<Category> = (0..ct.len())
            .map(|i| {
                let key = ct.get(i, "key").to_string();
                let (mut bs, mut bw) = (Vec::new(), Vec::new());
                for b in 0..bt.len() {
                    let cats = bt.get(b, "categories");
                    if cats == "*" || cats.split_whitespace().any(|c| c == key) {
                        bs.push(b);
                        bw.push(bt.weight(b));
                    }
                }
                let features = ft.where_eq("category", &key).into_iter().map(|r| tri(&ft, r)).collect();
                Category {
                    key,
                    names: tri(&ct, i),
                    weight: ct.weight(i),
                    new_only: ct.get(i, "new_only") == "1",
                    nouns: Vec::new(),
                    brands: bs,
                    brand_w: bw,
                    features,
                }
            })
            .collect();
        let adjectives: Vec<Adjective> =
            (0..at.len()).map(|i| Adjective { key: at.get(i, "key").into(), forms: tri(&at, i) }).collect();
        let mut nouns = Vec::with_capacity(nt.len());
        for i in 0..nt.len() {
            let cat_key = nt.get(i, "category");
            let Some(ci) = categories.iter().position(|c| c.key == cat_key) else { continue };
            let key = nt.get(i, "key").to_string();
            let adjs = (0..at.len())
                .filter(|a| at.get(*a, "category") == cat_key)
                .filter(|a| {
                    let ap = at.get(*a, "applies");
                    ap == "*" || ap.split_whitespace().any(|k| k == key)
                })
                // `Digital Digital Thermometer`: an adjective the noun already carries is dropped.
                .filter(|a| !nt.get(i, "en").to_lowercase().contains(&at.get(*a, "en").to_lowercase()))
                .collect();
            categories[ci].nouns.push(nouns.len());
            nouns.push(Noun {
                category: ci,
                names: [nt.get(i, "en").into(), nt.get(i, "de").into(), nt.get(i, "vi").into()],
                gender: nt.get(i, "de_gender").chars().next().unwrap_or('n'),
                size: sizes.iter().position(|s| s.key == nt.get(i, "size")).unwrap_or(0),
                lo: nt.num(i, "price_min", 1.0),
                hi: nt.num(i, "price_max", 100.0),
                key,
                adjectives: adjs,
            });
        }
        let cond_rows = attr.where_eq("attribute", "condition");
        let conditions = cond_rows
            .iter()
            .map(|r| Condition {
                key: attr.get(*r, "key").into(),
                factor: (attr.num(*r, "price_factor_min", 1.0), attr.num(*r, "price_factor_max", 1.0)),
                text: tri(&attr, *r),
            })
            .collect();
        let condition_w = cond_rows.iter().map(|r| attr.weight(*r)).collect();
        let availability =
            Choice::of_rows(&attr, attr.where_eq("attribute", "availability"), |r| attr.get(r, "key").to_string());
        let colt = Table::parse(eco!("colors.csv"));
        let bent = Table::parse(eco!("benefits.csv"));
        let stt = Table::parse(eco!("order_statuses.csv"));
        let cpt = Table::parse(eco!("coupons.csv"));
        Catalog {
            category_w: categories.iter().map(|c| c.weight).collect(),
            categories,
            nouns,
            adjectives,
            brands,
            colors: Choice::of_table(&colt, |i| tri(&colt, i)),
            sizes,
            conditions,
            condition_w,
            availability,
            benefits: (0..bent.len()).map(|i| tri(&bent, i)).collect(),
            statuses: (0..stt.len())
                .map(|i| Status {
                    key: stt.get(i, "status").into(),
                    weight: stt.weight(i),
                    min_days: stt.int(i, "min_days", 0),
                    max_days: stt.int(i, "max_days", 366),
                    fulfilment: stt.get(i, "fulfilment").into(),
                })
                .collect(),
            coupons: Choice::of_table(&cpt, |i| (cpt.get(i, "prefix").to_string(), cpt.num(i, "percent", 10.0))),
        }
    })
}

#[derive(Debug)]
pub struct Shipping {
    pub key: String,
    pub weight: f64,
    pub cost: (f64, f64),
    pub free_over: Option<f64>,
    pub sizes: (usize, usize),
    pub pickup: bool,
}

/// One pack's market conventions.
#[derive(Debug)]
pub struct Market {
    pub currency: String,
    pub decimals: i32,
    pub factor: f64,
    pub step: f64,
    pub endings: Vec<f64>,
    pub items_max: usize,
    pub tax_default: f64,
    pub tax_category: HashMap<String, f64>,
    pub tax_state: HashMap<String, f64>,
    pub payments: Choice<String>,
    pub shipping: Vec<Shipping>,
    pub notes: Choice<String>,
}

impl Market {
    fn load(market: &str, tax: &str, pay: &str, ship: &str, notes: &str) -> Market {
        let mt = Table::parse(market);
        let val = |k: &str| mt.where_eq("key", k).first().map(|r| mt.get(*r, "value").to_string()).unwrap_or_default();
        let tt = Table::parse(tax);
        let scope = |s: &str| -> HashMap<String, f64> {
            tt.where_eq("scope", s)
                .into_iter()
                .map(|r| (tt.get(r, "key").to_string(), tt.num(r, "rate", 0.0)))
                .collect()
        };
        let pt = Table::parse(pay);
        let st = Table::parse(ship);
        let sizes = &catalog().sizes;
        let size_ix = |k: &str, d: usize| sizes.iter().position(|s| s.key == k).unwrap_or(d);
        let nt = Table::parse(notes);
        Market {
            currency: val("currency"),
            decimals: val("decimals").parse().unwrap_or(2),
            factor: val("price_factor").parse().unwrap_or(1.0),
            step: val("price_step").parse().unwrap_or(1.0),
            endings: val("price_endings").split_whitespace().filter_map(|x| x.parse().ok()).collect(),
            items_max: val("order_items_max").parse().unwrap_or(8),
            tax_default: scope("default").values().next().copied().unwrap_or(0.0),
            tax_category: scope("category"),
            tax_state: scope("state"),
            payments: Choice::of_table(&pt, |i| pt.get(i, "method").to_string()),
            shipping: (0..st.len())
                .map(|i| Shipping {
                    key: st.get(i, "method").into(),
                    weight: st.weight(i),
                    cost: (st.num(i, "min_cost", 0.0), st.num(i, "max_cost", 0.0)),
                    free_over: st.get(i, "free_over").parse().ok(),
                    sizes: (size_ix(st.get(i, "min_size"), 0), size_ix(st.get(i, "max_size"), sizes.len() - 1)),
                    pickup: st.get(i, "fulfilment") == "pickup",
                })
                .collect(),
            notes: Choice::of_table(&nt, |i| nt.get(i, "note").to_string()),
        }
    }

    /// The tax rate of an item of category `cat` shipped to `state`.
    pub fn tax_rate(&self, cat: &str, state: &str) -> f64 {
        if let Some(r) = self.tax_category.get(cat) {
            return *r;
        }
        self.tax_state.get(state).copied().unwrap_or(self.tax_default)
    }
}

macro_rules! market {
    ($dir:literal) => {
        Market::load(
            eco!($dir, "market.csv"),
            eco!($dir, "tax.csv"),
            eco!($dir, "payment_methods.csv"),
            eco!($dir, "shipping_methods.csv"),
            eco!($dir, "notes.csv"),
        )
    };
}

/// The market of a pack code.
pub fn market(code: &str) -> &'static Market {
    static US: OnceLock<Market> = OnceLock::new();
    static DE: OnceLock<Market> = OnceLock::new();
    static VN: OnceLock<Market> = OnceLock::new();
    match code {
        "DE" => DE.get_or_init(|| market!("de")),
        "VN" => VN.get_or_init(|| market!("vn")),
        _ => US.get_or_init(|| market!("us")),
    }
}

/// A German adjective declined for a noun without article (strong declension).
pub fn decline_de(stem: &str, gender: char) -> String {
    let (head, last) = match stem.rsplit_once(' ') {
        Some((h, l)) => (format!("{h} "), l),
        None => (String::new(), stem),
    };
    let base = last.strip_suffix('e').unwrap_or(last);
    let ending = match gender {
        'm' => "er",
        'n' => "es",
        _ => "e",
    };
    format!("{head}{base}{ending}")
}

/// The first letter upper-cased.
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_meets_its_minimums() {
        let c = catalog();
        assert!(c.categories.len() >= 15);
        for cat in &c.categories {
            assert!(cat.nouns.len() >= 30, "{}", cat.key);
            assert!(!cat.brands.is_empty() && cat.features.len() >= 3, "{}", cat.key);
        }
        for n in &c.nouns {
            assert!(n.lo > 0.0 && n.lo < n.hi, "{}", n.key);
            assert!(n.names.iter().all(|x| !x.is_empty()), "{}", n.key);
            assert!("mfnp".contains(n.gender), "{}", n.key);
        }
        for code in ["US", "DE", "VN"] {
            let m = market(code);
            assert!(!m.currency.is_empty() && !m.endings.is_empty());
            assert!(m.shipping.iter().any(|s| s.sizes.1 == c.sizes.len() - 1), "{code}: nothing ships XL");
        }
    }

    #[test]
    fn german_adjectives_decline() {
        assert_eq!(decline_de("kabellos", 'm'), "kabelloser");
        assert_eq!(decline_de("leise", 'n'), "leises");
        assert_eq!(decline_de("klinisch getestet", 'f'), "klinisch getestete");
        assert_eq!(decline_de("robust", 'p'), "robuste");
    }
}
