package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gwctl/gwctl/gateway/auth"
	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/store"
)

// Actions recorded in RevisionInfo.
const (
	actionPublish  = "publish"
	actionDelete   = "delete"
	actionRollback = "rollback"
)

func etag(rev string) string { return `"` + rev + `"` }

// current reads the live config from the store; never nil, Owners never nil
// (so it encodes as []). It is read-only: with a store.Shared store it is
// the store's own live value, shared with every other request, so nothing
// here modifies it (write derives the next config with WithOwner, which
// copies; Apply copies what it changes).
func (s *API) current(ctx context.Context) (*config.Config, error) {
	var cfg *config.Config
	var err error
	if sh, ok := s.store.(store.Shared); ok {
		cfg, err = sh.CurrentShared(ctx)
	} else {
		cfg, err = s.store.Current(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("read live config: %w", err)
	}
	if cfg == nil {
		cfg = &config.Config{}
	}
	if cfg.Owners == nil {
		cp := *cfg
		cp.Owners = []config.Owner{}
		cfg = &cp
	}
	return cfg, nil
}

func (s *API) getConfig(w http.ResponseWriter, r *http.Request) error {
	cfg, err := s.current(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(cfg.Revision))
	writeJSON(w, http.StatusOK, cfg)
	return nil
}

func (s *API) getOwner(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("owner")
	cfg, err := s.current(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(cfg.Revision))
	o := cfg.Owner(name)
	if o == nil {
		return &Error{Status: http.StatusNotFound, Title: "Owner not found",
			Detail: fmt.Sprintf("owner %q has nothing published at revision %q", name, cfg.Revision)}
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

// ifMatch is a parsed If-Match header.
type ifMatch struct {
	any  bool
	revs []string
}

// parseIfMatch reads If-Match; a request without one gets 428. Entity tags
// are compared strongly: a weak tag (W/"…") never matches. An unquoted value
// is taken as the revision itself, for hand-written curl calls.
func parseIfMatch(r *http.Request) (ifMatch, error) {
	vals := r.Header.Values("If-Match")
	if len(vals) == 0 {
		return ifMatch{}, &Error{Status: http.StatusPreconditionRequired, Title: "If-Match required",
			Detail: `send If-Match with the ETag of the config you diffed against (GET /admin/config), e.g. If-Match: "<revision>"`}
	}
	var m ifMatch
	for _, v := range vals {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			switch {
			case t == "":
			case t == "*":
				m.any = true
			case strings.HasPrefix(t, "W/"):
				// weak: never matches under strong comparison
			case len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"':
				m.revs = append(m.revs, t[1:len(t)-1])
			default:
				m.revs = append(m.revs, t)
			}
		}
	}
	return m, nil
}

func (m ifMatch) matches(rev string) bool {
	if m.any {
		return true
	}
	for _, x := range m.revs {
		if x == rev {
			return true
		}
	}
	return false
}

func (m ifMatch) String() string {
	if m.any {
		return "*"
	}
	q := make([]string, len(m.revs))
	for i, r := range m.revs {
		q[i] = etag(r)
	}
	return strings.Join(q, ", ")
}

func stale(live string, m ifMatch) error {
	h := http.Header{}
	h.Set("ETag", etag(live))
	return &Error{Status: http.StatusPreconditionFailed, Title: "Stale revision", Header: h,
		Detail: fmt.Sprintf("the live config is at revision %q but If-Match was %s: someone published since you read it; "+
			"fetch the config again, re-diff and retry", live, m)}
}

// precheck answers 412 for a stale If-Match before the body is read.
func (s *API) precheck(r *http.Request) (ifMatch, error) {
	m, err := parseIfMatch(r)
	if err != nil {
		return m, err
	}
	live, err := s.current(r.Context())
	if err != nil {
		return m, err
	}
	if !m.matches(live.Revision) {
		return m, stale(live.Revision, m)
	}
	return m, nil
}

func (s *API) putOwner(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("owner")
	m, err := s.precheck(r)
	if err != nil {
		return err
	}
	var o config.Owner
	if err := decodeJSON(r, &o); err != nil {
		return err
	}
	if errs := claimOwner(name, &o); len(errs) > 0 {
		return &Error{Status: http.StatusUnprocessableEntity, Title: "Invalid owner section",
			Detail: fmt.Sprintf("the body does not belong to owner %q (%d error(s))", name, len(errs)), Errors: errs}
	}
	return s.write(w, r, m, change{owner: name, action: actionPublish, section: &o})
}

func (s *API) deleteOwner(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("owner")
	m, err := s.precheck(r)
	if err != nil {
		return err
	}
	return s.write(w, r, m, change{owner: name, action: actionDelete, section: &config.Owner{Name: name}})
}

func (s *API) rollback(w http.ResponseWriter, r *http.Request) error {
	m, err := s.precheck(r)
	if err != nil {
		return err
	}
	var req config.RollbackRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Revision == "" {
		return &Error{Status: http.StatusUnprocessableEntity, Title: "Invalid rollback request",
			Errors: []config.FieldError{{Field: "revision", Message: "required: the revision to make live again (GET /admin/revisions)"}}}
	}
	old, err := s.revision(r.Context(), req.Revision)
	if err != nil {
		return err
	}
	c := change{owner: req.Owner, action: actionRollback}
	if req.Owner != "" {
		// Only that owner's section comes back; an owner absent from the
		// old revision had nothing published then, so it is removed now.
		sec := config.Owner{Name: req.Owner}
		if o := old.Owner(req.Owner); o != nil {
			sec = cloneOwner(*o)
		}
		c.section = &sec
	} else {
		c.whole = old
	}
	return s.write(w, r, m, c)
}

// change is one write to the routing config: an owner's section replaced
// (section) or a whole config restored (whole).
type change struct {
	owner   string
	action  string
	section *config.Owner
	whole   *config.Config
}

// write is the publish path shared by PUT, DELETE and rollback: re-check
// If-Match under the lock, refuse routes claimed by another owner (409),
// validate the whole next config (422), skip a no-op, commit with
// compare-and-swap, apply to this node.
func (s *API) write(w http.ResponseWriter, r *http.Request, m ifMatch, c change) error {
	// The client going away must not leave a commit without its apply.
	ctx := context.WithoutCancel(r.Context())
	s.writeMu.Lock()
	defer s.writeMu.Unlock()

	live, err := s.current(ctx)
	if err != nil {
		return err
	}
	if !m.matches(live.Revision) {
		return stale(live.Revision, m)
	}

	var next *config.Config
	if c.whole != nil {
		next = cloneConfig(c.whole)
		next.Normalize()
		next.Revision = next.ComputeRevision()
	} else {
		if c.action == actionRollback && len(c.section.Routes) == 0 && len(c.section.Services) == 0 &&
			len(c.section.Schemes) == 0 && live.Owner(c.section.Name) == nil {
			return &Error{Status: http.StatusNotFound, Title: "Owner not found",
				Detail: fmt.Sprintf("owner %q has nothing published, neither now nor at the revision asked for: check the name", c.section.Name)}
		}
		if errs, others := conflicts(live, c.section); len(errs) > 0 {
			return conflictError(c.section.Name, errs, others)
		}
		// live may be shared (store.Shared): WithOwner only reads it.
		next = live.WithOwner(*c.section)
	}
	if errs := next.Validate(); len(errs) > 0 {
		annotate(next, errs)
		return &Error{Status: http.StatusUnprocessableEntity, Title: "Invalid configuration",
			Detail: fmt.Sprintf("the resulting config has %d error(s); nothing was changed", len(errs)),
			Errors: errs}
	}
	// The auth engine is stricter than Validate about key material (HMAC
	// secret length, RSA size, key types). Build it before committing so a
	// config this node cannot serve is refused, not stored.
	if _, err := auth.New(next, nil); err != nil {
		return &Error{Status: http.StatusUnprocessableEntity, Title: "Invalid configuration",
			Detail: "the resulting config's auth settings are unusable; nothing was changed",
			Errors: []config.FieldError{{Field: "schemes", Message: err.Error()}}}
	}

	res := config.PublishResult{Revision: next.Revision, Previous: live.Revision, Changed: next.Revision != live.Revision}
	if !res.Changed {
		// Nothing to store; but if this node is behind the store (an
		// earlier apply failed), a re-publish is the natural retry.
		if s.gw.Revision() != live.Revision {
			if err := s.applyLocked(ctx, live); err != nil {
				return fmt.Errorf("apply live revision %s: %w", live.Revision, err)
			}
		}
		w.Header().Set("ETag", etag(live.Revision))
		writeJSON(w, http.StatusOK, res)
		return nil
	}
	info := config.RevisionInfo{
		Revision:  next.Revision,
		Previous:  live.Revision,
		CreatedAt: s.now().UTC(),
		Owner:     c.owner,
		Action:    c.action,
		Routes:    countRoutes(next),
	}
	if err := s.commit(ctx, live.Revision, next, info); err != nil {
		if errors.Is(err, store.ErrConflict) {
			cur, cerr := s.current(ctx)
			rev := "(unknown)"
			if cerr == nil {
				rev = cur.Revision
			}
			return stale(rev, m)
		}
		return fmt.Errorf("commit revision %s: %w", next.Revision, err)
	}
	s.log.Info("admin: config committed", "action", c.action, "owner", c.owner,
		"revision", next.Revision, "previous", live.Revision, "routes", info.Routes)
	if err := s.applyLocked(ctx, next); err != nil {
		s.log.Error("admin: COMMITTED REVISION NOT APPLIED ON THIS NODE: the store and this gateway disagree until the next successful apply",
			"revision", next.Revision, "err", err)
		return &Error{Status: http.StatusInternalServerError, Title: "Committed but not applied",
			Detail: fmt.Sprintf("revision %s was stored but this node could not apply it: %v", next.Revision, err)}
	}
	w.Header().Set("ETag", etag(next.Revision))
	writeJSON(w, http.StatusOK, res)
	return nil
}

// commit stores next, handing it over to a store.Shared store (no copy):
// from here on next is only read (applied, its revision reported).
func (s *API) commit(ctx context.Context, expected string, next *config.Config, info config.RevisionInfo) error {
	if sh, ok := s.store.(store.Shared); ok {
		return sh.CommitOwned(ctx, expected, next, info)
	}
	return s.store.Commit(ctx, expected, next, info)
}

// annotate names the route behind each error about a route: the field
// path indexes the normalized config, which the client never saw, so the
// message also carries the route id and where it came from.
func annotate(c *config.Config, errs []config.FieldError) {
	for i, e := range errs {
		var oi, ri int
		if n, _ := fmt.Sscanf(e.Field, "owners[%d].routes[%d]", &oi, &ri); n != 2 {
			continue
		}
		if oi < 0 || oi >= len(c.Owners) || ri < 0 || ri >= len(c.Owners[oi].Routes) {
			continue
		}
		rt := c.Owners[oi].Routes[ri]
		ref := fmt.Sprintf("route %q", rt.ID)
		if rt.ID == "" {
			ref = fmt.Sprintf("route %s %s", rt.Method, rt.Path)
		}
		if rt.Source != "" {
			ref += " from " + rt.Source
		}
		errs[i].Message = e.Message + " (" + ref + ")"
	}
}

// applyLocked applies cfg with the store's consumers to this node.
func (s *API) applyLocked(ctx context.Context, cfg *config.Config) error {
	cons, err := s.store.Consumers(ctx)
	if err != nil {
		return fmt.Errorf("read consumers: %w", err)
	}
	return s.gw.Apply(cfg, cons)
}

// claimOwner makes the body belong to owner name: an empty name or route
// owner is filled in, a different one is an error; a route without an id
// gets the default one.
func claimOwner(name string, o *config.Owner) []config.FieldError {
	var errs []config.FieldError
	switch o.Name {
	case "":
		o.Name = name
	case name:
	default:
		errs = append(errs, config.FieldError{Field: "name",
			Message: fmt.Sprintf("is %q but the URL publishes owner %q; they must match", o.Name, name)})
	}
	for i := range o.Routes {
		rt := &o.Routes[i]
		switch rt.Owner {
		case "":
			rt.Owner = name
		case name:
		default:
			errs = append(errs, config.FieldError{Field: fmt.Sprintf("routes[%d].owner", i),
				Message: fmt.Sprintf("is %q but this section belongs to owner %q; an owner only publishes its own routes", rt.Owner, name)})
		}
		if rt.ID == "" && rt.Method != "" && rt.Path != "" {
			rt.ID = config.RouteID(name, rt.Method, rt.Path)
		}
	}
	return errs
}

// routeKey identifies a route for ownership: the method and the path
// template with parameter names erased, so /users/{id} ≡ /users/{userId}.
type routeKey struct{ method, template string }

func keyOf(method, path string) routeKey {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' {
			segs[i] = "{}"
		}
	}
	return routeKey{strings.ToUpper(method), strings.Join(segs, "/")}
}

