package rules

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// PathVersionSegmentID is the id of the URL versioning policy rule.
const PathVersionSegmentID = "path-version-segment"

type pathVersionSegment struct{}

func (pathVersionSegment) Meta() rule.Meta {
	return rule.Meta{
		ID:       PathVersionSegmentID,
		Summary:  "The major version is a /vN prefix in exactly one place (paths or server URL), the same for every path and matching info.version",
		Severity: rule.Error,
		Family:   "url",
		Options: []rule.Option{
			{Name: "policy", Default: "path", Description: "path: a /vN prefix is required; none: no version segment anywhere; query: no version segment, a version query parameter instead"},
			{Name: "versionPattern", Default: `^v[0-9]+$`, Description: "regex a version segment must match (whole segment)"},
			{Name: "location", Default: "either", Description: "where the version lives with policy path: path (first path segment), server (end of servers[*].url) or either (one of them, never both)"},
			{Name: "allowPreRelease", Default: false, Description: "also accept pre-release versions such as v1beta or v2-alpha1"},
			{Name: "queryParam", Default: "api-version", Description: "with policy query: the query parameter every operation declares"},
		},
		Fix: "Put the major version once, as the first path segment (/v1/orders) or at the end of the server URL (https://api.example.com/v1), use one version per spec, and keep it equal to the major of info.version.",
	}
}

var preReleaseRE = regexp.MustCompile(`^v[0-9]+-?(alpha|beta|rc)[0-9]*$`)

// versionCheck holds one Check's settings.
type versionCheck struct {
	ctx      *rule.Context
	re       *regexp.Regexp
	pre      bool
	location string
}

// isVersion reports a well-formed version segment.
func (v *versionCheck) isVersion(seg string) bool {
	return v.re.MatchString(seg) || (v.pre && preReleaseRE.MatchString(seg))
}

// looksVersion reports a segment that is a version, well formed or not.
// Whole segments only: /ipv4-ranges and dev1.example.com never match.
func (v *versionCheck) looksVersion(seg string) bool {
	return v.isVersion(seg) || looseVersionRE.MatchString(seg)
}

// serverURL is one servers[*] entry with the version found in its path.
type serverURL struct {
	node    *spec.Node // the url value
	url     string
	segs    []string // path segments of the URL
	version string   // a well-formed version segment, "" if none
	bad     []string // segments that look like versions but are not well formed
}

func (pathVersionSegment) Check(ctx *rule.Context) {
	v := &versionCheck{
		ctx:      ctx,
		re:       optRegexp(ctx, "versionPattern", `^v[0-9]+$`),
		pre:      ctx.Options.Bool("allowPreRelease"),
		location: ctx.Options.String("location"),
	}
	servers := v.servers()
	switch ctx.Options.String("policy") {
	case "none", "query":
		v.checkNone(servers)
	default:
		v.checkPath(servers)
	}
}

// servers reads the root servers and the version segment of each URL path.
// Host names are never looked at.
func (v *versionCheck) servers() []serverURL {
	var out []serverURL
	for _, s := range v.ctx.Doc.Root.Get("servers").Items() {
		u := s.Get("url")
		if u == nil || !u.IsScalar() {
			continue
		}
		su := serverURL{node: u, url: u.Value, segs: serverPathSegments(s)}
		for _, seg := range su.segs {
			switch {
			case v.isVersion(seg):
				su.version = seg
			case looseVersionRE.MatchString(seg):
				su.bad = append(su.bad, seg)
			}
		}
		out = append(out, su)
	}
	return out
}

// serverPathSegments returns the path segments of a server URL, with server
// variables replaced by their defaults and the scheme and host removed.
func serverPathSegments(server *spec.Node) []string {
	u := server.Str("url")
	server.Get("variables").Each(func(name string, _, val *spec.Node) {
		if d := val.Str("default"); d != "" {
			u = strings.ReplaceAll(u, "{"+name+"}", d)
		}
	})
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		j := strings.IndexByte(u, '/')
		if j < 0 {
			return nil
		}
		u = u[j:]
	} else if strings.HasPrefix(u, "//") {
		u = strings.TrimPrefix(u, "//")
		j := strings.IndexByte(u, '/')
		if j < 0 {
			return nil
		}
		u = u[j:]
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	var out []string
	for seg := range strings.SplitSeq(u, "/") {
		if seg != "" {
			out = append(out, seg)
		}
	}
	return out
}

