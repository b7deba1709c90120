//! Python-compatible `strftime`/`strptime`, epoch conversions and ISO parsing for naive
//! datetimes.

use std::fmt::Write as _;

use jiff::civil::{Date, DateTime, Time};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// Python `datetime.strftime` (C89 directives plus `%f`; `%Nf` gives N fractional digits).
/// Two decimal digits of `n` (< 100).
#[inline]
fn push2(out: &mut String, n: u8) {
    out.push((b'0' + n / 10 % 10) as char);
    out.push((b'0' + n % 10) as char);
}

/// `Some(false)` for `%Y-%m-%d`, `Some(true)` for `%Y-%m-%d %H:%M:%S`, else `None`.
#[inline]
pub(crate) fn iso_form(fmt: &str) -> Option<bool> {
    match fmt {
        "%Y-%m-%d" => Some(false),
        "%Y-%m-%d %H:%M:%S" => Some(true),
        _ => None,
    }
}

/// `true` for the `outDateFormat`s that write a number since 1970 instead of a date text.
#[inline]
pub(crate) fn epoch_form(fmt: &str) -> bool {
    matches!(fmt, "epoch" | "epoch_millis" | "epoch_micros" | "epoch_nanos")
}

/// Appends `YYYY-MM-DD` (year 0..=9999), then ` HH:MM:SS` when `hms` is given.
#[inline]
pub(crate) fn write_iso(out: &mut String, y: u16, m: u8, d: u8, hms: Option<(u8, u8, u8)>) {
    let d2 = |n: u8| [b'0' + n / 10 % 10, b'0' + n % 10];
    let (y1, y2) = (d2((y / 100) as u8), d2((y % 100) as u8));
    let (m, d) = (d2(m), d2(d));
    let mut b = [y1[0], y1[1], y2[0], y2[1], b'-', m[0], m[1], b'-', d[0], d[1], b' ', 0, 0, b':', 0, 0, b':', 0, 0];
    let len = match hms {
        None => 10,
        Some((h, mi, se)) => {
            b[11..13].copy_from_slice(&d2(h));
            b[14..16].copy_from_slice(&d2(mi));
            b[17..19].copy_from_slice(&d2(se));
            19
        }
    };
    out.push_str(std::str::from_utf8(&b[..len]).unwrap_or_default());
}

pub fn strftime(dt: DateTime, fmt: &str) -> String {
    let mut out = String::with_capacity(fmt.len() + 8);
    strftime_into(&mut out, dt, fmt);
    out
}

