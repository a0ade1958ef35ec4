package publish_test

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/publish"
)

func key() config.Requirement { return config.Requirement{{Scheme: "key"}} }
func jwt(scopes ...string) config.Requirement {
	return config.Requirement{{Scheme: "jwt", Scopes: scopes}}
}
func and(reqs ...config.Requirement) config.Requirement {
	var out config.Requirement
	for _, r := range reqs {
		out = append(out, r...)
	}
	return out
}

func route(method, path string, sec ...config.Requirement) config.Route {
	return config.Route{
		ID: config.RouteID("shop", method, path), Owner: "shop", Service: "orders",
		Method: method, Path: path, Security: sec, Public: len(sec) == 0, Source: "orders.yaml:1",
	}
}

// baseOwner is revision A of the diff tables.
func baseOwner() *config.Owner {
	return &config.Owner{
		Name:     "shop",
		Services: []config.Service{{Name: "orders", URLs: []string{"http://orders:8080"}}},
		Schemes: []config.Scheme{
			{Name: "key", Type: config.KeyAuth, Key: &config.KeyScheme{In: "header", Name: "X-Key"}},
			{Name: "jwt", Type: config.JWTAuth, JWT: &config.JWTScheme{Issuers: []config.Issuer{{Issuer: "https://a", Algorithms: []string{"RS256"}}}}},
		},
		Routes: []config.Route{
			route("GET", "/v1/orders", key()),
			route("POST", "/v1/orders", and(key(), jwt("write"))),
			route("GET", "/v1/orders/{id}", key(), jwt("read")),
			route("DELETE", "/v1/orders/{id}", jwt("admin", "write")),
			route("GET", "/v1/health"),
		},
	}
}

// edit returns revision B: a copy of A changed by fn.
func edit(fn func(o *config.Owner)) *config.Owner {
	o := baseOwner()
	fn(o)
	return o
}

func find(o *config.Owner, method, path string) *config.Route {
	for i := range o.Routes {
		if o.Routes[i].Method == method && o.Routes[i].Path == path {
			return &o.Routes[i]
		}
	}
	panic("no route " + method + " " + path)
}

