package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwctl/gwctl/gateway"
	"github.com/gwctl/gwctl/gateway/admin"
	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/store"
)

const token = "test-admin-token-0123456789"

// The real server is what the admin API drives.
var _ admin.Applier = (*gateway.Server)(nil)

// env is one gateway node: a file store in a temp dir, the real server, its
// admin API and its proxy, and an upstream that records what it received.
type env struct {
	t        *testing.T
	admin    *httptest.Server
	proxy    *httptest.Server
	upstream *httptest.Server
	st       store.Store
	gw       *gateway.Server

	mu   sync.Mutex
	seen []*http.Request // requests the upstream received
}

func newEnv(t *testing.T, mod ...func(*admin.Options)) *env {
	t.Helper()
	e := &env{t: t}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.OpenFile(t.TempDir(), log)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	e.st = st
	e.gw = gateway.New(gateway.Options{Logger: log, NodeID: "node-1"})
	require.NoError(t, e.gw.Apply(&config.Config{}, nil))
	opts := admin.Options{Store: st, Gateway: e.gw, Token: token, Logger: log, Metrics: e.gw.MetricsHandler(), NodeID: "node-1"}
	for _, m := range mod {
		m(&opts)
	}
	api := admin.New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); api.Follow(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	e.admin = httptest.NewServer(api)
	t.Cleanup(e.admin.Close)
	e.proxy = httptest.NewServer(e.gw.Handler())
	t.Cleanup(e.proxy.Close)
	e.upstream = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.seen = append(e.seen, r.Clone(r.Context()))
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	}))
	t.Cleanup(e.upstream.Close)
	return e
}

func (e *env) lastSeen() *http.Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.seen) == 0 {
		return nil
	}
	return e.seen[len(e.seen)-1]
}

// resp is a finished response.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) problem(t *testing.T) config.Problem {
	t.Helper()
	assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"), "body: %s", r.body)
	var p config.Problem
	require.NoError(t, json.Unmarshal(r.body, &p), "body: %s", r.body)
	assert.Equal(t, r.status, p.Status)
	assert.NotEmpty(t, p.Title)
	return p
}

func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

// do sends an admin request with the token; headers are name, value pairs
// (a "Authorization" pair replaces the token).
func (e *env) do(method, path string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.admin.URL+path, rd)
	require.NoError(e.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	return resp{status: res.StatusCode, header: res.Header, body: data}
}

// etag returns the live ETag.
func (e *env) etag() string {
	e.t.Helper()
	r := e.do("GET", "/admin/config", nil)
	require.Equal(e.t, 200, r.status, "%s", r.body)
	return r.header.Get("ETag")
}

// publish PUTs an owner with the live ETag and requires 200.
func (e *env) publish(o config.Owner) config.PublishResult {
	e.t.Helper()
	r := e.do("PUT", "/admin/owners/"+o.Name, o, "If-Match", e.etag())
	require.Equal(e.t, 200, r.status, "%s", r.body)
	var res config.PublishResult
	r.decode(e.t, &res)
	return res
}

// proxyGet sends a request through the gateway.
func (e *env) proxyDo(method, path string, headers ...string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.proxy.URL+path, nil)
	require.NoError(e.t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: data}
}

// ownerSection builds an owner with one service (the env's upstream), an
// API-key scheme read from X-Api-Key, and the given routes.
func (e *env) ownerSection(name string, routes ...config.Route) config.Owner {
	return config.Owner{
		Name:     name,
		Services: []config.Service{{Name: name + "-svc", URLs: []string{e.upstream.URL}}},
		Schemes:  []config.Scheme{{Name: "apiKey", Type: config.KeyAuth, Key: &config.KeyScheme{In: "header", Name: "X-Api-Key"}}},
		Routes:   routes,
	}
}

// route is a key-auth route needing scopes (owner and service filled by
// the owner name convention of ownerSection).
func route(owner, method, path string, scopes ...string) config.Route {
	return config.Route{
		Owner: owner, Service: owner + "-svc", Method: method, Path: path,
		Security: []config.Requirement{{{Scheme: "apiKey", Scopes: scopes}}},
	}
}

func publicRoute(owner, method, path string) config.Route {
	return config.Route{Owner: owner, Service: owner + "-svc", Method: method, Path: path, Public: true}
}