// conflicts lists the routes of o that another owner of live already
// publishes, and the names of those owners.
func conflicts(live *config.Config, o *config.Owner) (errs []config.FieldError, owners []string) {
	type claim struct {
		owner string
		path  string
	}
	claimed := map[routeKey]claim{}
	for _, other := range live.Owners {
		if other.Name == o.Name {
			continue
		}
		for _, rt := range other.Routes {
			claimed[keyOf(rt.Method, rt.Path)] = claim{other.Name, rt.Path}
		}
	}
	seen := map[string]bool{}
	for i, rt := range o.Routes {
		c, ok := claimed[keyOf(rt.Method, rt.Path)]
		if !ok {
			continue
		}
		msg := fmt.Sprintf("%s %s is already published by owner %q", strings.ToUpper(rt.Method), rt.Path, c.owner)
		if c.path != rt.Path {
			msg += fmt.Sprintf(" (as %s %s)", strings.ToUpper(rt.Method), c.path)
		}
		msg += fmt.Sprintf("; owner %q cannot claim it", o.Name)
		errs = append(errs, config.FieldError{Field: fmt.Sprintf("routes[%d]", i), Message: msg})
		if !seen[c.owner] {
			seen[c.owner] = true
			owners = append(owners, fmt.Sprintf("%q", c.owner))
		}
	}
	sort.Strings(owners)
	return errs, owners
}

