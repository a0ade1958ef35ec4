package router

import (
	"fmt"
	"strings"
	"testing"
)

func mustNew(t testing.TB, es []Entry[string]) *Router[string] {
	t.Helper()
	rt, err := New(es)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func e(method, tpl string) Entry[string] { return Entry[string]{method, tpl, method + " " + tpl} }

func TestLookup(t *testing.T) {
	rt := mustNew(t, []Entry[string]{
		e("GET", "/"),
		e("GET", "/users"),
		e("POST", "/users"),
		e("GET", "/users/me"),
		e("GET", "/users/{id}"),
		e("DELETE", "/users/{userId}"),
		e("GET", "/users/{id}/orders/{orderId}"),
		e("GET", "/users/me/orders/latest"),
		e("GET", "/a/{x}/c"),
		e("GET", "/a/b/d"),
		e("HEAD", "/head-only"),
		e("GET", "/files/{name}"),
	})
	tests := []struct {
		method, path string
		status       int
		want         string
		allow        string
		vals         string
	}{
		{"GET", "/", 200, "GET /", "GET", ""},
		{"POST", "/", 405, "", "GET", ""},
		{"GET", "/users", 200, "GET /users", "GET, POST", ""},
		{"POST", "/users", 200, "POST /users", "GET, POST", ""},
		{"PUT", "/users", 405, "", "GET, POST", ""},
		{"GET", "/users/", 404, "", "", ""},  // no trailing-slash folding
		{"GET", "/Users", 404, "", "", ""},   // no case folding
		{"GET", "/users//", 404, "", "", ""}, // empty segments never match
		{"GET", "//users", 404, "", "", ""},  // idem
		{"GET", "/users/me", 200, "GET /users/me", "GET", ""},
		{"DELETE", "/users/me", 405, "", "GET", ""}, // path first, then method
		{"GET", "/users/42", 200, "GET /users/{id}", "DELETE, GET", "42"},
		{"DELETE", "/users/42", 200, "DELETE /users/{userId}", "DELETE, GET", "42"},
		{"GET", "/users/me/orders/7", 200, "GET /users/{id}/orders/{orderId}", "GET", "me,7"}, // backtracking
		{"GET", "/users/me/orders/latest", 200, "GET /users/me/orders/latest", "GET", ""},
		{"GET", "/a/b/c", 200, "GET /a/{x}/c", "GET", "b"}, // literal b dead-ends at c
		{"GET", "/a/b/d", 200, "GET /a/b/d", "GET", ""},
		{"GET", "/a/b/e", 404, "", "", ""},
		{"GET", "/head-only", 405, "", "HEAD", ""}, // HEAD is not GET and GET is not HEAD
		{"HEAD", "/users", 405, "", "GET, POST", ""},
		{"HEAD", "/head-only", 200, "HEAD /head-only", "HEAD", ""},
		{"GET", "/files/a%2Fb", 200, "GET /files/{name}", "GET", "a%2Fb"}, // raw segment (strict layer refuses %2F before)
		{"GET", "/users/42/orders", 404, "", "", ""},
		{"GET", "", 404, "", "", ""},
		{"GET", "users", 404, "", "", ""},
		{"get", "/users", 405, "", "GET, POST", ""},
	}
	buf := make([]string, 0, 8)
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			m := rt.Lookup(tt.method, tt.path, buf)
			if m.Status != tt.status || m.Allow != tt.allow {
				t.Fatalf("status %d allow %q, want %d %q", m.Status, m.Allow, tt.status, tt.allow)
			}
			if m.Value != tt.want {
				t.Fatalf("value %q, want %q", m.Value, tt.want)
			}
			if got := strings.Join(m.Values, ","); got != tt.vals {
				t.Fatalf("params %q, want %q", got, tt.vals)
			}
			if m.Status == 200 && len(m.Names) != len(m.Values) {
				t.Fatalf("names %v values %v", m.Names, m.Values)
			}
		})
	}
	if got := rt.Methods("/users/9"); got != "DELETE, GET" {
		t.Fatalf("Methods = %q", got)
	}
}

func TestParamNamesPerRoute(t *testing.T) {
	rt := mustNew(t, []Entry[string]{e("GET", "/u/{id}"), e("PUT", "/u/{userId}")})
	if m := rt.Lookup("PUT", "/u/1", nil); m.Names[0] != "userId" || m.Values[0] != "1" {
		t.Fatalf("%+v", m)
	}
	if m := rt.Lookup("GET", "/u/1", nil); m.Names[0] != "id" {
		t.Fatalf("%+v", m)
	}
}

func TestNewErrors(t *testing.T) {
	for _, es := range [][]Entry[string]{
		{e("GET", "/u/{id}"), e("GET", "/u/{userId}")},
		{e("GET", "u")},
		{e("GET", "/u//x")},
		{e("GET", "/u/")},
		{e("GET", "/u/a{id}")},
		{e("GET", "/u/{id}/{id}")},
		{e("GET", "/u/{}")},
		{e("", "/u")},
	} {
		if _, err := New(es); err == nil {
			t.Errorf("New(%v) succeeded", es)
		}
	}
}