type wantChange struct {
	kind         publish.Kind
	method, path string
	details      []string
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name      string
		live      *config.Owner
		desired   *config.Owner
		others    []config.Owner
		want      []wantChange
		unchanged int
		conflicts int
	}{
		{name: "identical", live: baseOwner(), desired: baseOwner(), unchanged: 5},
		{
			name: "source and id are not drift", live: baseOwner(),
			desired: edit(func(o *config.Owner) {
				for i := range o.Routes {
					o.Routes[i].Source = "moved.yaml:99"
					o.Routes[i].ID = "custom"
				}
			}),
			unchanged: 5,
		},
		{
			name: "first publish exposes everything", live: nil, desired: baseOwner(),
			want: []wantChange{
				{publish.Exposed, "GET", "/v1/health", []string{"new endpoint, public"}},
				{publish.Exposed, "GET", "/v1/orders", []string{"new endpoint, auth key"}},
				{publish.Exposed, "POST", "/v1/orders", []string{"new endpoint, auth jwt[write]+key"}},
				{publish.Exposed, "DELETE", "/v1/orders/{id}", []string{"new endpoint, auth jwt[admin write]"}},
				{publish.Exposed, "GET", "/v1/orders/{id}", []string{"new endpoint, auth key | jwt[read]"}},
			},
		},
		{
			name: "new endpoint", live: baseOwner(),
			desired:   edit(func(o *config.Owner) { o.Routes = append(o.Routes, route("PUT", "/v1/orders/{id}", jwt("write"))) }),
			want:      []wantChange{{publish.Exposed, "PUT", "/v1/orders/{id}", []string{"new endpoint, auth jwt[write]"}}},
			unchanged: 5,
		},
		{
			name: "becomes public", live: baseOwner(),
			desired: edit(func(o *config.Owner) {
				r := find(o, "GET", "/v1/orders")
				r.Security, r.Public = nil, true
			}),
			want:      []wantChange{{publish.AuthWeakened, "GET", "/v1/orders", []string{"becomes public (was auth key)"}}},
			unchanged: 4,
		},
		{
			name: "alternative added", live: baseOwner(),
			desired: edit(func(o *config.Owner) {
				r := find(o, "GET", "/v1/orders")
				r.Security = append(r.Security, jwt("read"))
			}),
			want:      []wantChange{{publish.AuthWeakened, "GET", "/v1/orders", []string{"alternative added: jwt[read]"}}},
			unchanged: 4,
		},
		{
			name: "scheme dropped from an AND", live: baseOwner(),
			desired:   edit(func(o *config.Owner) { find(o, "POST", "/v1/orders").Security = []config.Requirement{jwt("write")} }),
			want:      []wantChange{{publish.AuthWeakened, "POST", "/v1/orders", []string{"scheme dropped: key"}}},
			unchanged: 4,
		},
		{
			name: "scope dropped", live: baseOwner(),
			desired: edit(func(o *config.Owner) {
				find(o, "DELETE", "/v1/orders/{id}").Security = []config.Requirement{jwt("admin")}
			}),
			want:      []wantChange{{publish.AuthWeakened, "DELETE", "/v1/orders/{id}", []string{"scope dropped: write (jwt)"}}},
			unchanged: 4,
		},
		{
			name: "removed endpoint", live: baseOwner(),
			desired:   edit(func(o *config.Owner) { o.Routes = o.Routes[1:] }),
			want:      []wantChange{{publish.Removed, "GET", "/v1/orders", []string{"unlisted, will be removed (was auth key)"}}},
			unchanged: 4,
		},
		{
			name: "upstream changes every route of the service", live: baseOwner(),
			desired: edit(func(o *config.Owner) {
				o.Services[0].URLs = []string{"http://orders-v2:8080"}
				o.Services[0].ResponseTimeout = config.Duration(5 * time.Second)
			}),
			want: []wantChange{
				{publish.Changed, "GET", "/v1/health", []string{"upstream http://orders:8080 → http://orders-v2:8080", "service timeouts connect default, response default → connect default, response 5s"}},
				{publish.Changed, "GET", "/v1/orders", nil},
				{publish.Changed, "POST", "/v1/orders", nil},
				{publish.Changed, "DELETE", "/v1/orders/{id}", nil},
				{publish.Changed, "GET", "/v1/orders/{id}", nil},
			},
		},
		{
			name: "service, prefixes, plugins, mock", live: baseOwner(),
			desired: edit(func(o *config.Owner) {
				o.Services = append(o.Services, config.Service{Name: "orders-read", URLs: []string{"http://orders:8080"}})
				r := find(o, "GET", "/v1/orders")
				r.Service = "orders-read"
				r.StripPrefix = "/v1"
				r.AddPrefix = "/api"
				r.Plugins.RateLimit = &config.RateLimit{Requests: 10, Window: config.Duration(time.Second)}
				r.Plugins.Timeouts = &config.Timeouts{Response: config.Duration(time.Minute)}
				find(o, "GET", "/v1/health").Mock = &config.Mock{Status: 200, Body: "{}"}
			}),
			want: []wantChange{
				{publish.Changed, "GET", "/v1/health", []string{"now answered by a mock"}},
				{publish.Changed, "GET", "/v1/orders", []string{
					"service orders → orders-read", `stripPrefix "" → "/v1"`, `addPrefix "" → "/api"`,
					`timeouts added {"response":"1m0s"}`, `rateLimit added {"requests":10,"window":"1s"}`,
				}},
			},
			unchanged: 3,
		},
		{
			name: "path parameter renamed is the same endpoint", live: baseOwner(),
			desired:   edit(func(o *config.Owner) { find(o, "GET", "/v1/orders/{id}").Path = "/v1/orders/{orderId}" }),
			want:      []wantChange{{publish.Changed, "GET", "/v1/orders/{orderId}", []string{"path template /v1/orders/{id} → /v1/orders/{orderId}"}}},
			unchanged: 4,
		},
		{
			name: "scheme settings change the routes that use it", live: baseOwner(),
			desired: edit(func(o *config.Owner) { o.Schemes[1].JWT.Issuers[0].Issuer = "https://b" }),
			want: []wantChange{
				{publish.Changed, "POST", "/v1/orders", []string{"auth scheme jwt settings changed (issuer https://a → https://b)"}},
				{publish.Changed, "DELETE", "/v1/orders/{id}", nil},
				{publish.Changed, "GET", "/v1/orders/{id}", nil},
			},
			unchanged: 2,
		},
		{
			name: "auth strengthened", live: baseOwner(),
			desired: edit(func(o *config.Owner) {
				h := find(o, "GET", "/v1/health")
				h.Public, h.Security = false, []config.Requirement{key()}
				find(o, "GET", "/v1/orders").Security = []config.Requirement{and(key(), jwt("read"))}
				find(o, "GET", "/v1/orders/{id}").Security = []config.Requirement{key()}
			}),
			want: []wantChange{
				{publish.AuthStrengthened, "GET", "/v1/health", []string{"no longer public (now auth key)"}},
				{publish.AuthStrengthened, "GET", "/v1/orders", []string{"scheme added: jwt"}},
				{publish.AuthStrengthened, "GET", "/v1/orders/{id}", []string{"alternative removed: jwt[read]"}},
			},
			unchanged: 2,
		},
		{
			name: "weakened and strengthened at once is weakened", live: baseOwner(),
			desired: edit(func(o *config.Owner) {
				find(o, "GET", "/v1/orders/{id}").Security = []config.Requirement{jwt("read", "audit"), jwt()}
			}),
			want:      []wantChange{{publish.AuthWeakened, "GET", "/v1/orders/{id}", []string{"scope dropped: read (jwt)", "alternative removed: key"}}},
			unchanged: 4,
		},
		{
			name: "collisions with other owners block", live: baseOwner(),
			desired: baseOwner(),
			others: []config.Owner{
				{Name: "billing", Routes: []config.Route{{Method: "GET", Path: "/v1/orders/{orderId}"}, {Method: "POST", Path: "/v1/invoices"}}},
				{Name: "shop", Routes: []config.Route{{Method: "GET", Path: "/v1/orders"}}}, // itself: ignored
			},
			unchanged: 5, conflicts: 1,
		},
		{
			name: "risk order", live: baseOwner(),
			desired: edit(func(o *config.Owner) {
				find(o, "GET", "/v1/orders/{id}").Security = []config.Requirement{key()}                          // strengthened
				find(o, "GET", "/v1/health").StripPrefix = "/v1"                                                  // changed
				o.Routes = slices.DeleteFunc(o.Routes, func(r config.Route) bool { return r.Method == "DELETE" }) // removed
				find(o, "POST", "/v1/orders").Security = []config.Requirement{key()}                              // weakened
				o.Routes = append(o.Routes, route("GET", "/v2/orders"))                                           // exposed
			}),
			want: []wantChange{
				{publish.Exposed, "GET", "/v2/orders", nil},
				{publish.AuthWeakened, "POST", "/v1/orders", nil},
				{publish.Removed, "DELETE", "/v1/orders/{id}", nil},
				{publish.Changed, "GET", "/v1/health", nil},
				{publish.AuthStrengthened, "GET", "/v1/orders/{id}", nil},
			},
			unchanged: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := publish.Diff(tt.live, tt.desired, tt.others)
			if len(plan.Changes) != len(tt.want) {
				t.Fatalf("got %d changes, want %d: %+v", len(plan.Changes), len(tt.want), plan.Changes)
			}
			for i, w := range tt.want {
				c := plan.Changes[i]
				if c.Kind != w.kind || c.Method != w.method || c.Path != w.path {
					t.Errorf("change %d = %s %s %s, want %s %s %s", i, c.Kind, c.Method, c.Path, w.kind, w.method, w.path)
				}
				if w.details != nil && !slices.Equal(c.Details, w.details) {
					t.Errorf("change %d details = %q, want %q", i, c.Details, w.details)
				}
			}
			if plan.Unchanged != tt.unchanged {
				t.Errorf("unchanged = %d, want %d", plan.Unchanged, tt.unchanged)
			}
			if len(plan.Conflicts) != tt.conflicts {
				t.Errorf("conflicts = %+v, want %d", plan.Conflicts, tt.conflicts)
			}
			if plan.HasChanges() != (len(tt.want) > 0) {
				t.Errorf("HasChanges = %v", plan.HasChanges())
			}
		})
	}
}

