//! `Product`: a catalogue item built noun-first. The noun fixes the category, the parcel size
//! (weight and dimensions) and the price band; the brand is one that sells the category; the
//! SKU is derived from brand, category and the product's identity, so the same product always
//! carries the same SKU. Prices follow the market's shelf-price shape (`24.99`, `249.000 ₫`).

use std::sync::Arc;

use crate::domains::determinism::{mix, path_key, Stream};
use crate::domains::entities::{map, s, stream, Gen};
use crate::domains::families::commerce::catalog::{capitalize, catalog, decline_de, lang, market, Market};
use crate::domains::families::commerce::table::{alnum, round_to, weighted_index};
use crate::vm::value::{Map, Value};

/// One generated product.
#[derive(Debug, Clone)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub description: String,
    pub price: f64,
    pub category: usize,
    pub noun: usize,
    pub brand: String,
    pub sku: String,
    pub condition: usize,
    pub availability: String,
    pub currency: String,
    pub weight: f64,
    pub dimensions: String,
    pub color: String,
    pub rating: f64,
    pub tags: Vec<String>,
}

impl Product {
    pub fn to_map(&self) -> Map {
        let c = catalog();
        map(vec![
            ("product_id", s(&self.id)),
            ("name", s(&self.name)),
            ("description", s(&self.description)),
            ("price", Value::Float(self.price)),
            ("category", s(&c.categories[self.category].key)),
            ("brand", s(&self.brand)),
            ("sku", s(&self.sku)),
            ("condition", s(&c.conditions[self.condition].key)),
            ("availability", s(&self.availability)),
            ("currency", s(&self.currency)),
            ("weight", Value::Float(self.weight)),
            ("dimensions", s(&self.dimensions)),
            ("color", s(&self.color)),
            ("rating", Value::Float(self.rating)),
            ("tags", Value::List(Arc::new(self.tags.iter().map(|t| s(t)).collect()))),
        ])
    }
}

/// The price band of a noun in a market for an item in a condition, before the price window.
pub fn price_band(m: &Market, noun: usize, condition: usize) -> (f64, f64) {
    let c = catalog();
    let n = &c.nouns[noun];
    let f = c.conditions[condition].factor;
    (n.lo * m.factor * f.0, n.hi * m.factor * f.1)
}

/// The `[min_price, max_price]` window of the generator (market currency).
pub fn price_window(g: &Gen<'_>, m: &Market) -> Result<(f64, f64), String> {
    let lo = g.param_f64("min_price").unwrap_or(0.99 * m.factor);
    let hi = g.param_f64("max_price").unwrap_or(999.99 * m.factor);
    if !(lo.is_finite() && hi.is_finite()) || lo < 0.0 || lo > hi {
        return Err(format!("Product needs 0 <= min_price <= max_price, got {lo}..{hi}"));
    }
    Ok((lo, hi))
}

/// A shelf price in `[lo, hi]` near `x`: a multiple of the market's step plus a usual ending.
pub fn shelf_price(m: &Market, st: &mut Stream, x: f64, lo: f64, hi: f64) -> f64 {
    let ending = st.pick(&m.endings).copied().unwrap_or(0.0);
    let base = (x / m.step).floor() * m.step;
    for cand in [base + ending, base - m.step + ending, base + m.step + ending] {
        let c = round_to(cand, m.decimals);
        if c >= lo && c <= hi && c > 0.0 {
            return c;
        }
    }
    // The window is narrower than one step: the exact amount, rounded inside the window.
    let c = round_to(x, m.decimals);
    if c < lo || c > hi {
        round_to(x.clamp(lo, hi), m.decimals.max(2))
    } else {
        c
    }
}

