//! Tests of the numeric generators.

use super::super::testutil::*;
use super::super::*;

fn ints(g: &Generator, n: usize) -> Vec<i64> {
    take(g, 7, n).iter().map(|v| v.as_i64().expect("int")).collect()
}

fn int_dist(min: i64, max: i64, dist: &str) -> Generator {
    gen("IntegerGenerator", &[("min", Value::Int(min)), ("max", Value::Int(max)), ("distribution", s(dist))])
}

#[test]
fn increment_generator() {
    assert_eq!(ints(&gen("IncrementGenerator", &[]), 3), vec![1, 2, 3]);
    let g = gen("IncrementGenerator", &[("start", Value::Int(1)), ("end", Value::Int(5))]);
    assert_eq!(ints(&g, 10), vec![1, 2, 3, 4]);
    let g = gen("IncrementGenerator", &[("start", Value::Int(0)), ("step", Value::Int(5)), ("end", Value::Int(11))]);
    assert_eq!(ints(&g, 10), vec![0, 5, 10]);
    let g = construct("IncrementGenerator", &[Value::Int(1000)], &[], &cfg()).unwrap();
    assert_eq!(ints(&g, 2), vec![1000, 1001]);
    let e = gen_err("IncrementGenerator", &[("step", Value::Int(0))]);
    assert!(e.contains("'step' must be > 0"), "{e}");
    let e = gen_err("IncrementGenerator", &[("start", s("x"))]);
    assert!(e.contains("'start' must be an integer"), "{e}");
    // Near the top of the range the sequence ends instead of overflowing.
    let g = gen("IncrementGenerator", &[("start", Value::Int(i64::MAX - 1)), ("end", Value::Int(i64::MAX))]);
    assert_eq!(ints(&g, 5), vec![i64::MAX - 1]);
}

#[test]
fn global_increment_generator() {
    assert_eq!(ints(&gen("GlobalIncrementGenerator", &[]), 4), vec![1, 2, 3, 4]);
}

#[test]
fn integer_generator_defaults_bounds_and_errors() {
    let g = gen("IntegerGenerator", &[]);
    for v in ints(&g, 2000) {
        assert!((0..=1_000_000).contains(&v));
    }
    let g = gen("IntegerGenerator", &[("min", Value::Int(10)), ("max", Value::Int(20))]);
    let vs = ints(&g, 2000);
    assert!(vs.iter().all(|v| (10..=20).contains(v)));
    assert!(vs.contains(&10) && vs.contains(&20));
    // Properties arrive as strings.
    let g = gen("IntegerGenerator", &[("min", s("3")), ("max", s("3"))]);
    assert_eq!(ints(&g, 2), vec![3, 3]);
    let e = gen_err("IntegerGenerator", &[("min", Value::Int(5)), ("max", Value::Int(1))]);
    assert!(e.contains("'min' (5) must not exceed max (1)"), "{e}");
    let e = gen_err("IntegerGenerator", &[("max", Value::Float(2.5))]);
    assert!(e.contains("'max' must be an integer"), "{e}");
    let e = gen_err("IntegerGenerator", &[("distribution", s("zigzag"))]);
    assert!(e.contains("'distribution' has unknown value 'zigzag'"), "{e}");
    let e = gen_err("IntegerGenerator", &[("distribution", Value::Int(1))]);
    assert!(e.contains("'distribution' must be a string"), "{e}");
    // The full i64 range works.
    let g = gen("IntegerGenerator", &[("min", Value::Int(i64::MIN)), ("max", Value::Int(i64::MAX))]);
    assert_eq!(ints(&g, 3).len(), 3);
}

#[test]
fn finite_sequences() {
    assert_eq!(ints(&int_dist(1, 5, "step"), 10), vec![1, 2, 3, 4, 5]);
    assert_eq!(ints(&int_dist(1, 3, "increment"), 10), vec![1, 2, 3]);
    assert_eq!(ints(&int_dist(1, 16, "shuffle"), 20), vec![1, 3, 5, 7, 9, 11, 13, 15, 2, 4, 6, 8, 10, 12, 14, 16]);
    assert_eq!(ints(&int_dist(0, 4, "shuffle"), 9), vec![0, 2, 4, 1, 3]);
    assert_eq!(ints(&int_dist(1, 6, "wedge"), 9), vec![1, 6, 2, 5, 3, 4]);
    assert_eq!(ints(&int_dist(1, 5, "wedge"), 9), vec![1, 5, 2, 4, 3]);
    assert_eq!(ints(&int_dist(0, 7, "bitreverse"), 9), vec![0, 4, 2, 6, 1, 5, 3, 7]);
    assert_eq!(ints(&int_dist(0, 5, "bitreverse"), 9), vec![0, 4, 2, 1, 5, 3]);
    assert_eq!(ints(&int_dist(3, 3, "bitreverse"), 9), vec![3]);
    assert_eq!(
        ints(&int_dist(0, 1000, "fibonacci"), 20),
        vec![0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987]
    );
    assert_eq!(ints(&int_dist(4, 40, "fibonacci"), 20), vec![5, 8, 13, 21, 34]);
    assert_eq!(ints(&int_dist(0, 20, "padovan"), 20), vec![1, 1, 1, 2, 2, 3, 4, 5, 7, 9, 12, 16]);
    // Exhausted sequences stay exhausted.
    let g = int_dist(1, 2, "step");
    let mut st = GenState::default();
    let mut r = Stream::new(1);
    assert!(g.next(&mut st, &mut r, now()).unwrap().is_some());
    assert!(g.next(&mut st, &mut r, now()).unwrap().is_some());
    assert!(g.next(&mut st, &mut r, now()).unwrap().is_none());
    assert!(g.next(&mut st, &mut r, now()).unwrap().is_none());
    // Fibonacci runs to the end of i64 without overflow.
    let n = ints(&int_dist(0, i64::MAX, "fibonacci"), 200).len();
    assert_eq!(n, 93);
}