func TestDiffConflictNamesBothOwners(t *testing.T) {
	plan := publish.Diff(nil, baseOwner(), []config.Owner{{Name: "billing", Routes: []config.Route{{Method: "GET", Path: "/v1/orders/{orderId}"}}}})
	want := []publish.Conflict{{Method: "GET", Path: "/v1/orders/{id}", Source: "orders.yaml:1", Owner: "billing", OtherPath: "/v1/orders/{orderId}"}}
	if !slices.Equal(plan.Conflicts, want) || !plan.Blocked() {
		t.Errorf("conflicts = %+v", plan.Conflicts)
	}
}

func TestDiffLeftoverSections(t *testing.T) {
	live := edit(func(o *config.Owner) {
		o.Services = append(o.Services, config.Service{Name: "old", URLs: []string{"http://old"}})
	})
	plan := publish.Diff(live, baseOwner(), nil)
	if !plan.HasChanges() || !slices.Equal(plan.Other, []string{"service old is no longer used, will be removed"}) {
		t.Errorf("other = %q", plan.Other)
	}
}

// TestPlanOutput pins the text (plain and coloured) and JSON forms.
func TestPlanOutput(t *testing.T) {
	desired := edit(func(o *config.Owner) {
		find(o, "GET", "/v1/orders/{id}").Security = []config.Requirement{key()}
		find(o, "GET", "/v1/health").Plugins.MaxBodySize = new(int64(1024))
		o.Routes = slices.DeleteFunc(o.Routes, func(r config.Route) bool { return r.Method == "DELETE" })
		r := find(o, "GET", "/v1/orders")
		r.Security, r.Public = nil, true
		o.Routes = append(o.Routes, route("GET", "/v2/orders", jwt("read")))
	})
	others := []config.Owner{{Name: "billing", Routes: []config.Route{{Method: "GET", Path: "/v2/orders"}}}}
	plan := publish.Diff(baseOwner(), desired, others)
	plan.Base = "0123456789abcdef"
	for _, tc := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"plan.txt", func(b *bytes.Buffer) error { return plan.WriteText(b, false) }},
		{"plan.color.txt", func(b *bytes.Buffer) error { return plan.WriteText(b, true) }},
		{"plan.json", func(b *bytes.Buffer) error { return plan.WriteJSON(b) }},
	} {
		var b bytes.Buffer
		if err := tc.write(&b); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("../testdata/publish/diff", tc.file), b.Bytes())
	}
	var b bytes.Buffer
	empty := publish.Diff(baseOwner(), baseOwner(), nil)
	_ = empty.WriteText(&b, false)
	golden(t, "../testdata/publish/diff/unchanged.txt", b.Bytes())
}
