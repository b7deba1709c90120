//! Tests of `DateTimeGenerator` and `BirthdateGenerator`.

use super::super::testutil::*;
use super::super::*;
use super::{civil_from_days, days_from_civil, weekday};
use crate::domains::entities::completed_years;

fn dts(g: &Generator, seed: u64, n: usize) -> Vec<DateTime> {
    take(g, seed, n)
        .into_iter()
        .map(|v| match v {
            Value::DateTime(d) => d,
            other => panic!("not a datetime: {other:?}"),
        })
        .collect()
}

fn dt(s: &str) -> DateTime {
    s.replace(' ', "T").parse().expect("datetime literal")
}

fn ranged(extra: &[(&str, Value)]) -> Generator {
    let mut kw =
        vec![("min", s("2024-01-01 00:00:00")), ("max", s("2024-12-31 23:59:59")), ("random", Value::Bool(true))];
    kw.extend(extra.iter().cloned());
    gen("DateTimeGenerator", &kw)
}

fn wd(d: &DateTime) -> usize {
    weekday(days_from_civil(d.year() as i64, d.month() as i64, d.day() as i64))
}

#[test]
fn civil_day_arithmetic() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    for z in [-800_000, -1, 0, 59, 11_016, 19_723, 2_900_000] {
        let (y, m, d) = civil_from_days(z);
        assert_eq!(days_from_civil(y, m, d), z);
    }
    assert_eq!(weekday(0), 3); // Thursday
    assert_eq!(weekday(days_from_civil(2024, 3, 4)), 0); // Monday
}

#[test]
fn now_fixed_and_plain_random_modes() {
    let g = gen("DateTimeGenerator", &[]);
    assert_eq!(one(&g, 1), "2025-01-01 12:00:00");
    let g = gen("DateTimeGenerator", &[("value", s("2022-08-12")), ("input_format", s("%Y-%m-%d"))]);
    assert_eq!(one(&g, 1), "2022-08-12 00:00:00");
    let g = gen(
        "DateTimeGenerator",
        &[("min", s("2010-08-01")), ("max", s("2010-08-31")), ("input_format", s("%Y-%m-%d"))],
    );
    let v = dts(&g, 2, 3000);
    assert!(v.iter().all(|d| *d >= dt("2010-08-01 00:00:00") && *d <= dt("2010-08-31 00:00:00")));
    assert!(v.iter().any(|d| d.day() == 30) && v.iter().any(|d| d.day() == 1));
    assert!(v.iter().all(|d| d.subsec_nanosecond() == 0));
    // The default format accepts single-digit fields, and plain dates without a format.
    let g = gen("DateTimeGenerator", &[("min", s("2055-02-01 0:0:0")), ("max", s("2056-07-31 0:0:0"))]);
    assert!(dts(&g, 2, 500).iter().all(|d| d.year() == 2055 || d.year() == 2056));
    let g = gen("DateTimeGenerator", &[("min", s("2023-1-1")), ("max", s("2024-12-31"))]);
    assert!(dts(&g, 2, 500).iter().all(|d| (2023..=2024).contains(&d.year())));
    // One-sided and open ranges span 18262 days.
    let g = gen("DateTimeGenerator", &[("random", Value::Bool(true))]);
    let v = dts(&g, 4, 3000);
    assert!(v.iter().all(|d| *d >= dt("1970-01-01 00:00:00") && *d <= dt("2020-01-01 00:00:00")));
    assert!(v.iter().any(|d| d.year() < 1975) && v.iter().any(|d| d.year() > 2015));
    let g = gen("DateTimeGenerator", &[("min", s("2000-01-01 00:00:00"))]);
    assert!(dts(&g, 4, 500).iter().all(|d| (2000..=2050).contains(&d.year())));
    let g = gen("DateTimeGenerator", &[("max", s("2000-01-01 00:00:00"))]);
    assert!(dts(&g, 4, 500).iter().all(|d| (1949..=2000).contains(&d.year())));
    // `random_mode` is an alias of `random`.
    let g = gen("DateTimeGenerator", &[("random_mode", Value::Bool(true))]);
    assert_ne!(one(&g, 1), "2025-01-01 12:00:00");
}

