package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// Load reads, validates and decodes the gwctl.yaml at path, and every local
// ruleset file it extends. knownRules are the rule ids that may appear in
// `rules` and `exceptions` (pass the registry's ids; nil skips the check).
// Input problems come back together as spec.Errors, each with its position.
func Load(path string, knownRules []string) (*Project, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	name := displayName(abs)
	root, err := readYAML(abs, name)
	if err != nil {
		return nil, err
	}
	if root != nil {
		if errs := validate(root, false); len(errs) > 0 {
			return nil, sorted(errs)
		}
	}
	d := &decoder{known: knownRules, cache: map[string]*Ruleset{}}
	if knownRules != nil {
		d.knownSet = map[string]bool{}
		for _, id := range knownRules {
			d.knownSet[id] = true
		}
	}
	p := &Project{Path: abs, Dir: filepath.Dir(abs), Name: name}
	d.project(p, root)
	if len(d.errs) > 0 {
		return nil, sorted(d.errs)
	}
	return p, nil
}

// displayName shows abs relative to the working directory when below it.
func displayName(abs string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, abs); err == nil && !startsWithDotDot(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(abs)
}

// readYAML reads and parses a config or ruleset file. An empty file (or one
// holding only comments) is an empty mapping.
func readYAML(abs, name string) (*spec.Node, error) {
	data, err := os.ReadFile(abs)
	if err != nil {
		msg := err.Error()
		switch {
		case errors.Is(err, os.ErrNotExist):
			msg = "no such file"
		case errors.Is(err, os.ErrPermission):
			msg = "permission denied"
		default:
			var pe *os.PathError
			if errors.As(err, &pe) {
				msg = pe.Err.Error()
			}
		}
		return nil, spec.Errors{&spec.Error{Pos: spec.Position{File: name}, Msg: "cannot read: " + msg}}
	}
	if onlyComments(data) {
		return nil, nil
	}
	root, err := spec.ParseYAML(name, data)
	if err != nil {
		return nil, spec.Errors{err}
	}
	if root.IsNull() {
		return nil, nil
	}
	return root, nil
}

func onlyComments(data []byte) bool {
	for _, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") && t != "---" {
			return false
		}
	}
	return true
}

func sorted(errs []error) spec.Errors {
	key := func(e error) (string, int, int, string) {
		var se *spec.Error
		if errors.As(e, &se) {
			return se.Pos.File, se.Pos.Line, se.Pos.Col, se.Msg
		}
		return "", 0, 0, e.Error()
	}
	out := slices.Clone(errs)
	slices.SortStableFunc(out, func(a, b error) int {
		fa, la, ca, ma := key(a)
		fb, lb, cb, mb := key(b)
		switch {
		case fa != fb:
			return strings.Compare(fa, fb)
		case la != lb:
			return la - lb
		case ca != cb:
			return ca - cb
		}
		return strings.Compare(ma, mb)
	})
	out = slices.CompactFunc(out, func(a, b error) bool { return a.Error() == b.Error() })
	return spec.Errors(out)
}

type decoder struct {
	known    []string
	knownSet map[string]bool
	cache    map[string]*Ruleset // ruleset files by absolute path
	stack    []string            // ruleset files being loaded, for cycles
	errs     []error
}

