package publish

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/lint/spec"
)

// The x-gateway extension carries gateway-only settings in the spec. It may
// appear on an operation, on a path item, or at the document root; for each
// key the nearest level that sets it wins (operation, then path item, then
// document), and the value replaces the inherited one as a whole. Setting a
// plugin key to false (or null) switches an inherited value off.
//
//	x-gateway:
//	  basePath: /v1                  # instead of the path of servers[0].url
//	  upstream: http://orders:8080   # or a list (round-robin)
//	  timeouts: {connect: 2s, response: 10s}
//	  rateLimit: {requests: 100, window: 1m, burst: 20, by: consumer|ip}
//	  cors: {allowOrigins: [https://app.example.com], allowMethods: [GET],
//	         allowHeaders: [...], exposeHeaders: [...], allowCredentials: true, maxAge: 10m}
//	  maxBodySize: 1MiB              # bytes, or with a unit: KB MB GB KiB MiB GiB
//	  stripPrefix: /v1
//	  addPrefix: /internal
//	  headers: {set: {X-Env: dev}, remove: [X-Debug]}
//	  ipFilter: {allow: [10.0.0.0/8], deny: [10.0.0.13]}
//
// Unknown keys are errors with their position, so a typo never silently
// drops a setting.

// setting is one x-gateway key as written at one level.
type setting[T any] struct {
	set  bool // the key is present at this level
	v    *T   // nil when switched off
	node *spec.Node
}

// xgw is the x-gateway extension of one level.
type xgw struct {
	basePath    setting[string]
	upstream    setting[[]string]
	timeouts    setting[config.Timeouts]
	rateLimit   setting[config.RateLimit]
	cors        setting[config.CORS]
	maxBodySize setting[int64]
	stripPrefix setting[string]
	addPrefix   setting[string]
	headers     setting[config.HeaderRules]
	ipFilter    setting[config.IPFilter]
}

// nearest returns the first level (nearest first) that sets the key.
func nearest[T any](levels []*xgw, get func(*xgw) setting[T]) setting[T] {
	for _, l := range levels {
		if l == nil {
			continue
		}
		if s := get(l); s.set {
			return s
		}
	}
	return setting[T]{}
}

// decoder reads typed values out of spec nodes, collecting positioned errors.
type decoder struct{ errs []error }

func (d *decoder) fail(n *spec.Node, format string, args ...any) {
	d.errs = append(d.errs, &spec.Error{Pos: n.Pos(), Msg: fmt.Sprintf(format, args...)})
}

// off reports a value that switches an inherited setting off.
func off(n *spec.Node) bool {
	return n.IsNull() || (n.IsScalar() && n.Tag == "!!bool" && strings.EqualFold(n.Value, "false"))
}

// object checks that n is a mapping whose keys are all allowed (any key
// when allowed is empty).
func (d *decoder) object(n *spec.Node, what string, allowed ...string) bool {
	if !n.IsMap() {
		d.fail(n, "x-gateway %s must be a mapping", what)
		return false
	}
	if len(allowed) == 0 {
		return true
	}
	n.Each(func(k string, kn, _ *spec.Node) {
		for _, a := range allowed {
			if a == k {
				return
			}
		}
		d.fail(kn, "unknown key %q in x-gateway %s (known: %s)", k, what, strings.Join(allowed, ", "))
	})
	return true
}

func (d *decoder) str(n *spec.Node, what string) string {
	if !n.IsScalar() || n.IsNull() {
		d.fail(n, "x-gateway %s must be a string", what)
		return ""
	}
	return n.Value
}

func (d *decoder) strs(n *spec.Node, what string) []string {
	if n.IsScalar() && !n.IsNull() {
		return []string{n.Value}
	}
	if !n.IsSeq() {
		d.fail(n, "x-gateway %s must be a string or a list of strings", what)
		return nil
	}
	var out []string
	for _, it := range n.Items() {
		if !it.IsScalar() || it.IsNull() {
			d.fail(it, "x-gateway %s must be a list of strings", what)
			continue
		}
		out = append(out, it.Value)
	}
	return out
}

func (d *decoder) integer(n *spec.Node, what string) int {
	if n.IsScalar() && n.Tag == "!!int" {
		if v, err := strconv.Atoi(strings.ReplaceAll(n.Value, "_", "")); err == nil && v >= 0 {
			return v
		}
	}
	d.fail(n, "x-gateway %s must be a non-negative integer", what)
	return 0
}

func (d *decoder) boolean(n *spec.Node, what string) bool {
	if n.IsScalar() && n.Tag == "!!bool" {
		return strings.EqualFold(n.Value, "true")
	}
	d.fail(n, "x-gateway %s must be true or false", what)
	return false
}

func (d *decoder) duration(n *spec.Node, what string) config.Duration {
	if n.IsScalar() && n.Tag == "!!str" {
		if v, err := time.ParseDuration(n.Value); err == nil && v >= 0 {
			return config.Duration(v)
		}
	}
	d.fail(n, "x-gateway %s must be a duration such as 500ms, 5s or 1m", what)
	return 0
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
	{"B", 1},
}

func (d *decoder) size(n *spec.Node, what string) int64 {
	if n.IsScalar() && n.Tag == "!!int" {
		if v, err := strconv.ParseInt(n.Value, 10, 64); err == nil && v > 0 {
			return v
		}
	}
	if n.IsScalar() && n.Tag == "!!str" {
		s := strings.TrimSpace(n.Value)
		for _, u := range sizeUnits {
			if num, ok := strings.CutSuffix(s, u.suffix); ok {
				if v, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64); err == nil && v > 0 {
					return v * u.mult
				}
				break
			}
		}
	}
	d.fail(n, "x-gateway %s must be a positive size in bytes, e.g. 1048576 or 1MiB", what)
	return 0
}