/// `strftime` appending to `out`.
pub fn strftime_into(out: &mut String, dt: DateTime, fmt: &str) {
    // The ISO date and datetime forms (the usual `outDateFormat`s), written in one go.
    if let Some(time) = iso_form(fmt) {
        if (0..=9999).contains(&dt.year()) {
            let hms = time.then(|| (dt.hour() as u8, dt.minute() as u8, dt.second() as u8));
            write_iso(out, dt.year() as u16, dt.month() as u8, dt.day() as u8, hms);
            return;
        }
    }
    let mut it = fmt.chars().peekable();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut d = match it.next() {
            Some(d) => d,
            None => {
                out.push('%');
                break;
            }
        };
        let mut ndigits: Option<usize> = None;
        if d.is_ascii_digit() {
            if it.peek() == Some(&'f') {
                ndigits = Some(d as usize - '0' as usize);
                d = 'f';
                it.next();
            } else {
                out.push('%');
                out.push(d);
                continue;
            }
        }
        let wd = || dt.date().weekday().to_monday_zero_offset() as usize;
        let _ = match d {
            'Y' if (0..=9999).contains(&dt.year()) => {
                let y = dt.year() as u32;
                push2(out, (y / 100) as u8);
                push2(out, (y % 100) as u8);
                Ok(())
            }
            'Y' => write!(out, "{:04}", dt.year()),
            'y' => write!(out, "{:02}", dt.year().rem_euclid(100)),
            'm' => {
                push2(out, dt.month() as u8);
                Ok(())
            }
            'd' => {
                push2(out, dt.day() as u8);
                Ok(())
            }
            'H' => write!(out, "{:02}", dt.hour()),
            'I' => write!(out, "{:02}", if dt.hour() % 12 == 0 { 12 } else { dt.hour() % 12 }),
            'M' => write!(out, "{:02}", dt.minute()),
            'S' => write!(out, "{:02}", dt.second()),
            'f' => {
                let ns = dt.subsec_nanosecond();
                match ndigits {
                    Some(n) if (1..=9).contains(&n) => {
                        let s = format!("{ns:09}");
                        write!(out, "{}", &s[..n])
                    }
                    _ => write!(out, "{:06}", ns / 1000),
                }
            }
            'p' => write!(out, "{}", if dt.hour() < 12 { "AM" } else { "PM" }),
            'b' | 'h' => write!(out, "{}", &MONTHS[dt.month() as usize - 1][..3]),
            'B' => write!(out, "{}", MONTHS[dt.month() as usize - 1]),
            'a' => write!(out, "{}", &DAYS[wd()][..3]),
            'A' => write!(out, "{}", DAYS[wd()]),
            'w' => write!(out, "{}", (wd() + 1) % 7),
            'u' => write!(out, "{}", wd() + 1),
            'j' => write!(out, "{:03}", dt.date().day_of_year()),
            'U' => {
                let yd = dt.date().day_of_year() as i32 - 1;
                let sunday0 = ((wd() + 1) % 7) as i32;
                write!(out, "{:02}", (yd + 7 - sunday0) / 7)
            }
            'W' => {
                let yd = dt.date().day_of_year() as i32 - 1;
                write!(out, "{:02}", (yd + 7 - wd() as i32) / 7)
            }
            'G' => write!(out, "{:04}", dt.date().iso_week_date().year()),
            'V' => write!(out, "{:02}", dt.date().iso_week_date().week()),
            'c' => write!(
                out,
                "{} {} {:2} {:02}:{:02}:{:02} {:04}",
                &DAYS[wd()][..3],
                &MONTHS[dt.month() as usize - 1][..3],
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                dt.year()
            ),
            'x' => write!(out, "{:02}/{:02}/{:02}", dt.month(), dt.day(), dt.year().rem_euclid(100)),
            'X' => write!(out, "{:02}:{:02}:{:02}", dt.hour(), dt.minute(), dt.second()),
            'F' => write!(out, "{:04}-{:02}-{:02}", dt.year(), dt.month(), dt.day()),
            'T' => write!(out, "{:02}:{:02}:{:02}", dt.hour(), dt.minute(), dt.second()),
            'D' => write!(out, "{:02}/{:02}/{:02}", dt.month(), dt.day(), dt.year().rem_euclid(100)),
            'e' => write!(out, "{:2}", dt.day()),
            'z' | 'Z' => Ok(()),
            '%' => write!(out, "%"),
            other => write!(out, "%{other}"),
        };
    }
}

