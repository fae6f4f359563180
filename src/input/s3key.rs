//! Metadata in AWS's log file names (formats.md §5):
//! `[conn_log_]<account>_elasticloadbalancing_<region>_<lb>_<end-time>_[<node-ip>_]<random>.log[.gz]`.

/// What an S3-style log file name tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogFileName<'a> {
    pub account_id: &'a str,
    pub region: &'a str,
    /// End of the logging interval, `YYYYMMDDTHHMMZ` (UTC).
    pub end_time: Option<&'a str>,
}

/// Parses the base name of `path` (any directories before it are ignored); `None` if it is not
/// an AWS load balancer log file name.
pub fn parse(path: &str) -> Option<LogFileName<'_>> {
    let base = path.rsplit(['/', '\\']).next()?;
    let base = base.strip_prefix("conn_log_").unwrap_or(base);
    let mut parts = base.splitn(4, '_');
    let account_id = parts.next()?;
    let service = parts.next()?;
    let region = parts.next()?;
    let rest = parts.next()?;
    let ok = account_id.len() == 12
        && account_id.bytes().all(|b| b.is_ascii_digit())
        && service == "elasticloadbalancing"
        && !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && (rest.ends_with(".log") || rest.ends_with(".log.gz"));
    let is_end_time = |p: &&str| {
        let b = p.as_bytes();
        b.len() == 14
            && b[8] == b'T'
            && b[13] == b'Z'
            && b[..8].iter().chain(&b[9..13]).all(u8::is_ascii_digit)
    };
    let end_time = rest.split('_').find(is_end_time);
    ok.then_some(LogFileName {
        account_id,
        region,
        end_time,
    })
}

/// The account and region in an S3 key laid out as AWS writes load balancer logs,
/// `[prefix/]AWSLogs/<account>/elasticloadbalancing/<region>/...`, whatever the file is called.
pub fn account_region_in_path(path: &str) -> Option<(&str, &str)> {
    let mut parts = path.split('/');
    parts.by_ref().find(|p| *p == "AWSLogs")?;
    let account = parts.next()?;
    let service = parts.next()?;
    let region = parts.next()?;
    let ok = account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && service == "elasticloadbalancing"
        && !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then_some((account, region))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_examples() {
        let alb = "bucket/AWSLogs/123456789012/elasticloadbalancing/us-east-2/2014/02/15/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log.gz";
        assert_eq!(
            parse(alb),
            Some(LogFileName {
                account_id: "123456789012",
                region: "us-east-2",
                end_time: Some("20140215T2340Z"),
            })
        );
        let nlb = "123456789012_elasticloadbalancing_us-east-2_net.my-loadbalancer.1234567890abcdef_20200501T0000Z_20sg8hgm.log.gz";
        assert_eq!(parse(nlb).unwrap().region, "us-east-2");
        assert_eq!(parse(nlb).unwrap().end_time, Some("20200501T0000Z"));
        let classic = "123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2340Z_172.160.001.192_20sg8hgm.log";
        assert_eq!(parse(classic).unwrap().region, "us-west-2");
        let conn = "conn_log_123456789012_elasticloadbalancing_eu-west-1_app.x.0123456789abcdef_20231004T1705Z_10.0.0.1_abcd1234.log.gz";
        assert_eq!(parse(conn).unwrap().account_id, "123456789012");
    }

    #[test]
    fn account_and_region_from_the_key_path() {
        let key = "s3://b/team/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2025/06/01/renamed.log.gz";
        assert_eq!(
            account_region_in_path(key),
            Some(("123456789012", "eu-west-1"))
        );
        assert_eq!(
            account_region_in_path("AWSLogs/123/elasticloadbalancing/x/a.log"),
            None
        );
        assert_eq!(account_region_in_path("logs/a.log"), None);
    }

    #[test]
    fn other_names_are_not_metadata() {
        assert_eq!(parse("access.log"), None);
        assert_eq!(parse("ELBAccessLogTestFile"), None);
        assert_eq!(parse("12345_elasticloadbalancing_us-east-1_x_y.log"), None);
        assert_eq!(
            parse("123456789012_elasticloadbalancing_us-east-1_x.txt"),
            None
        );
    }
}
