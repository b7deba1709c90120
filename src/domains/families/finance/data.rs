//! The finance datasets (`src/domains/data/finance/*.csv`), compiled in and parsed once per
//! dataset into weighted tables.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::domains::determinism::{AliasTable, Stream};

macro_rules! file {
    ($f:literal) => {
        include_str!(concat!("../../data/finance/", $f))
    };
}

/// Rows of a dataset file: `#` lines skipped, the header row consumed.
fn rows(text: &str) -> Vec<Vec<String>> {
    let body: String = text.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(body.as_bytes());
    rdr.records()
        .filter_map(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().to_string()).collect::<Vec<_>>())
        .filter(|r| r.iter().any(|c| !c.is_empty()))
        .collect()
}

fn col(r: &[String], i: usize) -> &str {
    r.get(i).map(|s| s.as_str()).unwrap_or("")
}

fn num(r: &[String], i: usize) -> f64 {
    col(r, i).parse::<f64>().unwrap_or(0.0)
}

/// `a|b:3|c` -> `[("a", 1), ("b", 3), ("c", 1)]`.
fn weighted_list(s: &str) -> Vec<(String, f64)> {
    s.split('|')
        .filter(|x| !x.is_empty())
        .map(|x| match x.split_once(':') {
            Some((v, w)) => (v.to_string(), w.parse().unwrap_or(1.0)),
            None => (x.to_string(), 1.0),
        })
        .collect()
}

/// A list with an alias table over its weights (items with weight 0 are never drawn).
#[derive(Debug)]
pub struct Table<T> {
    pub items: Vec<T>,
    alias: Option<AliasTable>,
}

impl<T> Table<T> {
    fn new(items: Vec<T>, weights: &[f64]) -> Table<T> {
        Table { alias: AliasTable::new(weights), items }
    }

    /// A weighted pick; `None` when nothing can be drawn.
    pub fn pick(&self, st: &mut Stream) -> Option<&T> {
        self.alias.as_ref().map(|t| &self.items[t.sample(st)])
    }
}

/// Index of a weighted choice among `weights` (uniform when they are all zero).
pub fn pick_weighted(st: &mut Stream, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return st.below(weights.len() as u64) as usize;
    }
    let mut u = st.f64() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len().saturating_sub(1)
}

#[derive(Debug, Clone)]
pub struct Bank {
    pub name: Arc<str>,
    pub bic: String,
    /// US: ABA routing number; DE: Bankleitzahl; VN: interbank short code.
    pub national_code: String,
    pub routing_number: String,
    pub blz: String,
    pub napas_bin: String,
    pub brands: Vec<String>,
    pub weight: f64,
}

#[derive(Debug)]
pub struct Brand {
    pub name: String,
    /// `(low prefix, high prefix, weight)`; both prefixes have the same length.
    pub ranges: Vec<(String, String, f64)>,
    pub lengths: Vec<(usize, f64)>,
    pub cvv_length: usize,
}

#[derive(Debug)]
pub struct Currency {
    pub code: Arc<str>,
    pub symbol: Arc<str>,
    pub minor_units: u32,
    pub per_usd: f64,
    /// Smallest ATM note step in major units.
    pub cash_step: i64,
}

#[derive(Debug)]
pub struct AccountType {
    pub id: String,
    pub median_balance: f64,
    pub apy_min: f64,
    pub apy_max: f64,
}

#[derive(Debug)]
pub struct Category {
    pub id: String,
    pub label: Arc<str>,
    pub mcc: String,
    /// `Purchase` or `Payment`.
    pub kind: String,
    pub min: f64,
    pub max: f64,
    pub online: f64,
    pub mobile: f64,
    pub open: i64,
    pub close: i64,
    pub merchants: Vec<Arc<str>>,
}

#[derive(Debug)]
pub struct Provider {
    pub name: String,
    pub wallet_type: String,
    pub holds_balance: bool,
    pub since: i16,
}

/// Economic parameters of a dataset country (model constants, in US dollars at US prices
/// unless noted).
#[derive(Debug, Clone, Copy)]
pub struct Economy {
    /// Consumer price level relative to the US.
    pub price_level: f64,
    /// Median monthly net income of a salaried account holder.
    pub income_median: f64,
    /// Local currency code.
    pub currency: &'static str,
    /// Column of the per-dataset weights and texts.
    pub index: usize,
}