#[test]
fn bad_arguments() {
    let e = gen_err("DateTimeGenerator", &[("min", s("2024-02-01 00:00:00")), ("max", s("2024-01-01 00:00:00"))]);
    assert!(e.contains("'max' (2024-01-01 00:00:00) must not be before min (2024-02-01 00:00:00)"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("min", s("01/02/2024")), ("input_format", s("%Y-%m-%d"))]);
    assert!(e.contains("'min' '01/02/2024' does not match input_format '%Y-%m-%d'"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("value", Value::Int(3))]);
    assert!(e.contains("'value' must be a datetime string"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("month_weights", s("[1]*11"))]);
    assert!(e.contains("'month_weights' must have 12 entries, got 11"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("hour_weights", s("[0]*24"))]);
    assert!(e.contains("'hour_weights' must not be all zero"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("weekday_weights", s("[1,1,1,1,1,1,-1]"))]);
    assert!(e.contains("'weekday_weights' entry 6 (-1) must be a non-negative number"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("dom_weights", s("[1 for x in"))]);
    assert!(e.contains("'dom_weights' '[1 for x in' cannot be evaluated"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("second_weights", Value::Int(1))]);
    assert!(e.contains("'second_weights' must be a list of 60 numbers"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("months", s("Q5"))]);
    assert!(e.contains("'months' has unknown month 'q5'"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("weekdays", s("Mon-Fry"))]);
    assert!(e.contains("'weekdays' has unknown day 'mon-fry'"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("dom", s("0"))]);
    assert!(e.contains("'dom' has unknown day '0'"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("hours_preset", s("lunch"))]);
    assert!(e.contains("'hours_preset' has unknown value 'lunch'"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("minute_granularity", Value::Int(0))]);
    assert!(e.contains("'minute_granularity' must be between 1 and 60"), "{e}");
    let e = gen_err("DateTimeGenerator", &[("random", s("often"))]);
    assert!(e.contains("'random' must be True or False"), "{e}");
    // Weights that select nothing inside the range.
    let e = gen_err(
        "DateTimeGenerator",
        &[("min", s("2024-04-01 00:00:00")), ("max", s("2024-04-30 23:59:59")), ("months", s("Q1"))],
    );
    assert!(e.contains("select no datetime between 2024-04-01 00:00:00"), "{e}");
}

#[test]
fn weights_given_as_lists_and_expressions() {
    let g = ranged(&[("month_weights", s("[0,0,1]+[0]*9"))]);
    assert!(dts(&g, 1, 500).iter().all(|d| d.month() == 3));
    let g = gen(
        "DateTimeGenerator",
        &[
            ("min", s("2024-01-01 00:00:00")),
            ("max", s("2024-01-31 23:59:59")),
            (
                "weekday_weights",
                Value::list(vec![
                    Value::Int(1),
                    Value::Int(0),
                    Value::Int(0),
                    Value::Int(0),
                    Value::Int(0),
                    Value::Int(0),
                    Value::Int(0),
                ]),
            ),
        ],
    );
    let v = dts(&g, 1, 500);
    assert!(v.iter().all(|d| wd(d) == 0));
    assert_eq!(v.iter().map(|d| d.day()).collect::<std::collections::BTreeSet<_>>().len(), 5);
    let g = gen(
        "DateTimeGenerator",
        &[
            ("min", s("2024-01-01 00:00:00")),
            ("max", s("2024-02-29 23:59:59")),
            ("dom_weights", s("[0]*14+[1]+[0]*16")),
        ],
    );
    let v = dts(&g, 1, 300);
    assert!(v.iter().all(|d| d.day() == 15));
    assert!(v.iter().any(|d| d.month() == 1) && v.iter().any(|d| d.month() == 2));
    // March + Monday + the 4th: only 2024-03-04, with the hour weights favouring 9-17.
    let g = ranged(&[
        ("month_weights", s("[0,0,1]+[0]*9")),
        ("weekday_weights", s("[1,0,0,0,0,0,0]")),
        ("dom_weights", s("[0,0,0,1]+[0]*27")),
        ("hour_weights", s("[0.1]*9+[1.0]*9+[0.1]*6")),
    ]);
    let v = dts(&g, 1, 2000);
    assert!(v.iter().all(|d| d.date() == jiff::civil::date(2024, 3, 4)));
    let day = v.iter().filter(|d| (9..18).contains(&d.hour())).count();
    assert!(day as f64 > 0.75 * v.len() as f64, "{day}");
    let g = gen(
        "DateTimeGenerator",
        &[
            ("random", Value::Bool(true)),
            ("hour_weights", s("[1 if h < 6 else 0 for h in range(24)]")),
            ("minute_weights", s("[1 if m in (0,15,30,45) else 0 for m in range(60)]")),
            ("second_weights", s("[1]+[0]*59")),
        ],
    );
    for d in dts(&g, 1, 1000) {
        assert!(d.hour() < 6 && d.minute() % 15 == 0 && d.second() == 0, "{d}");
    }
}