func conflictError(owner string, errs []config.FieldError, others []string) error {
	return &Error{Status: http.StatusConflict, Type: "route-conflict", Title: "Route claimed by another owner",
		Detail: fmt.Sprintf("owner %q publishes %d route(s) already owned by owner %s; nothing was changed: "+
			"a route belongs to one owner, remove it from one of them", owner, len(errs), strings.Join(others, ", ")),
		Errors: errs}
}

func countRoutes(c *config.Config) int {
	n := 0
	for _, o := range c.Owners {
		n += len(o.Routes)
	}
	return n
}

func (s *API) listRevisions(w http.ResponseWriter, r *http.Request) error {
	revs, err := s.store.Revisions(r.Context())
	if err != nil {
		return fmt.Errorf("list revisions: %w", err)
	}
	if revs == nil {
		revs = []config.RevisionInfo{}
	}
	writeJSON(w, http.StatusOK, revs)
	return nil
}

func (s *API) getRevision(w http.ResponseWriter, r *http.Request) error {
	cfg, err := s.revision(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(cfg.Revision))
	writeJSON(w, http.StatusOK, cfg)
	return nil
}

// revision reads a stored revision; unknown → 404.
func (s *API) revision(ctx context.Context, id string) (*config.Config, error) {
	cfg, err := s.store.Revision(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && cfg == nil) {
		return nil, &Error{Status: http.StatusNotFound, Title: "Revision not found",
			Detail: fmt.Sprintf("revision %q is not stored (it may be older than the revisions kept); see GET /admin/revisions", id)}
	}
	if err != nil {
		return nil, fmt.Errorf("read revision %s: %w", id, err)
	}
	if cfg.Owners == nil {
		cp := *cfg
		cp.Owners = []config.Owner{}
		cfg = &cp
	}
	return cfg, nil
}

// cloneConfig deep-copies the slices a write may reorder, so a config the
// store handed out is never changed in place.
func cloneConfig(c *config.Config) *config.Config {
	out := *c
	out.Owners = make([]config.Owner, len(c.Owners))
	for i, o := range c.Owners {
		out.Owners[i] = cloneOwner(o)
	}
	return &out
}

func cloneOwner(o config.Owner) config.Owner {
	o.Services = append([]config.Service(nil), o.Services...)
	o.Schemes = append([]config.Scheme(nil), o.Schemes...)
	routes := make([]config.Route, len(o.Routes))
	for i, rt := range o.Routes {
		sec := make([]config.Requirement, len(rt.Security))
		for j, req := range rt.Security {
			cp := make(config.Requirement, len(req))
			for k, ref := range req {
				ref.Scopes = append([]string(nil), ref.Scopes...)
				cp[k] = ref
			}
			sec[j] = cp
		}
		if rt.Security == nil {
			sec = nil
		}
		rt.Security = sec
		routes[i] = rt
	}
	if o.Routes == nil {
		routes = nil
	}
	o.Routes = routes
	return o
}
