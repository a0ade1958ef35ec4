package middleware

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gwctl/gwctl/gateway/config"
)

// IPFilter is a compiled allow/deny list. Deny wins; with an allow list,
// anything not on it is denied. A nil *IPFilter allows everything.
type IPFilter struct {
	allow, deny []netip.Prefix
}

// NewIPFilter compiles a config.IPFilter (nil → nil).
func NewIPFilter(c *config.IPFilter) (*IPFilter, error) {
	if c == nil {
		return nil, nil
	}
	f := &IPFilter{}
	var err error
	if f.allow, err = parsePrefixes(c.Allow); err != nil {
		return nil, err
	}
	if f.deny, err = parsePrefixes(c.Deny); err != nil {
		return nil, err
	}
	return f, nil
}

// ParsePrefixes parses CIDRs or single addresses.
func ParsePrefixes(list []string) ([]netip.Prefix, error) { return parsePrefixes(list) }

func parsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("ip filter: %w", err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("ip filter: %w", err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Allowed reports whether addr may pass. An invalid addr passes only when
// there is no allow list.
func (f *IPFilter) Allowed(addr netip.Addr) bool {
	if f == nil {
		return true
	}
	addr = addr.Unmap()
	if Contains(f.deny, addr) {
		return false
	}
	return len(f.allow) == 0 || Contains(f.allow, addr)
}

// Contains reports whether any prefix contains addr.
func Contains(list []netip.Prefix, addr netip.Addr) bool {
	for _, p := range list {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