var xgwKeys = []string{"addPrefix", "basePath", "cors", "headers", "ipFilter", "maxBodySize", "rateLimit", "stripPrefix", "timeouts", "upstream"}

// parseXGateway decodes the x-gateway extension of one level (nil when absent).
func parseXGateway(n *spec.Node) (*xgw, []error) {
	if n == nil {
		return nil, nil
	}
	d := &decoder{}
	if !d.object(n, "extension", xgwKeys...) {
		return nil, d.errs
	}
	x := &xgw{}
	n.Each(func(key string, _, v *spec.Node) {
		switch key {
		case "basePath":
			x.basePath = scalarSetting(d, v, key, d.str)
		case "stripPrefix":
			x.stripPrefix = scalarSetting(d, v, key, d.str)
		case "addPrefix":
			x.addPrefix = scalarSetting(d, v, key, d.str)
		case "upstream":
			x.upstream = scalarSetting(d, v, key, d.strs)
		case "maxBodySize":
			x.maxBodySize = plugin(v, func() *int64 { s := d.size(v, key); return &s })
		case "timeouts":
			x.timeouts = plugin(v, func() *config.Timeouts {
				if !d.object(v, key, "connect", "response") {
					return nil
				}
				t := &config.Timeouts{}
				if c := v.Get("connect"); c != nil {
					t.Connect = d.duration(c, "timeouts.connect")
				}
				if r := v.Get("response"); r != nil {
					t.Response = d.duration(r, "timeouts.response")
				}
				return t
			})
		case "rateLimit":
			x.rateLimit = plugin(v, func() *config.RateLimit {
				if !d.object(v, key, "requests", "window", "burst", "by") {
					return nil
				}
				rl := &config.RateLimit{}
				if r := v.Get("requests"); r != nil {
					rl.Requests = d.integer(r, "rateLimit.requests")
				} else {
					d.fail(v, "x-gateway rateLimit needs requests")
				}
				if w := v.Get("window"); w != nil {
					rl.Window = d.duration(w, "rateLimit.window")
				} else {
					d.fail(v, "x-gateway rateLimit needs window (e.g. 1m)")
				}
				if b := v.Get("burst"); b != nil {
					rl.Burst = d.integer(b, "rateLimit.burst")
				}
				if by := v.Get("by"); by != nil {
					rl.By = d.str(by, "rateLimit.by")
					if rl.By != "consumer" && rl.By != "ip" {
						d.fail(by, "x-gateway rateLimit.by must be consumer or ip")
					}
				}
				return rl
			})
		case "cors":
			x.cors = plugin(v, func() *config.CORS {
				if !d.object(v, key, "allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "allowCredentials", "maxAge") {
					return nil
				}
				c := &config.CORS{}
				v.Each(func(k string, _, fv *spec.Node) {
					switch k {
					case "allowOrigins":
						c.AllowOrigins = d.strs(fv, "cors."+k)
					case "allowMethods":
						c.AllowMethods = d.strs(fv, "cors."+k)
					case "allowHeaders":
						c.AllowHeaders = d.strs(fv, "cors."+k)
					case "exposeHeaders":
						c.ExposeHeaders = d.strs(fv, "cors."+k)
					case "allowCredentials":
						c.AllowCredentials = d.boolean(fv, "cors."+k)
					case "maxAge":
						c.MaxAge = d.duration(fv, "cors."+k)
					}
				})
				if len(c.AllowOrigins) == 0 {
					d.fail(v, "x-gateway cors needs allowOrigins")
				}
				return c
			})
		case "headers":
			x.headers = plugin(v, func() *config.HeaderRules {
				if !d.object(v, key, "set", "remove") {
					return nil
				}
				h := &config.HeaderRules{}
				if s := v.Get("set"); s != nil {
					if d.object(s, "headers.set") {
						h.Set = map[string]string{}
						s.Each(func(k string, _, hv *spec.Node) { h.Set[k] = d.str(hv, "headers.set."+k) })
					}
				}
				if r := v.Get("remove"); r != nil {
					h.Remove = d.strs(r, "headers.remove")
				}
				return h
			})
		case "ipFilter":
			x.ipFilter = plugin(v, func() *config.IPFilter {
				if !d.object(v, key, "allow", "deny") {
					return nil
				}
				f := &config.IPFilter{}
				if a := v.Get("allow"); a != nil {
					f.Allow = d.strs(a, "ipFilter.allow")
				}
				if dn := v.Get("deny"); dn != nil {
					f.Deny = d.strs(dn, "ipFilter.deny")
				}
				return f
			})
		}
	})
	return x, d.errs
}

// scalarSetting reads a key that cannot be switched off.
func scalarSetting[T any](d *decoder, v *spec.Node, key string, read func(*spec.Node, string) T) setting[T] {
	val := read(v, key)
	return setting[T]{set: true, v: &val, node: v}
}

// plugin reads a key that false/null switches off.
func plugin[T any](v *spec.Node, read func() *T) setting[T] {
	if off(v) {
		return setting[T]{set: true, node: v}
	}
	return setting[T]{set: true, v: read(), node: v}
}