func (d *decoder) fail(n *spec.Node, format string, args ...any) {
	d.errs = append(d.errs, &spec.Error{Pos: n.Pos(), Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) project(p *Project, root *spec.Node) {
	for _, it := range root.Get("specs").Items() {
		p.Specs = append(p.Specs, it.Value)
		p.specPos = append(p.specPos, it.Pos())
		if hasMeta(it.Value) && !ValidPattern(it.Value) {
			d.fail(it, "specs: malformed glob %s", quote(it.Value))
		}
	}
	p.Ruleset = d.ruleset(root.Get("ruleset"), p.Name, p.Dir, true)
	p.Owner = root.Str("owner")
	p.Gateway = d.gateway(root.Get("gateway"))
	p.Services = d.services(root.Get("services"))

	auth := root.Get("auth")
	auth.Get("jwt").Each(func(name string, _, v *spec.Node) {
		if p.Auth.JWT == nil {
			p.Auth.JWT = map[string]JWT{}
		}
		j := JWT{
			Issuer:      v.Str("issuer"),
			Audiences:   v.Get("audiences").Strings(),
			Algorithms:  v.Get("algorithms").Strings(),
			JWKSFile:    v.Str("jwksFile"),
			SecretEnv:   v.Str("secretEnv"),
			ScopesClaim: v.Str("scopesClaim"),
		}
		for _, f := range v.Get("publicKeyFiles").Strings() {
			j.PublicKeyFiles = append(j.PublicKeyFiles, under(p.Dir, f))
		}
		if j.JWKSFile != "" {
			j.JWKSFile = under(p.Dir, j.JWKSFile)
		}
		p.Auth.JWT[name] = j
	})
	auth.Get("basic").Each(func(name string, _, v *spec.Node) {
		if p.Auth.Basic == nil {
			p.Auth.Basic = map[string]Basic{}
		}
		p.Auth.Basic[name] = Basic{Realm: v.Str("realm")}
	})

	def := root.Get("defaults")
	t := def.Get("timeouts")
	p.Defaults.Timeouts = Timeouts{Connect: d.duration(t.Get("connect")), Response: d.duration(t.Get("response"))}
	rl := def.Get("rateLimit")
	p.Defaults.RateLimit = RateLimit{Requests: d.integer(rl.Get("requests")), Window: d.duration(rl.Get("window")), By: rl.Str("by")}
	p.Defaults.MaxBodySize = int64(d.integer(def.Get("maxBodySize")))
	c := def.Get("cors")
	p.Defaults.CORS = CORS{
		AllowOrigins:     c.Get("allowOrigins").Strings(),
		AllowMethods:     c.Get("allowMethods").Strings(),
		AllowHeaders:     c.Get("allowHeaders").Strings(),
		ExposeHeaders:    c.Get("exposeHeaders").Strings(),
		AllowCredentials: c.Bool("allowCredentials"),
		MaxAge:           d.duration(c.Get("maxAge")),
	}

	root.Get("environments").Each(func(name string, _, v *spec.Node) {
		if p.Environments == nil {
			p.Environments = map[string]Environment{}
		}
		p.Environments[name] = Environment{Gateway: d.gateway(v.Get("gateway")), Services: d.services(v.Get("services"))}
	})
}

// under makes a file path from the config absolute, relative to dir.
func under(dir, p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func (d *decoder) gateway(n *spec.Node) Gateway {
	g := Gateway{URL: n.Str("url"), TokenEnv: n.Str("tokenEnv")}
	d.checkURL(n.Get("url"))
	return g
}

func (d *decoder) services(n *spec.Node) map[string]Service {
	var out map[string]Service
	n.Each(func(name string, _, v *spec.Node) {
		if out == nil {
			out = map[string]Service{}
		}
		d.checkURL(v.Get("upstream"))
		out[name] = Service{
			Upstream:        v.Str("upstream"),
			ConnectTimeout:  d.duration(v.Get("connectTimeout")),
			ResponseTimeout: d.duration(v.Get("responseTimeout")),
			StripPrefix:     v.Str("stripPrefix"),
			AddPrefix:       v.Str("addPrefix"),
		}
	})
	return out
}

func (d *decoder) checkURL(n *spec.Node) {
	if n == nil {
		return
	}
	if u, err := url.Parse(n.Value); err != nil || u.Host == "" {
		d.fail(n, "invalid URL %s", quote(n.Value))
	}
}

func (d *decoder) duration(n *spec.Node) time.Duration {
	if n == nil || n.IsNull() {
		return 0
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		d.fail(n, "invalid duration %s: write a number with a unit, such as 500ms, 2s, 1m or 1h30m", quote(n.Value))
		return 0
	}
	if v < 0 {
		d.fail(n, "duration %s must not be negative", quote(n.Value))
		return 0
	}
	return v
}

func (d *decoder) integer(n *spec.Node) int {
	if n == nil || n.IsNull() {
		return 0
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil {
		d.fail(n, "invalid number %s", quote(n.Value))
		return 0
	}
	return int(v)
}

// ruleset decodes a `ruleset` mapping (or a ruleset file's root). file is
// the display name of the file it is in, dir the directory relative to which
// extended files are found. The top-level ruleset of gwctl.yaml extends
// `recommended` when it names no `extends`.
func (d *decoder) ruleset(n *spec.Node, file, dir string, top bool) *Ruleset {
	rs := &Ruleset{File: file}
	where := ""
	if top {
		where = "ruleset."
	}
	ext := n.Get("extends")
	if ext == nil && top {
		rs.Extends = []Extend{{Name: "recommended", Builtin: "recommended", Pos: spec.Position{File: file}}}
	}
	for _, it := range ext.Items() {
		rs.Extends = append(rs.Extends, d.extend(it, dir))
	}
	n.Get("rules").Each(func(id string, k, v *spec.Node) {
		d.checkRuleID(k, id, where+"rules")
		s := RuleSetting{Pos: k.Pos()}
		sevNode := v
		if v.IsMap() {
			sevNode = v.Get("severity")
			if o := v.Get("options"); o.IsMap() {
				s.Options, _ = o.Interface().(map[string]any)
				s.OptionPos = map[string]spec.Position{}
				o.Each(func(name string, ok, _ *spec.Node) { s.OptionPos[name] = ok.Pos() })
			}
		}
		if sevNode != nil {
			sev, err := rule.ParseSeverity(sevNode.Value)
			if err != nil {
				d.fail(sevNode, "%v", err)
			}
			s.Severity, s.SeveritySet = sev, true
		}
		if rs.Rules == nil {
			rs.Rules = map[string]RuleSetting{}
		}
		rs.Rules[id] = s
	})
	for i, it := range n.Get("exceptions").Items() {
		e := Exception{
			Files:  it.Get("files").Strings(),
			Paths:  it.Get("paths").Strings(),
			Rules:  it.Get("rules").Strings(),
			Reason: strings.TrimSpace(it.Str("reason")),
			Pos:    it.Pos(),
		}
		for _, r := range it.Get("rules").Items() {
			d.checkRuleID(r, r.Value, fmt.Sprintf("%sexceptions[%d].rules", where, i))
		}
		for _, g := range it.Get("files").Items() {
			if !ValidPattern(g.Value) {
				d.fail(g, "malformed glob %s", quote(g.Value))
			}
		}
		for _, g := range it.Get("paths").Items() {
			switch {
			case !ValidPattern(g.Value):
				d.fail(g, "malformed glob %s", quote(g.Value))
			case !strings.HasPrefix(g.Value, "/") && !strings.HasPrefix(g.Value, "*"):
				d.fail(g, "API path glob %s must start with \"/\", as the keys under `paths:` do", quote(g.Value))
			}
		}
		rs.Exceptions = append(rs.Exceptions, e)
	}
	return rs
}

func (d *decoder) checkRuleID(n *spec.Node, id, where string) {
	if d.knownSet == nil || d.knownSet[id] {
		return
	}
	msg := fmt.Sprintf("unknown rule %s in %s", quote(id), where)
	if s := Suggest(id, d.known); s != "" {
		msg += "; did you mean " + quote(s) + "?"
	} else {
		msg += "; run 'gwctl rules' to list the rules"
	}
	d.fail(n, "%s", msg)
}

func isBuiltin(name string) bool { return slices.Contains(BuiltinRulesets, name) }

func looksLikeFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return strings.ContainsAny(name, `/\`) || ext == ".yaml" || ext == ".yml" || ext == ".json"
}

func (d *decoder) extend(n *spec.Node, dir string) Extend {
	e := Extend{Name: n.Value, Pos: n.Pos()}
	if isBuiltin(n.Value) {
		e.Builtin = n.Value
		return e
	}
	if !looksLikeFile(n.Value) {
		msg := fmt.Sprintf("unknown ruleset %s: extend a built-in ruleset (%s) or a ruleset file path", quote(n.Value), strings.Join(BuiltinRulesets, ", "))
		if s := Suggest(n.Value, BuiltinRulesets); s != "" {
			msg = fmt.Sprintf("unknown ruleset %s; did you mean %s?", quote(n.Value), quote(s))
		}
		d.fail(n, "%s", msg)
		return e
	}
	abs := under(dir, n.Value)
	if i := slices.Index(d.stack, abs); i >= 0 {
		chain := make([]string, 0, len(d.stack)-i+1)
		for _, p := range d.stack[i:] {
			chain = append(chain, displayName(p))
		}
		chain = append(chain, displayName(abs))
		d.fail(n, "ruleset files extend each other in a cycle: %s", strings.Join(chain, " → "))
		return e
	}
	if rs, ok := d.cache[abs]; ok {
		e.Ruleset = rs
		return e
	}
	name := displayName(abs)
	root, err := readYAML(abs, name)
	if err != nil {
		var es spec.Errors
		if errors.As(err, &es) && len(es) == 1 {
			var se *spec.Error
			if errors.As(es[0], &se) && se.Pos.Line == 0 {
				// Unreadable: say so where it is named.
				d.fail(n, "ruleset %s: %s", quote(n.Value), se.Msg)
				return e
			}
		}
		if errors.As(err, &es) {
			d.errs = append(d.errs, es...)
		} else {
			d.errs = append(d.errs, err)
		}
		return e
	}
	if root != nil {
		if errs := validate(root, true); len(errs) > 0 {
			d.errs = append(d.errs, errs...)
			return e
		}
	}
	d.stack = append(d.stack, abs)
	rs := d.ruleset(root, name, filepath.Dir(abs), false)
	d.stack = d.stack[:len(d.stack)-1]
	d.cache[abs] = rs
	e.Ruleset = rs
	return e
}