/// Python `datetime.strptime` for the common directives. `Err` names the problem.
pub fn strptime(s: &str, fmt: &str) -> Result<DateTime, String> {
    let bad = || format!("time data '{s}' does not match format '{fmt}'");
    let b = s.as_bytes();
    let mut i = 0usize;
    let (mut y, mut mo, mut d, mut h, mut mi, mut sec, mut ns) = (1900i32, 1i32, 1i32, 0i32, 0i32, 0i32, 0i32);
    let mut pm: Option<bool> = None;
    let mut it = fmt.chars().peekable();
    let num = |i: &mut usize, max: usize| -> Option<i32> {
        let start = *i;
        while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            None
        } else {
            s[start..*i].parse().ok()
        }
    };
    while let Some(c) = it.next() {
        if c == '%' {
            let dch = it.next().ok_or_else(bad)?;
            match dch {
                'Y' => y = num(&mut i, 4).ok_or_else(bad)?,
                'y' => {
                    let v = num(&mut i, 2).ok_or_else(bad)?;
                    y = if v < 69 { 2000 + v } else { 1900 + v };
                }
                'm' => mo = num(&mut i, 2).ok_or_else(bad)?,
                'd' => d = num(&mut i, 2).ok_or_else(bad)?,
                'H' | 'I' => h = num(&mut i, 2).ok_or_else(bad)?,
                'M' => mi = num(&mut i, 2).ok_or_else(bad)?,
                'S' => sec = num(&mut i, 2).ok_or_else(bad)?,
                'j' => {
                    let doy = num(&mut i, 3).ok_or_else(bad)?;
                    mo = 1;
                    d = doy;
                }
                'f' => {
                    let start = i;
                    let v = num(&mut i, 6).ok_or_else(bad)?;
                    let digits = i - start;
                    ns = v * 10i32.pow(6 - digits as u32) * 1000;
                }
                'p' => {
                    let rest = s[i..].to_ascii_uppercase();
                    if rest.starts_with("AM") {
                        pm = Some(false)
                    } else if rest.starts_with("PM") {
                        pm = Some(true)
                    } else {
                        return Err(bad());
                    }
                    i += 2;
                }
                'b' | 'B' | 'h' => {
                    let rest = s[i..].to_ascii_lowercase();
                    let mut found = false;
                    for (k, m) in MONTHS.iter().enumerate() {
                        let full = m.to_ascii_lowercase();
                        if rest.starts_with(&full) {
                            mo = k as i32 + 1;
                            i += full.len();
                            found = true;
                            break;
                        }
                        if rest.starts_with(&full[..3]) {
                            mo = k as i32 + 1;
                            i += 3;
                            found = true;
                            break;
                        }
                    }
                    if !found {
                        return Err(bad());
                    }
                }
                'a' | 'A' => {
                    let rest = s[i..].to_ascii_lowercase();
                    let mut found = false;
                    for day in DAYS {
                        let full = day.to_ascii_lowercase();
                        if rest.starts_with(&full) {
                            i += full.len();
                            found = true;
                            break;
                        }
                        if rest.starts_with(&full[..3]) {
                            i += 3;
                            found = true;
                            break;
                        }
                    }
                    if !found {
                        return Err(bad());
                    }
                }
                'z' => {
                    // Accept and ignore a UTC offset (`+0000`, `Z`).
                    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                        i += 1;
                        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b':') {
                            i += 1;
                        }
                    } else if i < b.len() && b[i] == b'Z' {
                        i += 1;
                    }
                }
                '%' => {
                    if i < b.len() && b[i] == b'%' {
                        i += 1
                    } else {
                        return Err(bad());
                    }
                }
                _ => return Err(format!("'{dch}' is a bad directive in format '{fmt}'")),
            }
        } else if c.is_whitespace() {
            while i < b.len() && (b[i] as char).is_whitespace() {
                i += 1;
            }
        } else {
            let mut buf = [0u8; 4];
            let cs = c.encode_utf8(&mut buf).as_bytes();
            if s.as_bytes().get(i..i + cs.len()) != Some(cs) {
                return Err(bad());
            }
            i += cs.len();
        }
    }
    if i != b.len() {
        return Err(format!("unconverted data remains: {}", &s[i..]));
    }
    if let Some(p) = pm {
        h = h % 12 + if p { 12 } else { 0 };
    }
    let date = if mo == 1 && d > 31 {
        Date::new(y as i16, 1, 1)
            .ok()
            .and_then(|dd| dd.checked_add(jiff::Span::new().days(d as i64 - 1)).ok())
            .ok_or_else(bad)?
    } else {
        Date::new(y as i16, mo as i8, d as i8).map_err(|_| bad())?
    };
    let time = Time::new(h as i8, mi as i8, sec as i8, ns).map_err(|_| bad())?;
    Ok(date.to_datetime(time))
}