#[test]
fn hour_weights_shape_the_distribution() {
    let g = ranged(&[("hour_weights", s("[1]*12 + [3]*12"))]);
    let v = dts(&g, 5, 20_000);
    let pm = v.iter().filter(|d| d.hour() >= 12).count() as f64 / v.len() as f64;
    assert!((pm - 0.75).abs() < 0.015, "{pm}");
    let g = ranged(&[("month_weights", s("[3]+[1]*11"))]);
    let v = dts(&g, 6, 20_000);
    // January has 31 of 366 days; with weight 3: 93 / (93 + 335).
    let jan = v.iter().filter(|d| d.month() == 1).count() as f64 / v.len() as f64;
    assert!((jan - 93.0 / 428.0).abs() < 0.015, "{jan}");
}

#[test]
fn bounds_hold_on_the_first_and_last_day() {
    let g = gen(
        "DateTimeGenerator",
        &[
            ("min", s("2025-07-20 12:00:00")),
            ("max", s("2025-07-20 12:00:05")),
            ("random", Value::Bool(true)),
            ("hour_weights", s("[0]*12+[1]+[0]*11")),
            ("minute_weights", s("[1]+[0]*59")),
            ("second_weights", s("[1]+[0]*59")),
        ],
    );
    assert!(dts(&g, 1, 100).iter().all(|d| *d == dt("2025-07-20 12:00:00")));
    let g = gen(
        "DateTimeGenerator",
        &[("min", s("2024-05-01 22:30:00")), ("max", s("2024-05-03 01:15:00")), ("hours_preset", s("night"))],
    );
    let v = dts(&g, 2, 3000);
    let lo = dt("2024-05-01 22:30:00");
    let hi = dt("2024-05-03 01:15:00");
    assert!(v.iter().all(|d| *d >= lo && *d <= hi && (d.hour() >= 22 || d.hour() < 6)));
    assert!(v.iter().any(|d| d.day() == 1) && v.iter().any(|d| d.day() == 3));
}