func TestAuthRequiredEverywhere(t *testing.T) {
	e := newEnv(t)
	paths := []struct{ method, path string }{
		{"GET", "/admin/health"}, {"GET", "/admin/config"}, {"PUT", "/admin/owners/a"}, {"GET", "/admin/metrics"},
		{"GET", "/admin/consumers"}, {"POST", "/admin/rollback"}, {"GET", "/admin/nope"},
		{"PATCH", "/admin/consumers/x"}, {"DELETE", "/admin/consumers/x/credentials/y"},
	}
	auths := []struct{ name, header string }{
		{"missing", ""},
		{"wrong token", "Bearer wrong"},
		{"token prefix", "Bearer " + token[:len(token)-1]},
		{"token longer", "Bearer " + token + "x"},
		{"basic scheme", "Basic " + token},
		{"no scheme", token},
		{"empty bearer", "Bearer "},
	}
	for _, p := range paths {
		for _, a := range auths {
			t.Run(p.method+p.path+"/"+a.name, func(t *testing.T) {
				r := e.do(p.method, p.path, nil, "Authorization", a.header)
				require.Equal(t, http.StatusUnauthorized, r.status)
				assert.True(t, strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer"), r.header.Get("WWW-Authenticate"))
				r.problem(t)
			})
		}
	}
	t.Run("scheme is case-insensitive", func(t *testing.T) {
		r := e.do("GET", "/admin/health", nil, "Authorization", "bearer "+token)
		assert.Equal(t, 200, r.status)
		assert.JSONEq(t, `{"status":"ok"}`, string(r.body))
	})
}

func TestEmptyTokenRefusesEverything(t *testing.T) {
	e := newEnv(t, func(o *admin.Options) { o.Token = "" })
	for _, h := range []string{"", "Bearer ", "Bearer x"} {
		r := e.do("GET", "/admin/health", nil, "Authorization", h)
		assert.Equal(t, http.StatusUnauthorized, r.status)
	}
}

func TestUnknownPathAndMethod(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/admin/nope", nil)
	assert.Equal(t, 404, r.status)
	r.problem(t)

	r = e.do("POST", "/admin/config", "{}")
	assert.Equal(t, 405, r.status)
	assert.Contains(t, r.header.Get("Allow"), "GET")
	r.problem(t)
}

func TestPublishLifecycle(t *testing.T) {
	e := newEnv(t)
	shop := e.ownerSection("shop",
		route("shop", "GET", "/v1/orders", "orders:read"),
		route("shop", "POST", "/v1/orders", "orders:write"),
		publicRoute("shop", "GET", "/v1/ping"),
	)

	// The empty config has the empty revision.
	r := e.do("GET", "/admin/config", nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, `""`, r.header.Get("ETag"))
	assert.JSONEq(t, `{"revision":"","owners":[]}`, string(r.body))

	t.Run("428 without If-Match", func(t *testing.T) {
		r := e.do("PUT", "/admin/owners/shop", shop)
		assert.Equal(t, http.StatusPreconditionRequired, r.status)
		p := r.problem(t)
		assert.Contains(t, p.Detail, "If-Match")
	})
	t.Run("412 on stale If-Match, before reading the body", func(t *testing.T) {
		r := e.do("PUT", "/admin/owners/shop", "not even json", "If-Match", `"0123456789abcdef"`)
		assert.Equal(t, http.StatusPreconditionFailed, r.status)
		assert.Equal(t, `""`, r.header.Get("ETag"), "412 tells the live ETag")
		p := r.problem(t)
		assert.Contains(t, p.Detail, "0123456789abcdef")
	})
	t.Run("weak ETag never matches", func(t *testing.T) {
		r := e.do("PUT", "/admin/owners/shop", shop, "If-Match", `W/""`)
		assert.Equal(t, http.StatusPreconditionFailed, r.status)
	})

	var first config.PublishResult
	t.Run("200 changed", func(t *testing.T) {
		r := e.do("PUT", "/admin/owners/shop", shop, "If-Match", `""`)
		require.Equal(t, 200, r.status, "%s", r.body)
		r.decode(t, &first)
		assert.True(t, first.Changed)
		assert.Equal(t, "", first.Previous)
		assert.Len(t, first.Revision, 16)
		assert.Equal(t, `"`+first.Revision+`"`, r.header.Get("ETag"))
		assert.Equal(t, first.Revision, e.gw.Revision(), "live on this node when the response arrives")
		assert.Equal(t, `"`+first.Revision+`"`, e.etag())
	})
	t.Run("owners get filled in and read back", func(t *testing.T) {
		r := e.do("GET", "/admin/owners/shop", nil)
		require.Equal(t, 200, r.status)
		var o config.Owner
		r.decode(t, &o)
		require.Len(t, o.Routes, 3)
		for _, rt := range o.Routes {
			assert.Equal(t, "shop", rt.Owner)
			assert.Equal(t, config.RouteID("shop", rt.Method, rt.Path), rt.ID)
		}
		assert.Equal(t, 404, e.do("GET", "/admin/owners/nobody", nil).status)
	})
	t.Run("traffic follows the publish", func(t *testing.T) {
		assert.Equal(t, 200, e.proxyDo("GET", "/v1/ping").status)
		assert.Equal(t, "/v1/ping", e.lastSeen().URL.Path)
		assert.Equal(t, 401, e.proxyDo("GET", "/v1/orders").status)
		assert.Equal(t, 404, e.proxyDo("GET", "/v1/unlisted").status)
	})
	t.Run("200 unchanged makes no revision", func(t *testing.T) {
		before := e.revisions()
		r := e.do("PUT", "/admin/owners/shop", shop, "If-Match", `"`+first.Revision+`"`)
		require.Equal(t, 200, r.status, "%s", r.body)
		var res config.PublishResult
		r.decode(t, &res)
		assert.Equal(t, config.PublishResult{Revision: first.Revision, Previous: first.Revision, Changed: false}, res)
		assert.Equal(t, before, e.revisions())
	})
	t.Run("If-Match star and unquoted revisions are accepted", func(t *testing.T) {
		r := e.do("PUT", "/admin/owners/shop", shop, "If-Match", "*")
		assert.Equal(t, 200, r.status, "%s", r.body)
		r = e.do("PUT", "/admin/owners/shop", shop, "If-Match", first.Revision)
		assert.Equal(t, 200, r.status, "%s", r.body)
		r = e.do("PUT", "/admin/owners/shop", shop, "If-Match", `"aaaa", "`+first.Revision+`"`)
		assert.Equal(t, 200, r.status, "%s", r.body)
	})
	t.Run("delete", func(t *testing.T) {
		r := e.do("DELETE", "/admin/owners/shop", nil)
		assert.Equal(t, 428, r.status)
		r = e.do("DELETE", "/admin/owners/shop", nil, "If-Match", `"stale"`)
		assert.Equal(t, 412, r.status)
		r = e.do("DELETE", "/admin/owners/shop", nil, "If-Match", e.etag())
		require.Equal(t, 200, r.status, "%s", r.body)
		var res config.PublishResult
		r.decode(t, &res)
		assert.True(t, res.Changed)
		assert.Equal(t, first.Revision, res.Previous)
		assert.Equal(t, "", res.Revision, "nothing left: the empty revision")
		assert.Equal(t, 404, e.proxyDo("GET", "/v1/ping").status)
		// Deleting what is not there is a no-op.
		r = e.do("DELETE", "/admin/owners/shop", nil, "If-Match", e.etag())
		require.Equal(t, 200, r.status, "%s", r.body)
		r.decode(t, &res)
		assert.False(t, res.Changed)
		revs := e.revisions()
		assert.Equal(t, "delete", revs[0].Action)
		assert.Equal(t, "shop", revs[0].Owner)
	})
}

func (e *env) revisions() []config.RevisionInfo {
	e.t.Helper()
	r := e.do("GET", "/admin/revisions", nil)
	require.Equal(e.t, 200, r.status, "%s", r.body)
	var revs []config.RevisionInfo
	r.decode(e.t, &revs)
	return revs
}

func TestPublishRefusesWrongOwner(t *testing.T) {
	e := newEnv(t)
	o := e.ownerSection("other", publicRoute("shop", "GET", "/a"), publicRoute("third", "GET", "/b"))
	r := e.do("PUT", "/admin/owners/shop", o, "If-Match", `""`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
	p := r.problem(t)
	fields := fieldsOf(p.Errors)
	assert.Equal(t, []string{"name", "routes[1].owner"}, fields)
	assert.Empty(t, e.revisions())
}

func fieldsOf(errs []config.FieldError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

func TestPublish422ListsEveryError(t *testing.T) {
	e := newEnv(t)
	o := e.ownerSection("shop",
		config.Route{Method: "GET", Path: "no-slash", Service: "shop-svc", Public: true},
		config.Route{Method: "GET", Path: "/x", Service: "missing-svc", Public: true},
		config.Route{Method: "GET", Path: "/y", Service: "shop-svc"}, // neither secured nor public
	)
	r := e.do("PUT", "/admin/owners/shop", o, "If-Match", `""`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
	t.Logf("422: %s", r.body)
	p := r.problem(t)
	require.GreaterOrEqual(t, len(p.Errors), 3, "every error, not the first: %+v", p.Errors)
	all := string(r.body)
	for _, want := range []string{"no-slash", "missing-svc"} {
		assert.Contains(t, all, want)
	}
	for _, fe := range p.Errors {
		assert.NotEmpty(t, fe.Field)
		assert.NotEmpty(t, fe.Message)
	}
	assert.Empty(t, e.revisions(), "nothing stored")
	assert.Equal(t, "", e.gw.Revision(), "nothing applied")
}

func TestPublish409NamesBothOwners(t *testing.T) {
	e := newEnv(t)
	e.publish(e.ownerSection("billing", publicRoute("billing", "GET", "/users/{userId}"), publicRoute("billing", "GET", "/invoices")))
	live := e.etag()

	shop := e.ownerSection("shop",
		publicRoute("shop", "GET", "/orders"),
		publicRoute("shop", "get", "/users/{id}"),  // same route: method case and parameter names do not matter
		publicRoute("shop", "POST", "/users/{id}"), // another method: fine
	)
	r := e.do("PUT", "/admin/owners/shop", shop, "If-Match", live)
	require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
	t.Logf("409: %s", r.body)
	p := r.problem(t)
	assert.Contains(t, p.Detail, `"shop"`)
	assert.Contains(t, p.Detail, `"billing"`)
	require.Len(t, p.Errors, 1)
	assert.Equal(t, "routes[1]", p.Errors[0].Field)
	assert.Contains(t, p.Errors[0].Message, "/users/{userId}")
	assert.Contains(t, p.Errors[0].Message, `"billing"`)
	assert.Contains(t, p.Errors[0].Message, `"shop"`)
	assert.Equal(t, live, e.etag(), "nothing changed")

	// The owner of a route can republish it.
	e.publish(e.ownerSection("billing", publicRoute("billing", "GET", "/users/{uid}")))
}

func TestConcurrentPublishesOneWins(t *testing.T) {
	e := newEnv(t)
	const n = 8
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := e.ownerSection(fmt.Sprintf("o%d", i), publicRoute(fmt.Sprintf("o%d", i), "GET", fmt.Sprintf("/r%d", i)))
			codes[i] = e.do("PUT", "/admin/owners/"+o.Name, o, "If-Match", `""`).status
		}()
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case 200:
			won++
		case 412:
		default:
			t.Errorf("status %d, want 200 or 412", c)
		}
	}
	assert.Equal(t, 1, won, "exactly one publish against the same revision lands: %v", codes)
	assert.Len(t, e.revisions(), 1)
}

func TestRevisionsAndRollback(t *testing.T) {
	e := newEnv(t)
	v1 := e.publish(e.ownerSection("shop", publicRoute("shop", "GET", "/v1/a")))
	v2 := e.publish(e.ownerSection("shop", publicRoute("shop", "GET", "/v1/a"), publicRoute("shop", "GET", "/v1/b")))
	v3 := e.publish(e.ownerSection("billing", publicRoute("billing", "GET", "/bills")))

	revs := e.revisions()
	require.Len(t, revs, 3)
	assert.Equal(t, []string{v3.Revision, v2.Revision, v1.Revision}, []string{revs[0].Revision, revs[1].Revision, revs[2].Revision}, "newest first")
	assert.Equal(t, "billing", revs[0].Owner)
	assert.Equal(t, "publish", revs[0].Action)
	assert.Equal(t, v2.Revision, revs[0].Previous)
	assert.Equal(t, 3, revs[0].Routes)

	r := e.do("GET", "/admin/revisions/"+v1.Revision, nil)
	require.Equal(t, 200, r.status, "%s", r.body)
	var old config.Config
	r.decode(t, &old)
	assert.Equal(t, v1.Revision, old.Revision)
	require.NotNil(t, old.Owner("shop"))
	assert.Len(t, old.Owner("shop").Routes, 1)
	assert.Equal(t, 404, e.do("GET", "/admin/revisions/ffffffffffffffff", nil).status)

	t.Run("rollback needs If-Match", func(t *testing.T) {
		r := e.do("POST", "/admin/rollback", config.RollbackRequest{Revision: v1.Revision})
		assert.Equal(t, 428, r.status)
		r = e.do("POST", "/admin/rollback", config.RollbackRequest{Revision: v1.Revision}, "If-Match", `"`+v1.Revision+`"`)
		assert.Equal(t, 412, r.status)
	})
	t.Run("rollback to an unknown revision", func(t *testing.T) {
		r := e.do("POST", "/admin/rollback", config.RollbackRequest{Revision: "ffffffffffffffff"}, "If-Match", e.etag())
		assert.Equal(t, 404, r.status)
		r.problem(t)
		r = e.do("POST", "/admin/rollback", config.RollbackRequest{}, "If-Match", e.etag())
		assert.Equal(t, 422, r.status)
	})
	t.Run("one owner's section", func(t *testing.T) {
		r := e.do("POST", "/admin/rollback", config.RollbackRequest{Revision: v1.Revision, Owner: "shop"}, "If-Match", e.etag())
		require.Equal(t, 200, r.status, "%s", r.body)
		var res config.PublishResult
		r.decode(t, &res)
		assert.True(t, res.Changed)
		assert.Equal(t, v3.Revision, res.Previous)

		var live config.Config
		e.do("GET", "/admin/config", nil).decode(t, &live)
		require.NotNil(t, live.Owner("shop"))
		assert.Len(t, live.Owner("shop").Routes, 1, "shop is back at v1")
		assert.NotNil(t, live.Owner("billing"), "billing kept")
		assert.Equal(t, 404, e.proxyDo("GET", "/v1/b").status)
		assert.Equal(t, 200, e.proxyDo("GET", "/bills").status)

		top := e.revisions()[0]
		assert.Equal(t, "rollback", top.Action)
		assert.Equal(t, "shop", top.Owner)
		assert.Equal(t, res.Revision, top.Revision)
	})
	t.Run("an owner that never existed", func(t *testing.T) {
		r := e.do("POST", "/admin/rollback", config.RollbackRequest{Revision: v1.Revision, Owner: "typo"}, "If-Match", e.etag())
		assert.Equal(t, 404, r.status, "%s", r.body)
		assert.Contains(t, r.problem(t).Detail, `"typo"`)
	})
	t.Run("an owner absent from the old revision is removed", func(t *testing.T) {
		r := e.do("POST", "/admin/rollback", config.RollbackRequest{Revision: v1.Revision, Owner: "billing"}, "If-Match", e.etag())
		require.Equal(t, 200, r.status, "%s", r.body)
		assert.Equal(t, 404, e.proxyDo("GET", "/bills").status)
	})
	t.Run("whole config", func(t *testing.T) {
		r := e.do("POST", "/admin/rollback", config.RollbackRequest{Revision: v3.Revision}, "If-Match", e.etag())
		require.Equal(t, 200, r.status, "%s", r.body)
		var res config.PublishResult
		r.decode(t, &res)
		assert.Equal(t, v3.Revision, res.Revision, "same content, same revision")
		assert.Equal(t, v3.Revision, e.gw.Revision())
		assert.Equal(t, 200, e.proxyDo("GET", "/v1/b").status)
		// And again: nothing to do.
		r = e.do("POST", "/admin/rollback", config.RollbackRequest{Revision: v3.Revision}, "If-Match", e.etag())
		require.Equal(t, 200, r.status, "%s", r.body)
		r.decode(t, &res)
		assert.False(t, res.Changed)
	})
	t.Run("an owner's rollback cannot take another owner's route", func(t *testing.T) {
		// billing now publishes /v1/b, which shop had at v2.
		e.publish(e.ownerSection("shop", publicRoute("shop", "GET", "/v1/a")))
		e.publish(e.ownerSection("billing", publicRoute("billing", "GET", "/v1/b")))
		r := e.do("POST", "/admin/rollback", config.RollbackRequest{Revision: v2.Revision, Owner: "shop"}, "If-Match", e.etag())
		require.Equal(t, 409, r.status, "%s", r.body)
		p := r.problem(t)
		assert.Contains(t, p.Detail, `"billing"`)
	})
}

func TestConsumers(t *testing.T) {
	e := newEnv(t)
	e.publish(e.ownerSection("shop",
		route("shop", "GET", "/v1/orders", "orders:read"),
		route("shop", "POST", "/v1/orders", "orders:write"),
	))

	var created config.ConsumerCreated
	t.Run("create with a generated key shows it once", func(t *testing.T) {
		r := e.do("POST", "/admin/consumers", config.ConsumerRequest{Name: "mobile-app", Scopes: []string{"orders:read", "orders:read"}, KeyAuth: true})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		r.decode(t, &created)
		assert.True(t, strings.HasPrefix(created.Key, "gw_"), created.Key)
		assert.Equal(t, "/admin/consumers/"+created.Consumer.ID, r.header.Get("Location"))
		assert.Equal(t, []string{"orders:read"}, created.Consumer.Scopes)
		require.Len(t, created.Consumer.Credentials, 1)
		cred := created.Consumer.Credentials[0]
		assert.Equal(t, config.KeyAuth, cred.Type)
		assert.Empty(t, cred.KeyHash)
		assert.True(t, strings.HasPrefix(created.Key, cred.KeyHint))
		assert.NotContains(t, string(r.body), "keyHash")
	})
	t.Run("the key works at once", func(t *testing.T) {
		r := e.proxyDo("GET", "/v1/orders", "X-Api-Key", created.Key)
		require.Equal(t, 200, r.status, "%s", r.body)
		up := e.lastSeen()
		assert.Empty(t, up.Header.Get("X-Api-Key"), "credential stripped")
		assert.Equal(t, "mobile-app", up.Header.Get("X-Consumer-Name"))
		assert.Equal(t, 403, e.proxyDo("POST", "/v1/orders", "X-Api-Key", created.Key).status, "scope missing")
		assert.Equal(t, 401, e.proxyDo("GET", "/v1/orders", "X-Api-Key", created.Key+"x").status)
	})
	t.Run("duplicate name", func(t *testing.T) {
		r := e.do("POST", "/admin/consumers", config.ConsumerRequest{Name: "mobile-app"})
		assert.Equal(t, http.StatusConflict, r.status)
		r.problem(t)
	})
	t.Run("given key and basic auth", func(t *testing.T) {
		r := e.do("POST", "/admin/consumers", config.ConsumerRequest{Name: "batch", Key: "batch-key-123456", Username: "batch", Password: "pw-batch-1"})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var c config.ConsumerCreated
		r.decode(t, &c)
		assert.Equal(t, "batch-key-123456", c.Key)
		require.Len(t, c.Consumer.Credentials, 2)
		// The same key on another consumer would make lookups ambiguous.
		r = e.do("POST", "/admin/consumers", config.ConsumerRequest{Name: "copycat", Key: "batch-key-123456"})
		assert.Equal(t, http.StatusConflict, r.status)
		r = e.do("POST", "/admin/consumers", config.ConsumerRequest{Name: "copycat", Username: "batch", Password: "x"})
		assert.Equal(t, http.StatusConflict, r.status)
	})
	t.Run("invalid requests list every error", func(t *testing.T) {
		r := e.do("POST", "/admin/consumers", config.ConsumerRequest{Name: "bad name", Scopes: []string{"a b", ""}, Key: "short", Password: "p"})
		require.Equal(t, 422, r.status, "%s", r.body)
		p := r.problem(t)
		assert.Equal(t, []string{"name", "scopes[0]", "scopes[1]", "key", "username"}, fieldsOf(p.Errors))
	})
	t.Run("list and get never show hashes", func(t *testing.T) {
		r := e.do("GET", "/admin/consumers", nil)
		require.Equal(t, 200, r.status)
		for _, s := range []string{"keyHash", "passwordHash", "$2a$", created.Key, "batch-key-123456", "pw-batch-1"} {
			assert.NotContains(t, string(r.body), s)
		}
		var list []config.Consumer
		r.decode(t, &list)
		require.Len(t, list, 2)
		assert.Equal(t, "batch", list[0].Name)

		for _, id := range []string{created.Consumer.ID, "mobile-app"} {
			r = e.do("GET", "/admin/consumers/"+id, nil)
			require.Equal(t, 200, r.status)
			assert.NotContains(t, string(r.body), "keyHash")
			var c config.Consumer
			r.decode(t, &c)
			assert.Equal(t, created.Consumer.ID, c.ID)
		}
		assert.Equal(t, 404, e.do("GET", "/admin/consumers/nobody", nil).status)
	})
	t.Run("add a credential", func(t *testing.T) {
		r := e.do("POST", "/admin/consumers/mobile-app/credentials", config.CredentialRequest{Type: config.KeyAuth})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var c config.ConsumerCreated
		r.decode(t, &c)
		assert.NotEmpty(t, c.Key)
		assert.NotEqual(t, created.Key, c.Key)
		assert.Len(t, c.Consumer.Credentials, 2)
		assert.Equal(t, 200, e.proxyDo("GET", "/v1/orders", "X-Api-Key", c.Key).status, "new key works at once")
		assert.Equal(t, 200, e.proxyDo("GET", "/v1/orders", "X-Api-Key", created.Key).status, "old key still works")

		r = e.do("POST", "/admin/consumers/mobile-app/credentials", config.CredentialRequest{Type: "oauth"})
		assert.Equal(t, 422, r.status)
		r = e.do("POST", "/admin/consumers/nobody/credentials", config.CredentialRequest{Type: config.KeyAuth})
		assert.Equal(t, 404, r.status)
	})
	t.Run("update scopes and name in place", func(t *testing.T) {
		scopes := []string{"orders:read", "orders:write"}
		r := e.do("PATCH", "/admin/consumers/mobile-app", config.ConsumerUpdate{Scopes: &scopes})
		require.Equal(t, 200, r.status, "%s", r.body)
		var c config.Consumer
		r.decode(t, &c)
		assert.Equal(t, created.Consumer.ID, c.ID)
		assert.Equal(t, scopes, c.Scopes)
		assert.Len(t, c.Credentials, 2, "credentials kept")
		assert.NotContains(t, string(r.body), "keyHash")
		assert.Equal(t, 200, e.proxyDo("POST", "/v1/orders", "X-Api-Key", created.Key).status, "new scope works at once, same key")

		name := "mobile"
		r = e.do("PATCH", "/admin/consumers/"+created.Consumer.ID, config.ConsumerUpdate{Name: &name})
		require.Equal(t, 200, r.status, "%s", r.body)
		r.decode(t, &c)
		assert.Equal(t, "mobile", c.Name)
		assert.Equal(t, scopes, c.Scopes, "scopes left out stay")
		require.Equal(t, 200, e.proxyDo("GET", "/v1/orders", "X-Api-Key", created.Key).status)
		assert.Equal(t, "mobile", e.lastSeen().Header.Get("X-Consumer-Name"))

		none := []string{}
		r = e.do("PATCH", "/admin/consumers/mobile", config.ConsumerUpdate{Scopes: &none})
		require.Equal(t, 200, r.status, "%s", r.body)
		assert.Equal(t, 403, e.proxyDo("GET", "/v1/orders", "X-Api-Key", created.Key).status, "scopes removed")

		taken := "batch"
		assert.Equal(t, http.StatusConflict, e.do("PATCH", "/admin/consumers/mobile", config.ConsumerUpdate{Name: &taken}).status)
		r = e.do("PATCH", "/admin/consumers/mobile", `{}`)
		assert.Equal(t, 422, r.status)
		bad, badScopes := "bad name", []string{"a b"}
		r = e.do("PATCH", "/admin/consumers/mobile", config.ConsumerUpdate{Name: &bad, Scopes: &badScopes})
		require.Equal(t, 422, r.status)
		assert.Equal(t, []string{"name", "scopes[0]"}, fieldsOf(r.problem(t).Errors))
		assert.Equal(t, 404, e.do("PATCH", "/admin/consumers/nobody", config.ConsumerUpdate{Name: &name}).status)
		r = e.do("GET", "/admin/consumers/mobile", nil)
		var after config.Consumer
		r.decode(t, &after)
		assert.Equal(t, "mobile", after.Name)
		assert.Empty(t, after.Scopes, "refused updates changed nothing")
		assert.Equal(t, 200, e.do("PATCH", "/admin/consumers/mobile", config.ConsumerUpdate{Scopes: &scopes}).status)
	})
	t.Run("revoke one credential", func(t *testing.T) {
		r := e.do("GET", "/admin/consumers/mobile", nil)
		var c config.Consumer
		r.decode(t, &c)
		require.Len(t, c.Credentials, 2)
		first := c.Credentials[0]
		require.True(t, strings.HasPrefix(created.Key, first.KeyHint), "the first credential is the created key")
		r = e.do("DELETE", "/admin/consumers/mobile/credentials/"+first.ID, nil)
		require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
		assert.Equal(t, 401, e.proxyDo("GET", "/v1/orders", "X-Api-Key", created.Key).status, "revoked at once")
		r = e.do("GET", "/admin/consumers/mobile", nil)
		r.decode(t, &c)
		require.Len(t, c.Credentials, 1)
		assert.NotEqual(t, first.ID, c.Credentials[0].ID)
		assert.Equal(t, 404, e.do("DELETE", "/admin/consumers/mobile/credentials/"+first.ID, nil).status)
		assert.Equal(t, 404, e.do("DELETE", "/admin/consumers/nobody/credentials/"+first.ID, nil).status)
	})
	t.Run("delete", func(t *testing.T) {
		r := e.do("DELETE", "/admin/consumers/"+created.Consumer.ID, nil)
		require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
		assert.Equal(t, 401, e.proxyDo("GET", "/v1/orders", "X-Api-Key", created.Key).status, "revoked at once")
		assert.Equal(t, 404, e.do("DELETE", "/admin/consumers/"+created.Consumer.ID, nil).status)
	})
}

func TestDecoding(t *testing.T) {
	e := newEnv(t, func(o *admin.Options) { o.MaxBodyBytes = 4096 })
	cases := []struct {
		name   string
		body   string
		ctype  string
		status int
		detail string
	}{
		{"unknown field", `{"name":"shop","routez":[]}`, "", 400, `"routez"`},
		{"unknown nested field", `{"name":"shop","routes":[{"method":"GET","pathh":"/x"}]}`, "", 400, `"pathh"`},
		{"wrong type", `{"name":"shop","routes":"nope"}`, "", 400, `"routes"`},
		{"malformed", "{\n\"name\": }", "", 400, "line 2"},
		{"trailing data", `{"name":"shop"} {}`, "", 400, "after the JSON"},
		{"empty", ``, "", 400, "empty"},
		{"not json", `name: shop`, "application/yaml", 415, "application/yaml"},
		{"too large", `{"name":"` + strings.Repeat("x", 5000) + `"}`, "", 413, "4096"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := []string{"If-Match", `""`}
			if c.ctype != "" {
				hdr = append(hdr, "Content-Type", c.ctype)
			}
			r := e.do("PUT", "/admin/owners/shop", c.body, hdr...)
			require.Equal(t, c.status, r.status, "%s", r.body)
			p := r.problem(t)
			assert.Contains(t, p.Detail, c.detail)
		})
	}
	r := e.do("POST", "/admin/consumers", `{"name":"x","scope":["a"]}`)
	assert.Equal(t, 400, r.status)
	assert.Contains(t, r.problem(t).Detail, `"scope"`)
}