func table(n int) ([]Entry[int], []string) {
	var es []Entry[int]
	var paths []string
	for i := 0; len(es) < n; i++ {
		svc := fmt.Sprintf("svc%d", i%50)
		res := fmt.Sprintf("res%d", i)
		for _, r := range []struct{ m, tpl, path string }{
			{"GET", "/v1/" + svc + "/" + res, "/v1/" + svc + "/" + res},
			{"POST", "/v1/" + svc + "/" + res, ""},
			{"GET", "/v1/" + svc + "/" + res + "/{id}", "/v1/" + svc + "/" + res + "/123"},
			{"PUT", "/v1/" + svc + "/" + res + "/{id}", ""},
			{"GET", "/v1/" + svc + "/" + res + "/{id}/items/{itemId}", "/v1/" + svc + "/" + res + "/123/items/abc"},
		} {
			if len(es) == n {
				break
			}
			es = append(es, Entry[int]{r.m, r.tpl, len(es)})
			if r.path != "" {
				paths = append(paths, r.path)
			}
		}
	}
	return es, paths
}

func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		es, paths := table(n)
		rt, err := New(es)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			buf := make([]string, 0, 8)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				m := rt.Lookup("GET", paths[i%len(paths)], buf)
				if m.Status != 200 {
					b.Fatal(m.Status, paths[i%len(paths)])
				}
				i++
			}
		})
	}
}

func TestLookupAllocs(t *testing.T) {
	es, paths := table(10000)
	rt, _ := New(es)
	buf := make([]string, 0, 8)
	allocs := testing.AllocsPerRun(1000, func() {
		for _, p := range paths[:50] {
			rt.Lookup("GET", p, buf)
		}
		rt.Lookup("GET", "/nope/x", buf)
		rt.Lookup("DELETE", paths[0], buf)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per lookup batch", allocs)
	}
}

// reference is the obvious matcher: among templates whose shape matches
// the path, the one that is lexicographically smallest when literal < param
// per segment wins (that is what literal-first depth-first search finds).
func reference(tpls []string, methods []string, method, path string) (status int, tpl string) {
	best := ""
	bestKey := ""
	for _, t := range tpls {
		segs, err := ParseTemplate(t)
		if err != nil {
			continue
		}
		var ps []string
		if path != "/" {
			if path == "" || path[0] != '/' {
				return 404, ""
			}
			ps = strings.Split(path[1:], "/")
		}
		if len(ps) != len(segs) {
			continue
		}
		key := ""
		ok := true
		for i, s := range segs {
			if s.Param != "" {
				if ps[i] == "" {
					ok = false
					break
				}
				key += "1"
			} else {
				if ps[i] != s.Literal {
					ok = false
					break
				}
				key += "0"
			}
		}
		if ok && (best == "" || key < bestKey) {
			best, bestKey = t, key
		}
	}
	if best == "" {
		return 404, ""
	}
	shape := func(t string) string {
		segs, _ := ParseTemplate(t)
		var b strings.Builder
		for _, s := range segs {
			if s.Param != "" {
				b.WriteString("/{}")
			} else {
				b.WriteString("/" + s.Literal)
			}
		}
		return b.String()
	}
	for i, t := range tpls {
		if shape(t) == shape(best) && methods[i] == method {
			return 200, t
		}
	}
	return 405, ""
}

func FuzzLookup(f *testing.F) {
	f.Add("/a/{x}/c /a/b/d /users/{id} /users/me", "GET", "/a/b/c")
	f.Add("/ /x/{y}", "POST", "/x/%2e%2e")
	f.Add("/v1/{a}/{b}/{c} /v1/x/y/z /v1/x/{q}/z", "GET", "/v1/x/y/w")
	f.Fuzz(func(t *testing.T, tplList, method, path string) {
		var es []Entry[string]
		var tpls, methods []string
		seen := map[string]bool{}
		for i, tpl := range strings.Fields(tplList) {
			m := []string{"GET", "POST"}[i%2]
			if _, err := ParseTemplate(tpl); err != nil {
				continue
			}
			es = append(es, Entry[string]{m, tpl, tpl})
			rt, err := New(es)
			if err != nil || seen[m+tpl] {
				es = es[:len(es)-1]
				continue
			}
			_ = rt
			seen[m+tpl] = true
			tpls = append(tpls, tpl)
			methods = append(methods, m)
		}
		rt, err := New(es)
		if err != nil {
			t.Fatal(err)
		}
		m := rt.Lookup(method, path, nil)
		st, tpl := reference(tpls, methods, method, path)
		if m.Status != st || (st == 200 && m.Template != tpl) {
			t.Fatalf("Lookup(%q %q) = %d %q, reference %d %q (routes %q)", method, path, m.Status, m.Template, st, tpl, tpls)
		}
		if m.Status == 200 {
			// Rebuilding the path from the template and the values gives the path.
			segs, _ := ParseTemplate(m.Template)
			var b strings.Builder
			k := 0
			for _, s := range segs {
				b.WriteByte('/')
				if s.Param != "" {
					b.WriteString(m.Values[k])
					k++
				} else {
					b.WriteString(s.Literal)
				}
			}
			if got := b.String(); got != path && !(path == "/" && got == "") {
				t.Fatalf("rebuilt %q from %q, want %q", got, m.Template, path)
			}
		}
	})
}