/// Generates the product with key `k`.
pub fn product(g: &Gen<'_>, k: u64) -> Result<Product, String> {
    let c = catalog();
    let m = market(g.loc.code);
    let li = lang(g.loc.code);
    let (wlo, whi) = price_window(g, m)?;
    // Condition first: consumables are sold new only.
    let mut cs = stream(k, "condition");
    let cond_draw = weighted_index(&mut cs, &c.condition_w).unwrap_or(0);
    // Category and noun among those whose price band meets the window.
    let fits = |n: usize, cond: usize| {
        let (a, b) = price_band(m, n, cond);
        a <= whi && b >= wlo
    };
    let cond_for = |cat: usize| if c.categories[cat].new_only { 0 } else { cond_draw };
    let cat_w: Vec<f64> = c
        .categories
        .iter()
        .enumerate()
        .map(|(i, cat)| if cat.nouns.iter().any(|n| fits(*n, cond_for(i))) { cat.weight } else { 0.0 })
        .collect();
    let mut ks = stream(k, "category");
    let any_fit = cat_w.iter().any(|w| *w > 0.0);
    let cat = weighted_index(&mut ks, if any_fit { &cat_w } else { &c.category_w }).unwrap_or(0);
    let condition = cond_for(cat);
    let pool: Vec<usize> =
        c.categories[cat].nouns.iter().copied().filter(|n| !any_fit || fits(*n, condition)).collect();
    let mut ns = stream(k, "noun");
    let noun = *ns.pick(&pool).unwrap_or(&c.categories[cat].nouns[0]);
    let nn = &c.nouns[noun];
    // Price: log-uniform inside the band met with the window, then shaped.
    let (blo, bhi) = price_band(m, noun, condition);
    let (lo, hi) = if any_fit { (blo.max(wlo), bhi.min(whi)) } else { (wlo, whi) };
    let mut ps = stream(k, "price");
    let x = if lo > 0.0 && hi > lo { (lo.ln() + ps.f64() * (hi.ln() - lo.ln())).exp() } else { ps.uniform(lo, hi) };
    let price = shelf_price(m, &mut ps, x, lo, hi);
    // Brand among those selling the category.
    let cd = &c.categories[cat];
    let mut bs = stream(k, "brand");
    let bi = weighted_index(&mut bs, &cd.brand_w).map(|i| cd.brands[i]).unwrap_or(0);
    let brand = c.brands[bi].clone();
    // Name.
    let mut as_ = stream(k, "adjective");
    let adj = as_.pick(&nn.adjectives).copied();
    let noun_name = &nn.names[li];
    let pattern = as_.below(9);
    let name = match adj {
        None => match li {
            2 => format!("{noun_name} {brand}"),
            _ => format!("{brand} {noun_name}"),
        },
        Some(a) => {
            let form = &c.adjectives[a].forms[li];
            match li {
                1 => {
                    let d = capitalize(&decline_de(form, nn.gender));
                    match pattern {
                        0..=4 => format!("{brand} {d} {noun_name}"),
                        5..=6 => format!("{d} {noun_name} von {brand}"),
                        _ => format!("{brand} {noun_name}"),
                    }
                }
                2 => match pattern {
                    0..=4 => format!("{noun_name} {form} {brand}"),
                    5..=6 => format!("{noun_name} {brand} {form}"),
                    _ => format!("{noun_name} {brand}"),
                },
                _ => match pattern {
                    0..=4 => format!("{brand} {form} {noun_name}"),
                    5..=6 => format!("{form} {noun_name} by {brand}"),
                    _ => format!("{brand} {noun_name}"),
                },
            }
        }
    };
    // Description: 2-3 selling points of the category, the condition, a closing sentence.
    let mut ds = stream(k, "description");
    let nfeat = (2 + ds.below(2) as usize).min(cd.features.len());
    let mut idx: Vec<usize> = (0..cd.features.len()).collect();
    ds.shuffle(&mut idx);
    let feats: Vec<&str> = idx[..nfeat].iter().map(|i| cd.features[*i][li].as_str()).collect();
    let joined = match (li, feats.len()) {
        (_, 0) => String::new(),
        (_, 1) => feats[0].to_string(),
        (l, n) => {
            let and = [" and ", " und ", " và "][l];
            format!("{}{and}{}", feats[..n - 1].join(", "), feats[n - 1])
        }
    };
    let benefit = ds.pick(&c.benefits).map(|b| b[li].as_str()).unwrap_or("");
    let cond_text = &c.conditions[condition].text[li];
    let mut description = format!("{name}: {joined}.");
    for extra in [cond_text.as_str(), benefit] {
        if !extra.is_empty() {
            description.push(' ');
            description.push_str(extra);
        }
    }
    // SKU: brand and category prefixes and a number that names the product identity.
    let ident = format!("{brand}|{}|{}", nn.key, adj.map(|a| c.adjectives[a].key.as_str()).unwrap_or(""));
    let number = path_key(&ident).0 % 1_000_000;
    let prefix = |x: &str| x.chars().filter(|ch| ch.is_ascii_alphabetic()).take(3).collect::<String>().to_uppercase();
    let sku = format!("{}-{}-{number:06}", prefix(&brand), prefix(&cd.key));
    // Parcel: weight and dimensions of the noun's size class.
    // The weight follows the parcel's length within the size class.
    let size = &c.sizes[nn.size];
    let mut zs = stream(k, "dimensions");
    let len = zs.uniform(size.length.0, size.length.1);
    let t = ((len - size.length.0) / (size.length.1 - size.length.0).max(1e-9)).clamp(0.0, 1.0);
    let mut ws = stream(k, "weight");
    let tw = (t + ws.uniform(-0.25, 0.25)).clamp(0.0, 1.0);
    let weight = round_to((size.weight.0.ln() + tw * (size.weight.1.ln() - size.weight.0.ln())).exp(), 2).max(0.01);
    let (w2, h2) = (len * zs.uniform(0.25, 1.0), len * zs.uniform(0.05, 0.6));
    let dimensions = format!("{:.1} x {:.1} x {:.1} cm", len, w2.max(0.5), h2.max(0.3));
    let mut cols = stream(k, "color");
    let color = c.colors.pick(&mut cols).map(|x| x[li].clone()).unwrap_or_default();
    let mut rs = stream(k, "rating");
    const RATINGS: [(f64, f64); 9] = [
        (5.0, 20.0),
        (4.5, 30.0),
        (4.0, 22.0),
        (3.5, 12.0),
        (3.0, 7.0),
        (2.5, 4.0),
        (2.0, 2.0),
        (1.5, 1.5),
        (1.0, 1.5),
    ];
    let rw: Vec<f64> = RATINGS.iter().map(|r| r.1).collect();
    let rating = RATINGS[weighted_index(&mut rs, &rw).unwrap_or(0)].0;
    let mut avs = stream(k, "availability");
    let availability = c.availability.pick(&mut avs).cloned().unwrap_or_else(|| "IN_STOCK".into());
    // Tags: language-neutral keys.
    let tier = if bhi > blo {
        match (price - blo) / (bhi - blo) {
            t if t < 1.0 / 3.0 => "budget",
            t if t < 2.0 / 3.0 => "mid-range",
            _ => "premium",
        }
    } else {
        "mid-range"
    };
    let mut tags = vec![cd.key.to_lowercase(), brand.to_lowercase(), nn.key.replace('_', "-"), tier.to_string()];
    if condition != 0 {
        tags.push(c.conditions[condition].key.to_lowercase().replace('_', "-"));
    }
    let mut ts = stream(k, "tags");
    if ts.chance(0.2) {
        let t = ["bestseller", "new-arrival", "trending", "limited-edition", "staff-pick"];
        tags.push(t[ts.below(t.len() as u64) as usize].to_string());
    }
    let mut is = stream(k, "product_id");
    Ok(Product {
        id: format!("PROD{}", alnum(&mut is, 8)),
        name,
        description,
        price,
        category: cat,
        noun,
        brand,
        sku,
        condition,
        availability,
        currency: m.currency.clone(),
        weight,
        dimensions,
        color,
        rating,
        tags,
    })
}

/// The `Product` entity.
pub fn generate(g: &Gen<'_>) -> Result<Map, String> {
    Ok(product(g, mix(g.key, 0x9D))?.to_map())
}