#[test]
fn sugar_filters() {
    let months = |g: &Generator| dts(g, 3, 800).iter().map(|d| d.month()).collect::<std::collections::BTreeSet<_>>();
    assert_eq!(months(&ranged(&[("months", s("Q1"))])).into_iter().collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(months(&ranged(&[("months", s("Q2,Q4"))])).into_iter().collect::<Vec<_>>(), [4, 5, 6, 10, 11, 12]);
    assert_eq!(months(&ranged(&[("months", s("3,7-9"))])).into_iter().collect::<Vec<_>>(), [3, 7, 8, 9]);
    assert_eq!(months(&ranged(&[("months", s("Nov-Feb"))])).into_iter().collect::<Vec<_>>(), [1, 2, 11, 12]);
    let ex = months(&ranged(&[("months_exclude", s("2,4"))]));
    assert!(!ex.contains(&2) && !ex.contains(&4) && ex.len() == 10);
    let april = |extra: (&str, Value)| {
        gen(
            "DateTimeGenerator",
            &[
                ("min", s("2024-04-01 00:00:00")),
                ("max", s("2024-04-30 23:59:59")),
                ("random", Value::Bool(true)),
                extra,
            ],
        )
    };
    assert!(dts(&april(("weekdays", s("Mon-Fri"))), 1, 500).iter().all(|d| wd(d) < 5));
    assert!(dts(&april(("weekdays", s("Weekend"))), 1, 500).iter().all(|d| wd(d) >= 5));
    assert!(dts(&april(("weekdays", s("business"))), 1, 500).iter().all(|d| wd(d) < 5));
    assert!(dts(&april(("weekdays", s("Sat, sunday"))), 1, 500).iter().all(|d| wd(d) >= 5));
    let last = dts(&ranged(&[("dom", s("last"))]), 1, 1000);
    assert!(last.iter().all(|d| d.day() == d.date().days_in_month()));
    assert_eq!(last.iter().map(|d| d.month()).collect::<std::collections::BTreeSet<_>>().len(), 12);
    let multi = dts(&ranged(&[("dom", s("1-5,15,31"))]), 1, 1000);
    assert!(multi.iter().all(|d| d.day() <= 5 || d.day() == 15 || d.day() == 31));
    let g = april(("hours_preset", s("office")));
    let g2 = gen(
        "DateTimeGenerator",
        &[
            ("min", s("2024-04-01 00:00:00")),
            ("max", s("2024-04-30 23:59:59")),
            ("hours_preset", s("office")),
            ("minute_granularity", Value::Int(15)),
            ("second_granularity", Value::Int(10)),
        ],
    );
    assert!(dts(&g, 1, 500).iter().all(|d| (9..17).contains(&d.hour())));
    for d in dts(&g2, 1, 500) {
        assert!((9..17).contains(&d.hour()) && d.minute() % 15 == 0 && d.second() % 10 == 0, "{d}");
    }
}

#[test]
fn own_seed_gives_a_stream_independent_of_the_run() {
    let g = ranged(&[("seed", Value::Int(42)), ("months", s("Q1"))]);
    let a = reprs(&g, 1, 20);
    let b = reprs(&g, 2, 20);
    assert_eq!(a, b);
    assert!(a.iter().collect::<std::collections::HashSet<_>>().len() > 15);
    let g2 = ranged(&[("seed", Value::Int(43)), ("months", s("Q1"))]);
    assert_ne!(a, reprs(&g2, 1, 20));
    // Without a seed the values follow the stream.
    let g = ranged(&[]);
    assert_eq!(reprs(&g, 1, 20), reprs(&g, 1, 20));
    assert_ne!(reprs(&g, 1, 20), reprs(&g, 2, 20));
}

#[test]
fn birthdate_generator() {
    let today = now().date();
    for (lo, hi) in [(1, 100), (18, 65), (0, 0), (30, 30)] {
        let g = gen("BirthdateGenerator", &[("min_age", Value::Int(lo)), ("max_age", Value::Int(hi))]);
        let v = dts(&g, 7, 5000);
        let ages: Vec<i64> = v.iter().map(|d| completed_years(d.date(), today)).collect();
        assert!(ages.iter().all(|a| (lo..=hi).contains(a)), "{lo}..{hi}");
        assert!(ages.contains(&lo) && ages.contains(&hi), "{lo}..{hi}");
        assert!(v.iter().all(|d| d.time() == jiff::civil::Time::midnight()));
    }
    let g = gen("BirthdateGenerator", &[]);
    let ages: Vec<i64> = dts(&g, 1, 2000).iter().map(|d| completed_years(d.date(), today)).collect();
    assert!(ages.iter().all(|a| (1..=100).contains(a)));
    // A leap-day "today".
    let g = gen("BirthdateGenerator", &[("min_age", Value::Int(1)), ("max_age", Value::Int(1))]);
    let leap = jiff::civil::date(2024, 2, 29).at(8, 0, 0, 0);
    let mut st = GenState::default();
    for i in 0..2000 {
        let v = g.next(&mut st, &mut Stream::new(i), leap).unwrap().unwrap();
        let Value::DateTime(d) = v else { panic!() };
        assert_eq!(completed_years(d.date(), leap.date()), 1, "{d}");
    }
    let e = gen_err("BirthdateGenerator", &[("min_age", Value::Int(50)), ("max_age", Value::Int(20))]);
    assert!(e.contains("'min_age' (50) must not exceed max_age (20)"), "{e}");
    let e = gen_err("BirthdateGenerator", &[("min_age", Value::Int(-1))]);
    assert!(e.contains("'min_age' must be between 0 and 1000"), "{e}");
    let e = gen_err("BirthdateGenerator", &[("max_age", s("old"))]);
    assert!(e.contains("'max_age' must be an integer"), "{e}");
}