/// The finance pack of one dataset.
#[derive(Debug)]
pub struct Pack {
    pub code: &'static str,
    pub economy: Economy,
    pub banks: Table<Bank>,
    pub brands: Table<Brand>,
    pub currencies: Table<Currency>,
    pub account_types: Table<AccountType>,
    /// Purchase categories weighted by their share of card purchases.
    pub purchase: Table<usize>,
    /// Categories paid as recurring bills.
    pub bills: Vec<usize>,
    pub categories: Vec<Category>,
    pub texts: HashMap<String, String>,
    pub providers: Table<Provider>,
}

impl Pack {
    /// The local currency row.
    pub fn local(&self) -> &Currency {
        self.currency(self.economy.currency)
    }

    /// A currency row by code (the local one when unknown).
    pub fn currency(&self, code: &str) -> &Currency {
        self.currencies
            .items
            .iter()
            .find(|c| &*c.code == code)
            .or_else(|| self.currencies.items.iter().find(|c| &*c.code == self.economy.currency))
            .unwrap_or(&self.currencies.items[0])
    }

    /// The statement text of a transaction kind with `{m}` replaced.
    pub fn text(&self, kind: &str, m: &str) -> String {
        self.texts.get(kind).map(|t| t.replace("{m}", m)).unwrap_or_else(|| m.to_string())
    }

    /// Banks issuing cards of `brand`.
    pub fn issuers(&self, brand: &str) -> Vec<&Bank> {
        self.banks.items.iter().filter(|b| b.brands.iter().any(|x| x == brand)).collect()
    }

    pub fn brand(&self, name: &str) -> Option<&Brand> {
        self.brands.items.iter().find(|b| b.name == name)
    }
}

fn banks(code: &str) -> Vec<Bank> {
    let split = |s: &str| s.split('|').map(str::to_string).collect::<Vec<_>>();
    match code {
        "DE" => rows(file!("banks_de.csv"))
            .iter()
            .map(|r| Bank {
                name: col(r, 0).into(),
                blz: col(r, 1).into(),
                national_code: col(r, 1).into(),
                bic: col(r, 2).into(),
                brands: split(col(r, 3)),
                weight: num(r, 4),
                routing_number: String::new(),
                napas_bin: String::new(),
            })
            .collect(),
        "VN" => rows(file!("banks_vn.csv"))
            .iter()
            .map(|r| Bank {
                name: col(r, 0).into(),
                national_code: col(r, 1).into(),
                bic: col(r, 2).into(),
                napas_bin: col(r, 3).into(),
                brands: split(col(r, 4)),
                weight: num(r, 5),
                routing_number: String::new(),
                blz: String::new(),
            })
            .collect(),
        _ => rows(file!("banks_us.csv"))
            .iter()
            .map(|r| Bank {
                name: col(r, 0).into(),
                routing_number: col(r, 1).into(),
                national_code: col(r, 1).into(),
                bic: col(r, 2).into(),
                brands: split(col(r, 3)),
                weight: num(r, 4),
                blz: String::new(),
                napas_bin: String::new(),
            })
            .collect(),
    }
}

