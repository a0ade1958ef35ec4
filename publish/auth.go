package publish

import (
	"slices"
	"sort"
	"strings"

	"github.com/gwctl/gwctl/gateway/config"
)

// alt is one security alternative: scheme → scopes it asks for.
type alt map[string][]string

func alts(r *config.Route) []alt {
	out := make([]alt, 0, len(r.Security))
	for _, req := range r.Security {
		a := alt{}
		for _, ref := range req {
			a[ref.Scheme] = append(a[ref.Scheme], ref.Scopes...)
		}
		out = append(out, a)
	}
	return out
}

func (a alt) String() string {
	if len(a) == 0 {
		return "anonymous"
	}
	var parts []string
	for _, s := range sortedKeys(a) {
		if sc := a[s]; len(sc) > 0 {
			parts = append(parts, s+"["+strings.Join(sortStrings(sc), " ")+"]")
		} else {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "+")
}

// satisfies reports that credentials meeting a also meet b: a asks for every
// scheme of b with at least b's scopes.
func satisfies(a, b alt) bool {
	for s, scopes := range b {
		have, ok := a[s]
		if !ok {
			return false
		}
		for _, sc := range scopes {
			if !slices.Contains(have, sc) {
				return false
			}
		}
	}
	return true
}

// describeAuth says how a route is protected: "public" or
// "auth apiKey | bearer[orders:read]".
func describeAuth(r *config.Route) string {
	if r.Public {
		return "public"
	}
	var parts []string
	for _, a := range alts(r) {
		parts = append(parts, a.String())
	}
	return "auth " + strings.Join(parts, " | ")
}

// compareAuth lists how the auth of an endpoint changes: weaker facts mean a
// request refused before is accepted now; stronger facts the reverse. Both
// can be true at once (one alternative relaxed, another tightened).
func compareAuth(l, d *config.Route) (weaker, stronger []string) {
	switch {
	case l.Public && d.Public:
		return nil, nil
	case !l.Public && d.Public:
		return []string{"becomes public (was " + describeAuth(l) + ")"}, nil
	case l.Public && !d.Public:
		return nil, []string{"no longer public (now " + describeAuth(d) + ")"}
	}
	la, da := alts(l), alts(d)
	for _, x := range da {
		if slices.ContainsFunc(la, func(y alt) bool { return satisfies(x, y) }) {
			continue // x asks at least what some live alternative asked
		}
		if i := slices.IndexFunc(la, func(y alt) bool { return satisfies(y, x) }); i >= 0 {
			weaker = appendNew(weaker, delta(la[i], x, "dropped")...)
		} else {
			weaker = appendNew(weaker, "alternative added: "+x.String())
		}
	}
	for _, y := range la {
		if slices.ContainsFunc(da, func(x alt) bool { return satisfies(y, x) }) {
			continue // credentials for y still pass
		}
		if i := slices.IndexFunc(da, func(x alt) bool { return satisfies(x, y) }); i >= 0 {
			stronger = appendNew(stronger, delta(da[i], y, "added")...)
		} else {
			stronger = appendNew(stronger, "alternative removed: "+y.String())
		}
	}
	return weaker, stronger
}

// delta lists what big asks for beyond small (big satisfies small), as
// "scheme <verb>: S" and "scope <verb>: sc (S)".
func delta(big, small alt, verb string) []string {
	var out []string
	for _, s := range sortedKeys(big) {
		have, ok := small[s]
		if !ok {
			out = append(out, "scheme "+verb+": "+s)
			continue
		}
		for _, sc := range sortStrings(big[s]) {
			if !slices.Contains(have, sc) {
				out = append(out, "scope "+verb+": "+sc+" ("+s+")")
			}
		}
	}
	sort.Strings(out)
	return out
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}