func TestStatusHealthMetrics(t *testing.T) {
	e := newEnv(t)
	res := e.publish(e.ownerSection("shop", publicRoute("shop", "GET", "/a")))

	r := e.do("GET", "/admin/status", nil)
	require.Equal(t, 200, r.status)
	var st config.Status
	r.decode(t, &st)
	require.Len(t, st.Nodes, 1)
	assert.NotEmpty(t, st.Nodes[0].ID)
	assert.Equal(t, res.Revision, st.Nodes[0].Revision)

	r = e.do("GET", "/admin/health", nil)
	assert.Equal(t, 200, r.status)
	assert.JSONEq(t, `{"status":"ok"}`, string(r.body))

	e.proxyDo("GET", "/a")
	r = e.do("GET", "/admin/metrics", nil)
	assert.Equal(t, 200, r.status)
	assert.Contains(t, r.header.Get("Content-Type"), "text/plain")

	noMetrics := newEnv(t, func(o *admin.Options) { o.Metrics = nil })
	assert.Equal(t, 404, noMetrics.do("GET", "/admin/metrics", nil).status)
}

// TestFollowAppliesOtherWriters: a change another node commits to the
// shared store becomes live here without any admin call.
func TestFollowAppliesOtherWriters(t *testing.T) {
	e := newEnv(t)
	next := (&config.Config{}).WithOwner(config.Owner{
		Name:     "elsewhere",
		Services: []config.Service{{Name: "s", URLs: []string{e.upstream.URL}}},
		Routes:   []config.Route{{ID: "elsewhere:GET /x", Owner: "elsewhere", Service: "s", Method: "GET", Path: "/x", Public: true}},
	})
	require.NoError(t, e.st.Commit(context.Background(), "", next, config.RevisionInfo{Owner: "elsewhere", Action: "publish"}))
	require.Eventually(t, func() bool { return e.gw.Revision() == next.Revision }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, 200, e.proxyDo("GET", "/x").status)
}

