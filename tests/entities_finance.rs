use datamimic::domains::determinism::{mix, path_key, Stream};

#[test]
fn probe() {
    for k in [0x0cab04d705c106aau64, 0xc987303063cd30fd, 0x49a7ef9091e25bd3, 0x3e18da98c9e1b812] {
        for c in ["account_number", "account_type", "bank"] {
            let seed = mix(k, path_key(c).0);
            let mut s = Stream::new(seed);
            println!("{c} {seed:016x} {:016x} {:016x} {:.4}", s.next_u64(), s.next_u64(), s.f64());
        }
    }
}
