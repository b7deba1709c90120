//! `Order`: 1-8 line items (products of the same market, so in the order's currency), a date
//! within the last year (recent ones more often), a status that an order of that age can have, a shipping method that
//! can carry its largest item, the sales tax or VAT of the shipping state or the items'
//! categories, an optional coupon whose percentage is the discount, and
//! `total = subtotal + tax + shipping - discount` in the currency's minor units.

use std::sync::Arc;

use jiff::ToSpan;

use crate::domains::determinism::mix;
use crate::domains::entities::{map, s, stream, Gen};
use crate::domains::families::commerce::catalog::{catalog, market};
use crate::domains::families::commerce::product::{product, shelf_price};
use crate::domains::families::commerce::table::{alnum, round_to, weighted_index};
use crate::vm::value::{Map, Value};

/// Item-count weights for 1, 2, … items.
const ITEM_COUNTS: [f64; 8] = [40.0, 25.0, 15.0, 8.0, 5.0, 3.0, 2.0, 2.0];

/// The `Order` entity.
pub fn generate(g: &Gen<'_>) -> Result<Map, String> {
    let c = catalog();
    let m = market(g.loc.code);
    let k = g.key;
    let d = m.decimals;
    // Line items.
    let mut qs = stream(k, "item_count");
    let n = weighted_index(&mut qs, &ITEM_COUNTS[..m.items_max.clamp(1, ITEM_COUNTS.len())]).unwrap_or(0) + 1;
    let items = (0..n).map(|i| product(g, mix(k, 0x1000 + i as u64))).collect::<Result<Vec<_>, _>>()?;
    let subtotal = round_to(items.iter().map(|p| p.price).sum(), d);
    let largest = items.iter().map(|p| c.nouns[p.noun].size).max().unwrap_or(0);
    // Date: up to a year before the clock, never after it; recent orders are more common
    // (a growing shop), so about a fifth of them are less than a month old.
    let mut ts = stream(k, "date");
    let back = ((365 * 86_400) as f64 * ts.f64().powf(1.5)) as i64;
    let date = g.now.checked_sub(back.seconds()).unwrap_or(g.now);
    let age_days = back / 86_400;
    // Addresses: billing is the shipping address for 80 % of orders.
    let ship_addr = g.address(mix(k, 0xAD1));
    let mut bs = stream(k, "billing_address");
    let bill_addr = if bs.chance(0.8) { None } else { Some(g.address(mix(k, 0xAD2))) };
    // Shipping method able to carry the largest item, and its cost.
    let ok: Vec<f64> = m
        .shipping
        .iter()
        .map(|sh| if sh.sizes.0 <= largest && largest <= sh.sizes.1 { sh.weight } else { 0.0 })
        .collect();
    let mut ss = stream(k, "shipping_method");
    let si = weighted_index(&mut ss, &ok).unwrap_or(0);
    let sh = &m.shipping[si];
    let mut cs = stream(k, "shipping_amount");
    let shipping = if sh.cost.1 <= 0.0 || sh.free_over.is_some_and(|f| subtotal >= f) {
        0.0
    } else {
        let x = cs.uniform(sh.cost.0, sh.cost.1);
        shelf_price(m, &mut cs, x, sh.cost.0, sh.cost.1)
    };
    // Payment, then a status that fits the order's age, fulfilment and payment.
    let mut pys = stream(k, "payment_method");
    let payment = m.payments.pick(&mut pys).cloned().unwrap_or_else(|| "CREDIT_CARD".into());
    let cod = payment == "CASH_ON_DELIVERY";
    let sw: Vec<f64> = c
        .statuses
        .iter()
        .map(|st| {
            let fits_age = st.min_days <= age_days && age_days <= st.max_days;
            let fits_way = match st.fulfilment.as_str() {
                "pickup" => sh.pickup,
                "delivery" => !sh.pickup,
                _ => true,
            };
            let fits_pay = !(cod && matches!(st.key.as_str(), "AWAITING_PAYMENT" | "PAYMENT_CONFIRMED"));
            if fits_age && fits_way && fits_pay {
                st.weight
            } else {
                0.0
            }
        })
        .collect();
    let mut sts = stream(k, "status");
    let status = match weighted_index(&mut sts, &sw) {
        Some(i) if sw[i] > 0.0 => c.statuses[i].key.clone(),
        _ => (if age_days >= 2 { "DELIVERED" } else { "PENDING" }).to_string(),
    };
    // Coupon: a quarter of the orders, the discount is the coupon's percentage.
    let mut ks = stream(k, "coupon_code");
    let coupon = if ks.chance(0.25) { c.coupons.pick(&mut ks).cloned() } else { None };
    let pct = coupon.as_ref().map(|(_, p)| *p / 100.0).unwrap_or(0.0);
    let discount = round_to(subtotal * pct, d);
    let coupon_code = coupon.map(|(prefix, _)| format!("{prefix}-{}", alnum(&mut ks, 6)));
    // Tax on the discounted merchandise.
    let state = ship_addr.city.state.to_string();
    let tax = round_to(
        items.iter().map(|p| p.price * m.tax_rate(&c.categories[p.category].key, &state)).sum::<f64>() * (1.0 - pct),
        d,
    );
    let total = round_to(subtotal + tax + shipping - discount, d);
    let mut nts = stream(k, "notes");
    let notes = if nts.chance(0.2) { m.notes.pick(&mut nts).cloned() } else { None };
    let mut ids = stream(k, "order_id");
    let order_id = format!("ORD{}", alnum(&mut ids, 8));
    let mut us = stream(k, "user_id");
    let user_id = format!("USER{}", alnum(&mut us, 8));
    let opt = |v: Option<String>| v.map(|x| s(&x)).unwrap_or(Value::Null);
    let ship_map = Value::map(ship_addr.to_map(g.loc));
    let bill_map = match &bill_addr {
        Some(a) => Value::map(a.to_map(g.loc)),
        None => ship_map.clone(),
    };
    Ok(map(vec![
        ("order_id", s(&order_id)),
        ("user_id", s(&user_id)),
        ("product_list", Value::List(Arc::new(items.iter().map(|p| Value::map(p.to_map())).collect()))),
        ("total_amount", Value::Float(total)),
        ("date", Value::DateTime(date)),
        ("status", s(&status)),
        ("payment_method", s(&payment)),
        ("shipping_method", s(&sh.key)),
        ("shipping_address", ship_map),
        ("billing_address", bill_map),
        ("currency", s(&m.currency)),
        ("tax_amount", Value::Float(tax)),
        ("shipping_amount", Value::Float(shipping)),
        ("discount_amount", Value::Float(discount)),
        ("coupon_code", opt(coupon_code)),
        ("notes", opt(notes)),
    ]))
}
