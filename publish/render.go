package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/lint/spec"
)

// Render builds the section of the gateway configuration that the specs
// imply for opts.Owner: one route per operation, the services they forward
// to and the auth schemes they use. The result is normalized, so the same
// input always gives byte-identical output. Every problem is returned, each
// as a *spec.Error with the position of the node at fault, sorted by
// position; the owner is nil when there are errors. Check runs the
// gateway's own validation on the result.
func Render(set *spec.Set, opts Options) (*config.Owner, []error) {
	n := 0
	for _, doc := range set.Docs {
		n += len(doc.Operations)
	}
	r := &renderer{
		opts:     opts,
		owner:    &config.Owner{Name: opts.Owner, Routes: make([]config.Route, 0, n), Services: []config.Service{}},
		xcache:   map[*spec.Node]*xgw{},
		services: map[string]*serviceEntry{},
		schemes:  map[string]*schemeEntry{},
		routes:   make(map[string]routeRef, n),
		schemeOK: map[docScheme]bool{},
		bases:    map[*spec.Node]base{},
	}
	if opts.Owner == "" {
		r.errs = append(r.errs, fmt.Errorf("no owner: set owner in gwctl.yaml or pass --owner NAME"))
	}
	for _, doc := range set.Docs {
		r.document(doc)
	}
	if len(r.errs) > 0 {
		return nil, sortErrors(r.errs)
	}
	for _, name := range sortedKeys(r.services) {
		r.owner.Services = append(r.owner.Services, r.services[name].svc)
	}
	for _, name := range sortedKeys(r.schemes) {
		r.owner.Schemes = append(r.owner.Schemes, r.schemes[name].scheme)
	}
	sortRoutes(r.owner.Routes)
	r.owner.Normalize()
	return r.owner, nil
}

type renderer struct {
	opts     Options
	owner    *config.Owner
	errs     []error
	xcache   map[*spec.Node]*xgw
	services map[string]*serviceEntry
	schemes  map[string]*schemeEntry
	routes   map[string]routeRef // by method + equivalent template
	schemeOK map[docScheme]bool  // scheme checked for a document
	bases    map[*spec.Node]base // base path of a servers list
}

type serviceEntry struct {
	svc config.Service
	pos spec.Position
}

type routeRef struct{ Method, Path, Source string }

type docScheme struct {
	doc  *spec.Document
	name string
}

type base struct {
	path string
	ok   bool
}

type schemeEntry struct {
	scheme config.Scheme
	pos    spec.Position
}

func (r *renderer) fail(n *spec.Node, format string, args ...any) {
	r.errs = append(r.errs, &spec.Error{Pos: n.Pos(), Msg: fmt.Sprintf(format, args...)})
}

// ext returns the parsed x-gateway extension of a node (cached: path items
// and documents are shared by many operations).
func (r *renderer) ext(parent *spec.Node) *xgw {
	n := parent.Get("x-gateway")
	if n == nil {
		return nil
	}
	if x, ok := r.xcache[n]; ok {
		return x
	}
	x, errs := parseXGateway(n)
	r.errs = append(r.errs, errs...)
	r.xcache[n] = x
	return x
}

func (r *renderer) document(doc *spec.Document) {
	docX := r.ext(doc.Root)
	svcOpts := r.opts.Services[doc.Service]
	// The service-level upstream: gwctl.yaml / --upstream, else the
	// document's x-gateway.upstream.
	primary := svcOpts.Upstream
	if len(primary) == 0 && docX != nil && docX.upstream.v != nil {
		primary = *docX.upstream.v
	}
	var missing *spec.Operation
	missingCount := 0
	for _, op := range doc.Operations {
		levels := []*xgw{r.ext(op.Node), r.ext(op.PathItem), docX}
		urls := primary
		if len(svcOpts.Upstream) == 0 {
			if s := nearest(levels, func(x *xgw) setting[[]string] { return x.upstream }); s.v != nil {
				urls = *s.v
			}
		}
		mock := r.opts.Mock == MockAll || (r.opts.Mock == MockMissing && len(urls) == 0)
		if len(urls) == 0 && !mock {
			if missing == nil {
				missing = op
			}
			missingCount++
			r.security(op, &config.Route{}) // its other problems still count
			continue
		}
		svcName := doc.Service
		if len(urls) > 0 && !slices.Equal(urls, primary) {
			svcName = derivedService(doc.Service, urls)
		}
		r.service(svcName, urls, svcOpts, op.MethodKey)
		r.operation(op, levels, svcName, svcOpts, mock)
	}
	if missing != nil {
		r.fail(missing.MethodKey, "service %q has no upstream (%d %s): set services.%s.upstream in gwctl.yaml, pass --upstream %s=URL, or add x-gateway.upstream to the spec",
			doc.Service, missingCount, plural(missingCount, "operation", "operations"), doc.Service, doc.Service)
	}
}