#[test]
fn infinite_distributions() {
    let walk = ints(&int_dist(1, 10, "randomWalk"), 30);
    assert_eq!(walk[0], 1);
    for w in walk.windows(2) {
        let d = w[1] - w[0];
        assert!((1..=2).contains(&d) || (w[1] == 10 && d >= 0), "{walk:?}");
    }
    assert_eq!(*walk.last().unwrap(), 10);
    let cum = int_dist(0, 100, "cumulated");
    let vs = ints(&cum, 20000);
    assert!(vs.iter().all(|v| (0..=100).contains(v)));
    let mean = vs.iter().sum::<i64>() as f64 / vs.len() as f64;
    let central = vs.iter().filter(|v| (30..=70).contains(*v)).count();
    assert!((mean - 50.0).abs() < 1.0, "{mean}");
    assert!(central as f64 > 0.85 * vs.len() as f64, "bell shape: {central}");
    let g = gen("IntegerGenerator", &[("distribution", s("random_walk"))]);
    assert_eq!(ints(&g, 1), vec![0]);
}

#[test]
fn float_generator_grid_and_printing() {
    let g = gen("FloatGenerator", &[]);
    let vs = take(&g, 3, 5000);
    for v in &vs {
        let f = v.as_f64().unwrap();
        assert!((0.0..=10.0).contains(&f));
        let p = v.py_str();
        let decimals = p.split('.').nth(1).map_or(0, str::len);
        assert!(decimals <= 1, "{p}");
    }
    assert!(vs.iter().any(|v| v.as_f64() == Some(10.0)));
    for (min, max, g, places) in [
        (0.0, 1000.0, 0.1, 1),
        (10.0, 20.0, 0.0003, 4),
        (0.0, 10.0, 0.01, 2),
        (-5.5, 5.5, 0.25, 2),
        (0.0, 1.0, 1e-5, 5),
    ] {
        let gen = gen(
            "FloatGenerator",
            &[("min", Value::Float(min)), ("max", Value::Float(max)), ("granularity", Value::Float(g))],
        );
        for v in take(&gen, 11, 20000) {
            let f = v.as_f64().unwrap();
            assert!(f >= min && f <= max, "{f}");
            let p = v.py_str();
            assert!(!p.contains('e'), "{p}");
            let decimals = p.split('.').nth(1).map_or(0, str::len);
            assert!(decimals <= places, "{p} with granularity {g}");
            let k = (f - min) / g;
            assert!((k - k.round()).abs() < 1e-6, "{f} off the grid");
        }
    }
    let e = gen_err("FloatGenerator", &[("granularity", Value::Float(0.0))]);
    assert!(e.contains("'granularity' must be > 0"), "{e}");
    let e = gen_err("FloatGenerator", &[("min", Value::Int(20))]);
    assert!(e.contains("'min' (20) must not exceed max (10)"), "{e}");
    let e = gen_err("FloatGenerator", &[("max", s("ten"))]);
    assert!(e.contains("'max' must be a number"), "{e}");
    let e = gen_err("FloatGenerator", &[("max", Value::Float(1e20)), ("granularity", Value::Float(1e-10))]);
    assert!(e.contains("too fine"), "{e}");
    let e = gen_err(
        "FloatGenerator",
        &[("min", s("-70000000000000000000000000000")), ("max", s("70000000000000000000000000000"))],
    );
    assert!(e.contains("'granularity'"), "{e}");
}