// checkNone applies policy none (and query): no version segment anywhere.
func (v *versionCheck) checkNone(servers []serverURL) {
	ctx := v.ctx
	for _, s := range servers {
		for _, seg := range s.segs {
			if v.looksVersion(seg) {
				ctx.Report(s.node, "server URL %q has the version segment %q, but the version policy is %q: remove it", s.url, seg, ctx.Options.String("policy"))
			}
		}
	}
	pathKeys(ctx.Doc, func(path string, key *spec.Node) {
		for _, seg := range parsePath(path).Segments {
			if seg.Literal() && v.looksVersion(seg.Text) {
				ctx.Report(key, "path %q has the version segment %q, but the version policy is %q: remove it", path, seg.Text, ctx.Options.String("policy"))
			}
		}
	})
	if ctx.Options.String("policy") != "query" {
		return
	}
	qp := ctx.Options.String("queryParam")
	if qp == "" {
		return
	}
	for _, op := range ctx.Doc.Operations {
		if op.Param(qp, "query") == nil {
			ctx.Report(op.MethodKey, "%s does not declare the %q query parameter that carries the API version: add it", opLabel(op), qp)
		}
	}
}

// checkPath applies policy path.
func (v *versionCheck) checkPath(servers []serverURL) {
	ctx := v.ctx
	serverVersioned := 0
	for _, s := range servers {
		for _, seg := range s.bad {
			ctx.Report(s.node, "server URL %q has the version %q: use the major version only, e.g. %q", s.url, seg, majorOnly(seg))
		}
		if s.version != "" {
			serverVersioned++
		}
	}
	inServers := serverVersioned > 0
	switch {
	case v.location == "path":
		for _, s := range servers {
			if s.version != "" {
				ctx.Report(s.node, "server URL %q ends in the version %q, but versions go in the paths (location: path): remove it and start every path with /%s", s.url, s.version, s.version)
			}
		}
		inServers = false
	case inServers && serverVersioned < len(servers):
		for _, s := range servers {
			if s.version == "" && len(s.bad) == 0 {
				ctx.Report(s.node, "server URL %q has no version, but other servers end in one: add the same /vN", s.url)
			}
		}
	}

	// Versions used, in order of first use, with their counts.
	type use struct {
		key     *spec.Node
		path    string
		version string
	}
	var uses []use
	counts := map[string]int{}
	var order []string
	add := func(ver string) {
		if counts[ver] == 0 {
			order = append(order, ver)
		}
		counts[ver]++
	}
	var missing []use

	pathKeys(ctx.Doc, func(path string, key *spec.Node) {
		if isWellKnown(path) {
			return
		}
		pp := parsePath(path)
		first := ""
		if len(pp.Segments) > 0 && pp.Segments[0].Literal() {
			first = pp.Segments[0].Text
		}
		for i, seg := range pp.Segments {
			if i > 0 && seg.Literal() && v.looksVersion(seg.Text) {
				ctx.Report(key, "path %q has the version segment %q in the middle: remove it (only the first segment carries the version)", path, seg.Text)
			}
		}
		switch {
		case first != "" && !v.isVersion(first) && looseVersionRE.MatchString(first):
			ctx.Report(key, "path %q starts with the version %q: use the major version only, e.g. %q", path, first, majorOnly(first))
		case first != "" && v.isVersion(first):
			switch {
			case v.location == "server":
				ctx.Report(key, "path %q starts with the version %q, but versions go in the server URL (location: server): remove it", path, first)
			case inServers:
				ctx.Report(key, "path %q starts with the version %q, but the server URL already ends in a version: remove it from the path", path, first)
			default:
				uses = append(uses, use{key, path, first})
				add(first)
			}
		case v.location == "server" || inServers:
		default:
			missing = append(missing, use{key: key, path: path})
		}
	})
	if inServers {
		for _, s := range servers {
			if s.version != "" {
				add(s.version)
			}
		}
	}

	// One major version per spec: the most used (first on a tie) is the
	// spec's version; the others are reported where they are used.
	canon := ""
	for _, ver := range order {
		if canon == "" || counts[ver] > counts[canon] {
			canon = ver
		}
	}
	major := infoMajor(ctx.Doc)
	want := canon
	if want == "" {
		want = "v" + strconv.Itoa(max(major, 1))
	}
	if canon == "" && len(missing) > 0 && v.location != "path" {
		// Nothing is versioned: one finding where one line fixes it.
		at := ctx.Doc.Root.KeyNode("paths")
		if len(servers) > 0 {
			at = servers[0].node
		}
		ctx.Report(at, "neither the server URL nor the paths carry the major version: end the server URL in /%s (or start every path with /%s)", want, want)
		missing = nil
	}
	for _, m := range missing {
		fixed := "/" + want + m.path
		if m.path == "/" {
			fixed = "/" + want
		}
		ctx.Report(m.key, "path %q has no version prefix: use %q (or end the server URL in /%s)", m.path, fixed, want)
	}
	if v.location == "server" && !inServers {
		at := ctx.Doc.Root.KeyNode("servers")
		if at == nil {
			at = ctx.Doc.Root.KeyNode("openapi")
		}
		ctx.Report(at, "no server URL ends in a version (location: server): end the server URL in /%s", want)
	}
	if len(order) > 1 {
		for _, u := range uses {
			if u.version != canon {
				ctx.Report(u.key, "path %q uses %q but the rest of the spec uses %q: describe one major version per spec", u.path, u.version, canon)
			}
		}
		if inServers {
			for _, s := range servers {
				if s.version != "" && s.version != canon {
					ctx.Report(s.node, "server URL %q uses %q but the rest of the spec uses %q: describe one major version per spec", s.url, s.version, canon)
				}
			}
		}
	}
	if canon != "" && major >= 0 && !majorMatches(canon, major) {
		if vn := ctx.Doc.Root.Path("info", "version"); vn != nil {
			ctx.Report(vn, "info.version %q has major version %d but the URLs use %q: make them agree (info.version %d.x.y, or /v%d in the URLs)", vn.Value, major, canon, versionNumber(canon), major)
		}
	}
}

