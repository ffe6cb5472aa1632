//! How throttling counts a client's address ([`throttle_scope`]); the address itself comes
//! from [`crate::web::client_addr`] (trusted proxies only).

use std::net::IpAddr;
#[cfg(test)]
use std::net::Ipv4Addr;

/// The address as throttling counts it: IPv4 as is, IPv6 by its /64 network (one subscriber
/// usually holds a whole /64, so single addresses would be free to rotate).
pub fn throttle_scope(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_counts_by_its_64_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1"
            .parse()
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let b: IpAddr = "2001:db8:1:2:bbbb::9"
            .parse()
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(throttle_scope(a), throttle_scope(b));
        assert_eq!(throttle_scope(a), "2001:db8:1:2::/64");
        let v4: IpAddr = "10.0.0.7"
            .parse()
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(throttle_scope(v4), "10.0.0.7");
    }
}
