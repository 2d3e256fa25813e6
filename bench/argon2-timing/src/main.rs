//! Times argon2id at the OWASP parameters auth-service uses (the crate defaults: m=19456 KiB,
//! t=2, p=1, 32-byte output) and prints one JSON line: median, min, max and p90 in ms.
//! Usage: argon2-timing [runs]   (default 30 timed runs after 3 warm-ups)

use std::time::Instant;

use argon2::{Algorithm, Argon2, Params, Version};

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(30).max(1);
    let params = Params::new(19456, 2, 1, Some(32)).expect("valid argon2 parameters");
    let default = Params::default();
    assert_eq!(
        (params.m_cost(), params.t_cost(), params.p_cost()),
        (default.m_cost(), default.t_cost(), default.p_cost()),
        "the services hash with Argon2::default(); keep this timing at the same parameters"
    );
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = [7u8; 16];
    let mut out = [0u8; 32];
    let mut hash = |i: usize| {
        let password = format!("correct horse battery staple {i}");
        let started = Instant::now();
        argon.hash_password_into(password.as_bytes(), &salt, &mut out).expect("hash");
        started.elapsed().as_secs_f64() * 1e3
    };
    for i in 0..3 {
        hash(i);
    }
    let mut times: Vec<f64> = (0..runs).map(hash).collect();
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{{\"params\":\"m=19456,t=2,p=1\",\"runs\":{runs},\"median_ms\":{:.3},\"min_ms\":{:.3},\"p90_ms\":{:.3},\"max_ms\":{:.3}}}",
        pick(0.5),
        times[0],
        pick(0.9),
        times[times.len() - 1]
    );
}