/// Parses ISO-like datetimes: `2024-01-02`, `2024-01-02 03:04:05`, `2024-01-02T03:04:05.123`.
pub fn parse_iso(s: &str) -> Option<DateTime> {
    let s = s.trim();
    if let Ok(dt) = s.parse::<DateTime>() {
        return Some(dt);
    }
    if let Ok(d) = s.parse::<Date>() {
        return Some(d.to_datetime(Time::midnight()));
    }
    let t = s.replacen(' ', "T", 1);
    if let Ok(dt) = t.parse::<DateTime>() {
        return Some(dt);
    }
    // Strip a trailing zone designator.
    let trimmed = t.trim_end_matches('Z');
    let trimmed = match trimmed.rfind(['+', '-']) {
        Some(p) if p > 10 => &trimmed[..p],
        _ => trimmed,
    };
    trimmed.parse::<DateTime>().ok()
}

/// Seconds since 1970-01-01T00:00:00 for a naive datetime read as UTC (float with micros).
pub fn to_epoch_micros(dt: DateTime) -> i64 {
    let days = dt.date().since(Date::constant(1970, 1, 1)).map(|s| s.get_days() as i64).unwrap_or(0);
    let secs = days * 86400 + dt.hour() as i64 * 3600 + dt.minute() as i64 * 60 + dt.second() as i64;
    secs * 1_000_000 + (dt.subsec_nanosecond() / 1000) as i64
}

/// The naive UTC datetime of an epoch in microseconds.
pub fn from_epoch_micros(us: i64) -> Option<DateTime> {
    let secs = us.div_euclid(1_000_000);
    let micros = us.rem_euclid(1_000_000);
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let date = Date::constant(1970, 1, 1).checked_add(jiff::Span::new().days(days)).ok()?;
    let time = Time::new((rem / 3600) as i8, (rem / 60 % 60) as i8, (rem % 60) as i8, (micros * 1000) as i32).ok()?;
    Some(date.to_datetime(time))
}

/// Adds microseconds to a datetime.
pub fn add_micros(dt: DateTime, us: i64) -> Option<DateTime> {
    from_epoch_micros(to_epoch_micros(dt).checked_add(us)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strftime_matches_python() {
        let dt = jiff::civil::date(2024, 3, 5).at(14, 7, 9, 123_456_000);
        assert_eq!(strftime(dt, "%Y-%m-%d %H:%M:%S"), "2024-03-05 14:07:09");
        assert_eq!(strftime(dt, "%Y-%m-%d"), "2024-03-05");
        // The same through the general loop (a format it has no shortcut for).
        assert_eq!(strftime(dt, "%Y-%m-%d|%H:%M:%S"), "2024-03-05|14:07:09");
        let early = jiff::civil::date(7, 1, 2).at(3, 4, 5, 0);
        assert_eq!(strftime(early, "%Y-%m-%d %H:%M:%S"), "0007-01-02 03:04:05");
        assert_eq!(strftime(dt, "%d.%m.%y %I%p"), "05.03.24 02PM");
        assert_eq!(strftime(dt, "%f|%3f"), "123456|123");
        assert_eq!(strftime(dt, "%a %b %j %A %B"), "Tue Mar 065 Tuesday March");
    }

    #[test]
    fn strptime_round_trips() {
        let dt = strptime("05.03.2024 14:07", "%d.%m.%Y %H:%M").expect("parses");
        assert_eq!(dt, jiff::civil::date(2024, 3, 5).at(14, 7, 0, 0));
        assert!(strptime("2024-13-01", "%Y-%m-%d").is_err());
        assert!(strptime("2024-01-01x", "%Y-%m-%d").is_err());
    }

    #[test]
    fn epoch_conversions() {
        let dt = jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0);
        let us = to_epoch_micros(dt);
        assert_eq!(us, 1_735_732_800_000_000);
        assert_eq!(from_epoch_micros(us), Some(dt));
        assert_eq!(from_epoch_micros(-1_000_000), Some(jiff::civil::date(1969, 12, 31).at(23, 59, 59, 0)));
    }
}