#[test]
fn float_sequences() {
    let g =
        gen("FloatGenerator", &[("min", Value::Float(1.0)), ("max", Value::Float(1.5)), ("distribution", s("step"))]);
    let p: Vec<String> = take(&g, 1, 10).iter().map(Value::py_str).collect();
    assert_eq!(p, ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"]);
    let g = gen("FloatGenerator", &[("max", Value::Int(10)), ("distribution", s("fibonacci"))]);
    let p: Vec<String> = take(&g, 1, 10).iter().map(Value::py_str).collect();
    assert_eq!(p, ["0.0", "1.0", "1.0", "2.0", "3.0", "5.0", "8.0"]);
    let g =
        gen("FloatGenerator", &[("min", Value::Float(0.0)), ("max", Value::Float(0.3)), ("distribution", s("wedge"))]);
    let p: Vec<String> = take(&g, 1, 10).iter().map(Value::py_str).collect();
    assert_eq!(p, ["0.0", "0.3", "0.1", "0.2"]);
}

#[test]
fn boolean_generator() {
    let g = gen("BooleanGenerator", &[]);
    let vs = take(&g, 5, 10000);
    let t = vs.iter().filter(|v| matches!(v, Value::Bool(true))).count();
    assert!((4500..5500).contains(&t), "{t}");
    let g = gen("BooleanGenerator", &[("prob_true", Value::Float(1.0))]);
    assert!(take(&g, 5, 100).iter().all(|v| matches!(v, Value::Bool(true))));
    let g = gen("BooleanGenerator", &[("prob_true", Value::Int(0))]);
    assert!(take(&g, 5, 100).iter().all(|v| matches!(v, Value::Bool(false))));
    let e = gen_err("BooleanGenerator", &[("prob_true", Value::Float(1.5))]);
    assert!(e.contains("'prob_true' must be between 0 and 1"), "{e}");
}

#[test]
fn same_seed_same_values() {
    let g = gen("FloatGenerator", &[("max", Value::Int(100))]);
    assert_eq!(reprs(&g, 9, 50), reprs(&g, 9, 50));
    assert_ne!(reprs(&g, 9, 50), reprs(&g, 10, 50));
}

#[test]
fn float_grid_fast_path_equals_exact_decimal_arithmetic() {
    use super::super::numeric::FloatGrid;
    use rust_decimal::Decimal;
    use std::str::FromStr;
    let grids = [("0", "10000", "0.01"), ("-5.5", "5.5", "0.001"), ("0.1", "1000.1", "0.3"), ("-1e3", "1e3", "0.0007")];
    for (lo, hi, g) in grids {
        let (lo, hi, g) = (
            Decimal::from_scientific(lo).unwrap_or_else(|_| Decimal::from_str(lo).unwrap()),
            Decimal::from_str(hi).unwrap_or_else(|_| Decimal::from_scientific(hi).unwrap()),
            Decimal::from_str(g).unwrap(),
        );
        let points = ((hi - lo) / g).trunc().mantissa() as u128 + 1;
        let grid = FloatGrid::new(lo, hi, g, points);
        assert!(grid.is_fast(), "{lo} {hi} {g}");
        let mut st = Stream::new(3);
        for k in (0..points).step_by((points / 20_000).max(1) as usize).chain([points - 1]) {
            let k = (k + st.below(7) as u128).min(points - 1);
            let Value::Float(fast) = grid.value(k) else { panic!("a float") };
            assert_eq!(fast.to_bits(), grid.exact(k).to_bits(), "k={k} grid {lo}..{hi} by {g}");
        }
    }
}

#[test]
fn float_grid_text_is_the_repr_of_its_value() {
    use super::super::numeric::FloatGrid;
    use rust_decimal::Decimal;
    use std::str::FromStr;
    let grids = [
        ("0", "10000", "0.01"),
        ("-5.5", "5.5", "0.001"),
        ("0.1", "1000.1", "0.3"),
        ("-1e3", "1e3", "0.0007"),
        ("0", "1", "0.000001"),
        ("-99999999", "99999999", "0.0000001"),
        ("0", "9e14", "1"),
        ("0", "1e16", "3"),
        ("-1e-3", "1e-3", "1e-9"),
    ];
    let (mut direct, mut total) = (0, 0);
    for (lo, hi, g) in grids {
        let d = |t: &str| Decimal::from_str(t).unwrap_or_else(|_| Decimal::from_scientific(t).unwrap());
        let (lo, hi, g) = (d(lo), d(hi), d(g));
        let points = ((hi - lo) / g).trunc().mantissa() as u128 + 1;
        let grid = FloatGrid::new(lo, hi, g, points);
        let mut st = Stream::new(5);
        for _ in 0..20_000 {
            let k = st.below(points.min(u64::MAX as u128) as u64) as u128;
            let Value::Float(f) = grid.value(k) else { panic!("a float") };
            let mut want = String::new();
            crate::vm::value::write_py_float(&mut want, f);
            let mut got = String::new();
            total += 1;
            if grid.write_repr(k, &mut got) {
                direct += 1;
                assert_eq!(got, want, "k={k} grid {lo}..{hi} by {g}");
            } else {
                assert!(got.is_empty());
            }
        }
    }
    // Most grids are written from their digits; the rest go through the float.
    assert!(direct > total / 2 && direct < total, "{direct} of {total}");
}