fn load(code: &'static str, economy: Economy) -> Pack {
    let i = economy.index;
    let banks = banks(code);
    let bw: Vec<f64> = banks.iter().map(|b| b.weight).collect();

    let brand_rows = rows(file!("card_brands.csv"));
    let brands: Vec<Brand> = brand_rows
        .iter()
        .map(|r| Brand {
            name: col(r, 0).into(),
            ranges: weighted_list(col(r, 1))
                .into_iter()
                .map(|(v, w)| match v.split_once('-') {
                    Some((a, b)) => (a.to_string(), b.to_string(), w),
                    None => (v.clone(), v, w),
                })
                .collect(),
            lengths: weighted_list(col(r, 2)).into_iter().map(|(v, w)| (v.parse().unwrap_or(16), w)).collect(),
            cvv_length: col(r, 3).parse().unwrap_or(3),
        })
        .collect();
    // A brand is drawn only when some bank of the dataset issues it.
    let brand_w: Vec<f64> = brand_rows
        .iter()
        .zip(&brands)
        .map(|(r, b)| if banks.iter().any(|k| k.brands.contains(&b.name)) { num(r, 4 + i) } else { 0.0 })
        .collect();

    let cur_rows = rows(file!("currencies.csv"));
    let currencies: Vec<Currency> = cur_rows
        .iter()
        .map(|r| Currency {
            code: col(r, 0).into(),
            symbol: col(r, 1).into(),
            minor_units: col(r, 2).parse().unwrap_or(2),
            per_usd: num(r, 3),
            cash_step: col(r, 4).parse().unwrap_or(10),
        })
        .collect();
    let cur_w: Vec<f64> = cur_rows.iter().map(|r| num(r, 5 + i)).collect();

    let at_rows = rows(file!("account_types.csv"));
    let account_types: Vec<AccountType> = at_rows
        .iter()
        .map(|r| AccountType {
            id: col(r, 0).into(),
            median_balance: num(r, 4),
            apy_min: num(r, 5),
            apy_max: num(r, 6),
        })
        .collect();
    let at_w: Vec<f64> = at_rows.iter().map(|r| num(r, 1 + i)).collect();

    let merchant_rows = rows(file!("merchants.csv"));
    let cat_rows = rows(file!("categories.csv"));
    let categories: Vec<Category> = cat_rows
        .iter()
        .map(|r| Category {
            id: col(r, 0).into(),
            label: col(r, 1).into(),
            mcc: col(r, 2).into(),
            kind: col(r, 3).into(),
            min: num(r, 4),
            max: num(r, 5),
            online: num(r, 7),
            mobile: num(r, 8),
            open: num(r, 9) as i64,
            close: num(r, 10) as i64,
            merchants: merchant_rows
                .iter()
                .filter(|m| col(m, 0) == code && col(m, 1) == col(r, 0))
                .map(|m| Arc::from(col(m, 2)))
                .collect(),
        })
        .collect();
    let purchase_idx: Vec<usize> = (0..categories.len()).filter(|&c| categories[c].kind == "Purchase").collect();
    let purchase_w: Vec<f64> = purchase_idx.iter().map(|&c| num(&cat_rows[c], 6)).collect();
    let bills: Vec<usize> = (0..categories.len()).filter(|&c| categories[c].kind == "Payment").collect();

    let texts: HashMap<String, String> =
        rows(file!("descriptions.csv")).iter().map(|r| (col(r, 0).to_string(), col(r, 1 + i).to_string())).collect();

    let prov_rows: Vec<Vec<String>> =
        rows(file!("wallet_providers.csv")).into_iter().filter(|r| col(r, 0) == code).collect();
    let providers: Vec<Provider> = prov_rows
        .iter()
        .map(|r| Provider {
            name: col(r, 1).into(),
            wallet_type: col(r, 2).into(),
            holds_balance: col(r, 3) == "1",
            since: col(r, 4).parse().unwrap_or(2015),
        })
        .collect();
    let prov_w: Vec<f64> = prov_rows.iter().map(|r| num(r, 5)).collect();

    Pack {
        code,
        economy,
        banks: Table::new(banks, &bw),
        brands: Table::new(brands, &brand_w),
        currencies: Table::new(currencies, &cur_w),
        account_types: Table::new(account_types, &at_w),
        purchase: Table::new(purchase_idx, &purchase_w),
        bills,
        categories,
        texts,
        providers: Table::new(providers, &prov_w),
    }
}

/// The finance pack of a locale pack code (`US`, `DE`, `VN`; others use US).
pub fn pack(code: &str) -> &'static Pack {
    static US: OnceLock<Pack> = OnceLock::new();
    static DE: OnceLock<Pack> = OnceLock::new();
    static VN: OnceLock<Pack> = OnceLock::new();
    match code {
        "DE" => DE.get_or_init(|| {
            load("DE", Economy { price_level: 0.88, income_median: 3100.0, currency: "EUR", index: 1 })
        }),
        "VN" => VN.get_or_init(|| {
            load("VN", Economy { price_level: 0.36, income_median: 1800.0, currency: "VND", index: 2 })
        }),
        _ => US
            .get_or_init(|| load("US", Economy { price_level: 1.0, income_median: 4500.0, currency: "USD", index: 0 })),
    }
}