// TestFollowCatchesUpOnStart: a change committed before the node's watch
// was registered (no signal will ever come for it) is applied when Follow
// starts.
func TestFollowCatchesUpOnStart(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	st, err := store.OpenFile(t.TempDir(), log)
	require.NoError(t, err)
	defer st.Close()
	gw := gateway.New(gateway.Options{Logger: log, NodeID: "node-1"})
	require.NoError(t, gw.Apply(&config.Config{}, nil))
	next := (&config.Config{}).WithOwner(config.Owner{
		Name:     "early",
		Services: []config.Service{{Name: "s", URLs: []string{"http://127.0.0.1:9"}}},
		Routes:   []config.Route{{ID: "early:GET /x", Owner: "early", Service: "s", Method: "GET", Path: "/x", Public: true}},
	})
	require.NoError(t, st.Commit(context.Background(), "", next, config.RevisionInfo{Owner: "early", Action: "publish"}))
	require.NotEqual(t, next.Revision, gw.Revision())

	api := admin.New(admin.Options{Store: st, Gateway: gw, Token: token, Logger: log, NodeID: "node-1"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); api.Follow(ctx) }()
	defer func() { cancel(); <-done }()
	require.Eventually(t, func() bool { return gw.Revision() == next.Revision }, 5*time.Second, 10*time.Millisecond)
}

// TestPublish10000Routes: a 10,000-route owner fits the body limit and
// lands in one revision; the time it took is logged.
func TestPublish10000Routes(t *testing.T) {
	if testing.Short() {
		t.Skip("large publish")
	}
	e := newEnv(t)
	o := e.ownerSection("big")
	for i := range 10000 {
		o.Routes = append(o.Routes, route("big", "GET", fmt.Sprintf("/v1/things%d/{id}/parts", i), "things:read"))
	}
	body, err := json.Marshal(o)
	require.NoError(t, err)
	start := time.Now()
	r := e.do("PUT", "/admin/owners/big", body, "If-Match", `""`)
	took := time.Since(start)
	require.Equal(t, 200, r.status, "%.300s", r.body)
	t.Logf("PUT of 10,000 routes (%d KiB): %v", len(body)>>10, took)

	// Republishing the same content is a no-op.
	start = time.Now()
	r = e.do("PUT", "/admin/owners/big", body, "If-Match", e.etag())
	require.Equal(t, 200, r.status)
	assert.Contains(t, string(r.body), `"changed":false`)
	t.Logf("unchanged PUT of 10,000 routes: %v", time.Since(start))
}
