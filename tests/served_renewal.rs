//! RENEW-001 on live endpoints: the certificate an in-process rustls server
//! serves (rcgen, a CA named like Let's Encrypt's or not), judged against
//! the renewal automation of the offline roots scanned with it.

mod tls_peers;

use rampart::outcome::Status;
use rampart::target::Target;
use tls_peers::*;

fn root(case: &str) -> Target {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/renewals/RENEW-001")
        .join(case);
    Target::host(&p, case, false).unwrap()
}

#[test]
fn a_served_certificate_near_expiry_needs_renewal_automation_in_the_scan() {
    let le = Ca::named("Let's Encrypt", "R11");
    let (chain, key) = le.leaf_for_days(&["localhost"], 20);
    let soon = rustls_server("127.0.0.1:0", chain, key, "");
    let (chain, key) = le.leaf_for_days(&["localhost"], 400);
    let far = rustls_server("127.0.0.1:0", chain, key, "");
    let (chain, key) = le.leaf_for_days(&["localhost"], -10);
    let expired = rustls_server("127.0.0.1:0", chain, key, "");
    let private = Ca::new();
    let (chain, key) = private.leaf_for_days(&["localhost"], 20);
    let private_soon = rustls_server("127.0.0.1:0", chain, key, "");
    let opts = options(None, None, 5, 30);
    let t = |p: u16| format!("tls:localhost:{p}");
    let served = |r: &rampart::scan::Report, p: u16| {
        let f = results(r, &t(p), "RENEW-001");
        assert_eq!(f.len(), 1, "{f:?}");
        f[0].clone()
    };

    // With a host whose certbot.timer is enabled: the Let's Encrypt
    // certificate passes, with the automation as evidence; the private
    // CA's is not certbot's to renew.
    let r = scan(
        vec![
            root("pass-root-certbot"),
            tls_target(&format!("localhost:{soon}"), &opts),
            tls_target(&format!("localhost:{far}"), &opts),
            tls_target(&format!("localhost:{private_soon}"), &opts),
            tls_target(&format!("localhost:{expired}"), &opts),
        ],
        None,
    );
    let f = served(&r, soon);
    assert_eq!(f.status, Status::Pass, "{}", f.message);
    assert_eq!(
        f.evidence.get("renewed_by").unwrap(),
        "certbot.timer (enabled)"
    );
    assert_eq!(
        f.evidence.get("renewed_on").unwrap(),
        "root:pass-root-certbot"
    );
    assert_eq!(f.evidence.get("days_left").unwrap(), 20);
    let f = served(&r, far);
    assert_eq!(f.status, Status::Pass, "{}", f.message);
    assert!(f.evidence.get("renewed_by").is_none(), "far from expiry");
    // Expired although certbot is set up: the renewal is not working.
    let f = served(&r, expired);
    assert_eq!(f.status, Status::Fail, "{}", f.message);
    assert!(
        f.message.contains("10 days ago") && f.message.contains("although certbot.timer"),
        "{}",
        f.message
    );
    let f = served(&r, private_soon);
    assert_eq!(f.status, Status::Fail, "{}", f.message);
    assert!(
        f.message.contains("does not offer automated renewal"),
        "{}",
        f.message
    );

    // With a host that renews nothing: the Let's Encrypt certificate fails.
    let r = scan(
        vec![
            root("fail-root"),
            tls_target(&format!("localhost:{soon}"), &opts),
        ],
        None,
    );
    let f = served(&r, soon);
    assert_eq!(f.status, Status::Fail, "{}", f.message);
    assert!(
        f.message.contains("in 20 days")
            && f.message.contains("Let's Encrypt")
            && f.message.contains("root:fail-root scanned"),
        "{}",
        f.message
    );
    assert_eq!(f.evidence.get("days_left").unwrap(), 20);

    // The endpoint alone: its server's automation is unknown.
    let r = scan(vec![tls_target(&format!("localhost:{soon}"), &opts)], None);
    let f = served(&r, soon);
    assert_eq!(f.status, Status::NotEvaluated, "{}", f.message);
    assert!(f.message.contains("scan that host"), "{}", f.message);
}