// MockUpstream is the upstream of a service whose routes all answer from
// examples (Options.Mock): it is never contacted (.invalid is a reserved
// name), but every service needs an upstream to be valid.
const MockUpstream = "http://mock.invalid"

// derivedService names the service of operations whose x-gateway.upstream
// differs from their document's.
func derivedService(base string, urls []string) string {
	sum := sha256.Sum256([]byte(strings.Join(urls, "\n")))
	return base + "-" + hex.EncodeToString(sum[:4])
}

func (r *renderer) service(name string, urls []string, so ServiceOptions, at *spec.Node) {
	if len(urls) == 0 {
		urls = []string{MockUpstream}
	}
	if prev, ok := r.services[name]; ok {
		if !slices.Equal(prev.svc.URLs, urls) {
			r.fail(at, "service %q has upstream %v here but %v at %s; one service has one upstream", name, urls, prev.svc.URLs, prev.pos)
		}
		return
	}
	svc := config.Service{Name: name, URLs: slices.Clone(urls)}
	svc.ConnectTimeout, svc.ResponseTimeout = config.Duration(so.ConnectTimeout), config.Duration(so.ResponseTimeout)
	if t := r.opts.Defaults.Timeouts; t != nil {
		if svc.ConnectTimeout == 0 {
			svc.ConnectTimeout = t.Connect
		}
		if svc.ResponseTimeout == 0 {
			svc.ResponseTimeout = t.Response
		}
	}
	for _, u := range urls {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			r.fail(at, "service %q: upstream %q is not an http(s) URL", name, u)
		}
	}
	r.services[name] = &serviceEntry{svc: svc, pos: at.Pos()}
}

func (r *renderer) operation(op *spec.Operation, levels []*xgw, svcName string, so ServiceOptions, mock bool) {
	base, ok := r.basePath(op, levels)
	if !ok {
		return
	}
	method := strings.ToUpper(op.Method)
	path := joinPath(base, op.Path)
	pos := op.MethodKey.Pos()
	route := config.Route{
		ID:      config.RouteID(r.opts.Owner, method, path),
		Owner:   r.opts.Owner,
		Service: svcName,
		Method:  method,
		Path:    path,
		Source:  pos.File + ":" + strconv.Itoa(pos.Line),
	}
	key := method + " " + TemplateKey(path)
	if prev, ok := r.routes[key]; ok {
		r.fail(op.MethodKey, "%s %s conflicts with %s %s at %s: equivalent path templates under one method", method, path, prev.Method, prev.Path, prev.Source)
		return
	}
	r.routes[key] = routeRef{Method: method, Path: path, Source: route.Source}
	if !r.security(op, &route) {
		return
	}

	route.StripPrefix, route.AddPrefix = so.StripPrefix, so.AddPrefix
	if s := nearest(levels, func(x *xgw) setting[string] { return x.stripPrefix }); s.v != nil {
		route.StripPrefix = *s.v
	}
	if s := nearest(levels, func(x *xgw) setting[string] { return x.addPrefix }); s.v != nil {
		route.AddPrefix = *s.v
	}

	d := r.opts.Defaults
	route.Plugins.Timeouts = nearest(levels, func(x *xgw) setting[config.Timeouts] { return x.timeouts }).v
	route.Plugins.RateLimit = pick(levels, func(x *xgw) setting[config.RateLimit] { return x.rateLimit }, d.RateLimit)
	route.Plugins.CORS = pick(levels, func(x *xgw) setting[config.CORS] { return x.cors }, d.CORS)
	route.Plugins.MaxBodySize = pick(levels, func(x *xgw) setting[int64] { return x.maxBodySize }, d.MaxBodySize)
	route.Plugins.Headers = nearest(levels, func(x *xgw) setting[config.HeaderRules] { return x.headers }).v
	route.Plugins.IPFilter = nearest(levels, func(x *xgw) setting[config.IPFilter] { return x.ipFilter }).v

	if mock {
		route.Mock = mockFor(op)
	}

	r.owner.Routes = append(r.owner.Routes, route)
}