// infoMajor returns the major of info.version (1 for "1.4.0" or "v1.4"), or
// -1 when it is missing or not a version.
func infoMajor(d *spec.Document) int {
	s := strings.TrimPrefix(strings.TrimPrefix(d.Root.Path("info").Str("version"), "v"), "V")
	end := 0
	for end < len(s) && isDigit(s[end]) {
		end++
	}
	if end == 0 {
		return -1
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil || n >= 1000 { // a date (2023-10-16) is not a semantic version
		return -1
	}
	return n
}

// versionNumber reads N from a version segment (v2 → 2; -1 if none).
func versionNumber(seg string) int {
	i := 0
	for i < len(seg) && !isDigit(seg[i]) {
		i++
	}
	j := i
	for j < len(seg) && isDigit(seg[j]) {
		j++
	}
	n, err := strconv.Atoi(seg[i:j])
	if err != nil {
		return -1
	}
	return n
}

// majorMatches compares a URL version with info.version's major. A 0.x
// version (initial development) may be published as v0 or v1.
func majorMatches(seg string, major int) bool {
	n := versionNumber(seg)
	if n < 0 {
		return true
	}
	return n == major || (major == 0 && n == 1)
}

// majorOnly suggests the major-only form of a version segment (v1.2 → v1).
func majorOnly(seg string) string {
	if n := versionNumber(seg); n >= 0 {
		return "v" + strconv.Itoa(n)
	}
	return "v1"
}
