package publish

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/gwctl/gwctl/gateway/config"
)

// Kind classifies an endpoint change; kinds are listed in risk order.
type Kind string

const (
	// Exposed: a new endpoint.
	Exposed Kind = "exposed"
	// AuthWeakened: became public, an alternative was added, or a scheme or
	// scope was dropped — some request refused before is accepted now.
	AuthWeakened Kind = "auth-weakened"
	// Removed: a live route of this owner that no spec describes any more.
	Removed Kind = "removed"
	// Changed: upstream, service, timeouts, plugins, prefixes, mock, or the
	// settings of an auth scheme the route uses.
	Changed Kind = "changed"
	// AuthStrengthened: some request accepted before is refused now.
	AuthStrengthened Kind = "auth-strengthened"
)

// Kinds lists every kind in risk order.
var Kinds = []Kind{Exposed, AuthWeakened, Removed, Changed, AuthStrengthened}

func (k Kind) rank() int { return slices.Index(Kinds, k) }

// Change is what happens to one endpoint (method + path template).
type Change struct {
	Kind    Kind   `json:"kind"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Service string `json:"service,omitempty"`
	// Source is the spec position of the desired route (the live one for
	// removals).
	Source string `json:"source,omitempty"`
	// Details are facts, most important first, e.g. "becomes public (was
	// apiKey)", "upstream http://a → http://b".
	Details []string `json:"details"`
}

// Conflict is a desired route that another owner already serves: publishing
// would be refused, so it blocks the plan.
type Conflict struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Source    string `json:"source,omitempty"`
	Owner     string `json:"owner"`     // the other owner
	OtherPath string `json:"otherPath"` // its template (equivalent to Path)
}

// Plan is the per-endpoint difference between the live section of an owner
// and the desired one.
type Plan struct {
	Owner string `json:"owner"`
	// Base is the live revision the plan was made against (filled in by the
	// caller: Diff itself is pure).
	Base      string     `json:"base"`
	Changes   []Change   `json:"changes"`
	Unchanged int        `json:"unchanged"`
	Conflicts []Conflict `json:"conflicts"`
	// Other lists owner-level differences no endpoint shows (a service or
	// scheme left over in the live section).
	Other []string `json:"other,omitempty"`
}

// HasChanges reports whether publishing the desired state would change the
// gateway's behaviour.
func (p *Plan) HasChanges() bool { return len(p.Changes) > 0 || len(p.Other) > 0 }

// Blocked reports conflicts with other owners.
func (p *Plan) Blocked() bool { return len(p.Conflicts) > 0 }

// Count returns the number of changes of a kind.
func (p *Plan) Count(k Kind) int {
	n := 0
	for _, c := range p.Changes {
		if c.Kind == k {
			n++
		}
	}
	return n
}

// Summary is one line: "2 exposed, 1 auth-weakened, 1 removed, 3 changed, 14 unchanged".
func (p *Plan) Summary() string {
	var parts []string
	for _, k := range Kinds {
		if n := p.Count(k); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	if len(p.Other) > 0 {
		parts = append(parts, fmt.Sprintf("%d other", len(p.Other)))
	}
	parts = append(parts, fmt.Sprintf("%d unchanged", p.Unchanged))
	if n := len(p.Conflicts); n > 0 {
		parts = append(parts, fmt.Sprintf("%d conflicting", n))
	}
	return strings.Join(parts, ", ")
}

// Diff compares the live section of an owner (nil when it has none) with the
// desired one, endpoint by endpoint, and checks the desired routes against
// other owners' routes. Route sources and ids are not compared: moving an
// operation inside its file is not drift. The desired owner's name is the
// plan's owner.
func Diff(live, desired *config.Owner, others []config.Owner) Plan {
	if live == nil {
		live = &config.Owner{Name: desired.Name}
	}
	plan := Plan{Owner: desired.Name, Changes: []Change{}, Conflicts: []Conflict{}}
	ls, ds := indexOwner(live), indexOwner(desired)
	// Scheme settings are compared once, not once per route.
	schemeChanges := map[string]string{}
	for name, b := range ds.schemes {
		if a := ls.schemes[name]; a != nil && !sameValue(a, b) {
			schemeChanges[name] = fmt.Sprintf("auth scheme %s settings changed (%s)", name, schemeDelta(a, b))
		}
	}

	// Live routes by endpoint; a matched one is marked seen.
	type liveRoute struct {
		r    *config.Route
		seen bool
	}
	liveRoutes := make(map[string]*liveRoute, len(live.Routes))
	lr := make([]liveRoute, len(live.Routes))
	for i := range live.Routes {
		lr[i].r = &live.Routes[i]
		liveRoutes[routeKey(lr[i].r)] = &lr[i]
	}
	for i := range desired.Routes {
		d := &desired.Routes[i]
		m, ok := liveRoutes[routeKey(d)]
		if ok {
			m.seen = true
		}
		if !ok {
			plan.Changes = append(plan.Changes, Change{
				Kind: Exposed, Method: d.Method, Path: d.Path, Service: d.Service, Source: d.Source,
				Details: []string{"new endpoint, " + describeAuth(d)},
			})
			continue
		}
		if c, changed := compareRoute(m.r, d, ls, ds, schemeChanges); changed {
			plan.Changes = append(plan.Changes, c)
		} else {
			plan.Unchanged++
		}
	}
	for i := range lr {
		if l := lr[i].r; !lr[i].seen {
			plan.Changes = append(plan.Changes, Change{
				Kind: Removed, Method: l.Method, Path: l.Path, Service: l.Service, Source: l.Source,
				Details: []string{"unlisted, will be removed (was " + describeAuth(l) + ")"},
			})
		}
	}
	sort.SliceStable(plan.Changes, func(i, j int) bool {
		a, b := plan.Changes[i], plan.Changes[j]
		if a.Kind != b.Kind {
			return a.Kind.rank() < b.Kind.rank()
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})

	if len(plan.Changes) == 0 {
		plan.Other = leftovers(live, desired, ls, ds)
	}
	plan.Conflicts = conflicts(desired, others)
	return plan
}

// routeKey identifies an endpoint: method and equivalent path template.
func routeKey(r *config.Route) string { return strings.ToUpper(r.Method) + " " + TemplateKey(r.Path) }

type ownerIndex struct {
	services map[string]*config.Service
	schemes  map[string]*config.Scheme
}

func indexOwner(o *config.Owner) ownerIndex {
	ix := ownerIndex{services: map[string]*config.Service{}, schemes: map[string]*config.Scheme{}}
	for i := range o.Services {
		ix.services[o.Services[i].Name] = &o.Services[i]
	}
	for i := range o.Schemes {
		ix.schemes[o.Schemes[i].Name] = &o.Schemes[i]
	}
	return ix
}

// compareRoute lists what changed for one endpoint and classifies it.
func compareRoute(l, d *config.Route, ls, ds ownerIndex, schemeChanges map[string]string) (Change, bool) {
	var weaker, stronger []string
	if l.Public != d.Public || !reflect.DeepEqual(l.Security, d.Security) {
		weaker, stronger = compareAuth(l, d)
	}
	var other []string
	if l.Path != d.Path {
		other = append(other, fmt.Sprintf("path template %s → %s", l.Path, d.Path))
	}
	if l.Service != d.Service {
		other = append(other, fmt.Sprintf("service %s → %s", l.Service, d.Service))
	}
	lsvc, dsvc := ls.services[l.Service], ds.services[d.Service]
	if !slices.Equal(svcURLs(lsvc), svcURLs(dsvc)) {
		other = append(other, fmt.Sprintf("upstream %s → %s", strings.Join(svcURLs(lsvc), ","), strings.Join(svcURLs(dsvc), ",")))
	}
	if svcTimeoutsOf(lsvc) != svcTimeoutsOf(dsvc) {
		other = append(other, fmt.Sprintf("service timeouts %s → %s", svcTimeouts(lsvc), svcTimeouts(dsvc)))
	}
	if l.StripPrefix != d.StripPrefix {
		other = append(other, fmt.Sprintf("stripPrefix %q → %q", l.StripPrefix, d.StripPrefix))
	}
	if l.AddPrefix != d.AddPrefix {
		other = append(other, fmt.Sprintf("addPrefix %q → %q", l.AddPrefix, d.AddPrefix))
	}
	other = append(other, comparePlugins(l.Plugins, d.Plugins)...)
	if !sameValue(l.Mock, d.Mock) {
		switch {
		case l.Mock == nil:
			other = append(other, "now answered by a mock")
		case d.Mock == nil:
			other = append(other, "no longer a mock")
		default:
			other = append(other, "mock response changed")
		}
	}
	// Settings of the schemes the route uses (issuers, keys, where a key is read).
	for _, req := range d.Security {
		for _, ref := range req {
			if delta, changed := schemeChanges[ref.Scheme]; changed && !slices.Contains(other, delta) {
				other = append(other, delta)
			}
		}
	}

	c := Change{Method: d.Method, Path: d.Path, Service: d.Service, Source: d.Source}
	switch {
	case len(weaker) > 0:
		c.Kind = AuthWeakened
	case len(other) > 0:
		c.Kind = Changed
	case len(stronger) > 0:
		c.Kind = AuthStrengthened
	default:
		return c, false
	}
	c.Details = append(append(append([]string{}, weaker...), other...), stronger...)
	return c, true
}

func svcURLs(s *config.Service) []string {
	if s == nil {
		return nil
	}
	return s.URLs
}

func svcTimeoutsOf(s *config.Service) [2]config.Duration {
	if s == nil {
		return [2]config.Duration{}
	}
	return [2]config.Duration{s.ConnectTimeout, s.ResponseTimeout}
}

func svcTimeouts(s *config.Service) string {
	if s == nil {
		return "connect default, response default"
	}
	f := func(d config.Duration) string {
		if d == 0 {
			return "default"
		}
		return d.D().String()
	}
	return "connect " + f(s.ConnectTimeout) + ", response " + f(s.ResponseTimeout)
}

func comparePlugins(a, b config.Plugins) []string {
	var out []string
	cmp := func(name string, x, y any, xNil, yNil bool) {
		switch {
		case xNil && yNil:
		case !xNil && !yNil && sameValue(x, y):
		case xNil:
			out = append(out, name+" added "+canonicalJSON(y))
		case yNil:
			out = append(out, name+" removed (was "+canonicalJSON(x)+")")
		case canonicalJSON(x) != canonicalJSON(y):
			out = append(out, name+" "+canonicalJSON(x)+" → "+canonicalJSON(y))
		}
	}
	cmp("timeouts", a.Timeouts, b.Timeouts, a.Timeouts == nil, b.Timeouts == nil)
	cmp("rateLimit", a.RateLimit, b.RateLimit, a.RateLimit == nil, b.RateLimit == nil)
	cmp("cors", a.CORS, b.CORS, a.CORS == nil, b.CORS == nil)
	cmp("maxBodySize", a.MaxBodySize, b.MaxBodySize, a.MaxBodySize == nil, b.MaxBodySize == nil)
	cmp("ipFilter", a.IPFilter, b.IPFilter, a.IPFilter == nil, b.IPFilter == nil)
	cmp("headers", a.Headers, b.Headers, a.Headers == nil, b.Headers == nil)
	return out
}

func schemeDelta(a, b *config.Scheme) string {
	if a.Type != b.Type {
		return a.Type + " → " + b.Type
	}
	switch {
	case a.Key != nil && b.Key != nil:
		return fmt.Sprintf("key in %s %q → %s %q", a.Key.In, a.Key.Name, b.Key.In, b.Key.Name)
	case a.JWT != nil && b.JWT != nil:
		var what []string
		ai, bi := a.JWT.Issuers, b.JWT.Issuers
		if len(ai) != len(bi) {
			what = append(what, "issuers")
		} else {
			for i := range ai {
				if ai[i].Issuer != bi[i].Issuer {
					what = append(what, "issuer "+ai[i].Issuer+" → "+bi[i].Issuer)
				}
				if !slices.Equal(ai[i].Audiences, bi[i].Audiences) {
					what = append(what, "audiences")
				}
				if !slices.Equal(ai[i].Algorithms, bi[i].Algorithms) {
					what = append(what, "algorithms "+strings.Join(ai[i].Algorithms, ",")+" → "+strings.Join(bi[i].Algorithms, ","))
				}
				if !slices.Equal(ai[i].PublicKeys, bi[i].PublicKeys) || string(ai[i].JWKS) != string(bi[i].JWKS) || ai[i].Secret != bi[i].Secret {
					what = append(what, "keys")
				}
			}
		}
		if a.JWT.ScopesClaim != b.JWT.ScopesClaim {
			what = append(what, "scopes claim")
		}
		if len(what) > 0 {
			return strings.Join(what, ", ")
		}
	}
	return "settings"
}

// leftovers lists owner-level differences when no endpoint changed: services
// or schemes in one section and not the other (route changes explain them
// otherwise).
func leftovers(live, desired *config.Owner, ls, ds ownerIndex) []string {
	var out []string
	for _, s := range live.Services {
		if ds.services[s.Name] == nil {
			out = append(out, "service "+s.Name+" is no longer used, will be removed")
		}
	}
	for _, s := range desired.Services {
		if ls.services[s.Name] == nil {
			out = append(out, "service "+s.Name+" added")
		}
	}
	for _, s := range live.Schemes {
		if ds.schemes[s.Name] == nil {
			out = append(out, "auth scheme "+s.Name+" is no longer used, will be removed")
		}
	}
	for _, s := range desired.Schemes {
		if ls.schemes[s.Name] == nil {
			out = append(out, "auth scheme "+s.Name+" added")
		}
	}
	return out
}

// conflicts finds desired routes that other owners serve already.
func conflicts(desired *config.Owner, others []config.Owner) []Conflict {
	type claim struct{ owner, path string }
	taken := map[string]claim{}
	for _, o := range others {
		if o.Name == desired.Name {
			continue
		}
		for i := range o.Routes {
			r := &o.Routes[i]
			taken[routeKey(r)] = claim{o.Name, r.Path}
		}
	}
	out := []Conflict{}
	if len(taken) == 0 {
		return out
	}
	for i := range desired.Routes {
		d := &desired.Routes[i]
		if c, ok := taken[routeKey(d)]; ok {
			out = append(out, Conflict{Method: d.Method, Path: d.Path, Source: d.Source, Owner: c.owner, OtherPath: c.path})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}