// pick is nearest with an owner-wide default.
func pick[T any](levels []*xgw, get func(*xgw) setting[T], def *T) *T {
	if s := nearest(levels, get); s.set {
		return s.v
	}
	return def
}

// basePath is x-gateway.basePath, else the path part of the nearest
// servers[0].url (operation, path item, document).
func (r *renderer) basePath(op *spec.Operation, levels []*xgw) (string, bool) {
	if s := nearest(levels, func(x *xgw) setting[string] { return x.basePath }); s.v != nil {
		b := *s.v
		if b != "" && !strings.HasPrefix(b, "/") {
			r.fail(s.node, "x-gateway basePath %q must start with /", b)
			return "", false
		}
		return strings.TrimSuffix(b, "/"), true
	}
	servers := op.Servers()
	if servers == nil {
		return "", true
	}
	if b, ok := r.bases[servers]; ok {
		return b.path, b.ok
	}
	srv := op.Doc.Set.Deref(servers.Items()[0])
	p, err := spec.ServerBasePath(srv)
	if err != nil {
		r.fail(srv.Get("url"), "%v", err)
	}
	r.bases[servers] = base{p, err == nil}
	return p, err == nil
}

func joinPath(base, path string) string {
	if base == "" {
		return path
	}
	if path == "/" {
		return base
	}
	return base + path
}

