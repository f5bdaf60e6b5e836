package weburl

import (
	"net/netip"
	"strings"
)

// IsLoopbackHost is the one rule for "this host is this machine", which
// decides where plain http may carry a credential: the API key to api_url,
// a forge token to GITHUB_API_URL or CI_API_V4_URL, a download's request.
// host is a URL's host without its port (url.URL.Hostname), an IPv6
// literal with or without its brackets. It is loopback when it is:
//
//   - the name localhost, in any case, with or without a final dot
//     (`LocalHost`, `localhost.`);
//   - an IPv4 address in 127.0.0.0/8, also written as an IPv4-mapped IPv6
//     address (`::ffff:127.0.0.1`, `::ffff:7f00:1`);
//   - the IPv6 address ::1.
//
// Nothing else is: not a name under localhost (`x.localhost`: it goes to
// the resolver, and nothing makes it answer with this machine), not the
// unspecified address (0.0.0.0, ::: it names no host, and reaches this one
// only on some systems), not a literal with a zone (`::1%lo`), not the
// deprecated IPv4-compatible form (`::127.0.0.1`), nor a shorthand the
// resolver alone would read (`127.1`).
func IsLoopbackHost(host string) bool {
	bracketed := len(host) > 2 && host[0] == '[' && host[len(host)-1] == ']'
	if bracketed {
		host = host[1 : len(host)-1]
	} else if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.Zone() != "" || bracketed && !ip.Is6() {
		return false
	}
	ip = ip.Unmap()
	return ip.Is4() && ip.As4()[0] == 127 || ip == netip.IPv6Loopback()
}