// TemplateKey makes equivalent path templates equal: every {param} segment
// becomes {}, so /users/{id} and /users/{userId} share a key.
func TemplateKey(path string) string {
	if !strings.Contains(path, "{") {
		return path
	}
	b := make([]byte, 0, len(path))
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == '{' {
			if j := strings.IndexAny(path[i+1:], "{}/"); j >= 0 && path[i+1+j] == '}' {
				b = append(b, '{', '}')
				i += j + 1
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// security fills the route's auth from the operation's effective security.
func (r *renderer) security(op *spec.Operation, route *config.Route) bool {
	if op.Security == nil {
		r.fail(op.MethodKey, "%s %s has no security requirement: routes are never public by omission; add security (or `security: []` to make it public on purpose)",
			strings.ToUpper(op.Method), op.Path)
		return false
	}
	if op.IsPublic() {
		route.Public = true
		return true
	}
	ok := true
	for _, alt := range op.Requirements() {
		// An empty alternative (`{}`) beside others makes authentication
		// optional: the gateway lets anonymous calls through and still
		// identifies callers that send a credential.
		req := config.Requirement{}
		for _, use := range alt.Schemes {
			if !r.scheme(op.Doc, use) {
				ok = false
				continue
			}
			req = append(req, config.SchemeRef{Scheme: use.Name, Scopes: append([]string(nil), use.Scopes...)})
		}
		route.Security = append(route.Security, req)
	}
	return ok
}

// scheme makes sure the named security scheme of doc is in the owner's
// schemes; two specs of one owner must not define one name differently.
func (r *renderer) scheme(doc *spec.Document, use spec.SchemeUse) bool {
	k := docScheme{doc, use.Name}
	if ok, seen := r.schemeOK[k]; seen {
		return ok
	}
	ok := r.addScheme(doc, use)
	if r.schemeOK[k] = ok; !ok && doc.SecurityScheme(use.Name) == nil {
		// An undefined scheme is reported at every use.
		delete(r.schemeOK, k)
	}
	return ok
}

func (r *renderer) addScheme(doc *spec.Document, use spec.SchemeUse) bool {
	node := doc.SecurityScheme(use.Name)
	if node == nil {
		r.fail(use.KeyNode, "security scheme %q is not defined in components.securitySchemes", use.Name)
		return false
	}
	at := node
	if kn := doc.Root.Path("components", "securitySchemes").KeyNode(use.Name); kn != nil {
		at = kn
	}
	s, ok := r.buildScheme(use.Name, node, at)
	if !ok {
		// Remember the failure so that every operation using the scheme
		// does not repeat the error.
		r.schemes[use.Name] = &schemeEntry{scheme: config.Scheme{Name: use.Name}, pos: at.Pos()}
		return false
	}
	if prev, ok := r.schemes[use.Name]; ok {
		if !schemeEqual(prev.scheme, s) {
			r.fail(at, "security scheme %q differs from the one at %s: an owner's specs share schemes by name", use.Name, prev.pos)
			return false
		}
		return true
	}
	r.schemes[use.Name] = &schemeEntry{scheme: s, pos: at.Pos()}
	return true
}

func (r *renderer) buildScheme(name string, n, at *spec.Node) (config.Scheme, bool) {
	s := config.Scheme{Name: name}
	typ := n.Str("type")
	switch typ {
	case "apiKey":
		in, keyName := n.Str("in"), n.Str("name")
		if in != "header" && in != "query" && in != "cookie" {
			r.fail(at, "security scheme %q: apiKey `in` must be header, query or cookie, not %q", name, in)
			return s, false
		}
		if keyName == "" {
			r.fail(at, "security scheme %q: apiKey needs a name", name)
			return s, false
		}
		s.Type, s.Key = config.KeyAuth, &config.KeyScheme{In: in, Name: keyName}
	case "http":
		switch strings.ToLower(n.Str("scheme")) {
		case "bearer":
			return r.jwtScheme(s, at)
		case "basic":
			s.Type, s.Basic = config.BasicAuth, &config.Basic{Realm: r.opts.Auth.Basic[name].Realm}
		default:
			r.fail(at, "security scheme %q: http scheme %q is not supported by the gateway (bearer and basic are)", name, n.Str("scheme"))
			return s, false
		}
	case "oauth2", "openIdConnect":
		return r.jwtScheme(s, at)
	default:
		r.fail(at, "security scheme %q: type %q is not supported by the gateway (apiKey, http bearer/basic, oauth2 and openIdConnect are)", name, typ)
		return s, false
	}
	return s, true
}

func (r *renderer) resolve(p string) string {
	if filepath.IsAbs(p) || r.opts.BaseDir == "" {
		return p
	}
	return filepath.Join(r.opts.BaseDir, p)
}

func schemeEqual(a, b config.Scheme) bool {
	return canonicalJSON(a) == canonicalJSON(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sortErrors orders errors by position and drops exact duplicates.
func sortErrors(errs []error) []error {
	key := func(err error) string {
		if e, ok := err.(*spec.Error); ok {
			return fmt.Sprintf("%s\x00%09d\x00%09d\x00%s", e.Pos.File, e.Pos.Line, e.Pos.Col, e.Msg)
		}
		return "\x00" + err.Error()
	}
	sort.SliceStable(errs, func(i, j int) bool { return key(errs[i]) < key(errs[j]) })
	out := errs[:0]
	for i, e := range errs {
		if i > 0 && key(e) == key(errs[i-1]) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// sortRoutes orders routes as config.Owner.Normalize does (path, then
// method), moving each route once: sorting the large structs in place
// would move them many times.
func sortRoutes(routes []config.Route) {
	idx := make([]int, len(routes))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		x, y := &routes[idx[a]], &routes[idx[b]]
		if x.Path != y.Path {
			return x.Path < y.Path
		}
		return x.Method < y.Method
	})
	sorted := make([]config.Route, len(routes))
	for i, j := range idx {
		sorted[i] = routes[j]
	}
	copy(routes, sorted)
}
