package rules

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// xsRun loads paths (files or directories) and runs one cross-spec rule
// with its defaults overridden by opts.
func xsRun(t testing.TB, id string, opts map[string]any, paths ...string) []rule.Finding {
	t.Helper()
	set, err := spec.Load(context.Background(), paths, spec.Options{})
	if err != nil {
		t.Fatalf("load %v: %v", paths, err)
	}
	return xsCheck(set, id, opts)
}

func xsCheck(set *spec.Set, id string, opts map[string]any) []rule.Finding {
	r := ByID(id)
	m := r.Meta()
	var got []rule.Finding
	r.Check(rule.NewContext(set, nil, m.ID, m.Severity, m.Merge(opts), func(f rule.Finding) { got = append(got, f) }))
	rule.Sort(got)
	return got
}

// xsFmt writes a finding as "file:line:col severity id", then
// " related file:line:col" for each related place, with file names relative
// to base.
func xsFmt(base string, f rule.Finding) string {
	rel := func(p spec.Position) string {
		p.File = strings.TrimPrefix(p.File, base+"/")
		return p.String()
	}
	s := rel(f.Pos) + " " + f.Severity.String() + " " + f.Rule
	for _, r := range f.Related {
		s += " related " + rel(r)
	}
	return s
}

// xsExpect runs one rule on paths under base and compares the findings.
func xsExpect(t *testing.T, id string, opts map[string]any, base string, files []string, want ...string) []rule.Finding {
	t.Helper()
	paths := []string{base}
	if len(files) > 0 {
		paths = nil
		for _, f := range files {
			paths = append(paths, base+"/"+f)
		}
	}
	fs := xsRun(t, id, opts, paths...)
	var got []string
	for _, f := range fs {
		got = append(got, xsFmt(base, f))
		if !strings.Contains(f.Message, "declared at") && len(f.Related) > 0 {
			t.Errorf("%s: a finding with related places should name them: %q", id, f.Message)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s on %s:\ngot:\n  %s\nwant:\n  %s", id, base, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		for _, f := range fs {
			t.Logf("%s: %s", f.Pos, f.Message)
		}
	}
	return fs
}

// xsWrite writes files into a temporary directory and returns it.
func xsWrite(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := dir + "/" + name
		if err := os.MkdirAll(p[:strings.LastIndexByte(p, '/')], 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// xsSpec writes a small spec: service, server URL, and paths given as
// "METHOD /path operationId" lines (path parameters declared as strings).
func xsSpec(service, server string, ops ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "openapi: 3.0.3\ninfo: {title: %s, version: 1.0.0, x-service: %s}\n", service, service)
	if server != "" {
		fmt.Fprintf(&b, "servers: [{url: '%s'}]\n", server)
	}
	b.WriteString("paths:\n")
	byPath := map[string][]string{}
	var order []string
	for _, op := range ops {
		f := strings.Fields(op)
		if _, ok := byPath[f[1]]; !ok {
			order = append(order, f[1])
		}
		byPath[f[1]] = append(byPath[f[1]], strings.ToLower(f[0])+" "+f[2])
	}
	for _, p := range order {
		fmt.Fprintf(&b, "  %s:\n", p)
		var params []string
		for _, n := range parsePath(p).Params() {
			params = append(params, fmt.Sprintf("{name: %s, in: path, required: true, schema: {type: string}}", n))
		}
		if len(params) > 0 {
			fmt.Fprintf(&b, "    parameters: [%s]\n", strings.Join(params, ", "))
		}
		for _, m := range byPath[p] {
			method, id, _ := strings.Cut(m, " ")
			fmt.Fprintf(&b, "    %s:\n      operationId: %s\n      responses: {'200': {description: OK.}}\n", method, id)
		}
	}
	return b.String()
}

func TestXspecRouteConflictMulti(t *testing.T) {
	base := "testdata/xspec-route-conflict/multi"
	fs := xsExpect(t, XspecRouteConflictID, nil, base, nil,
		// profile's /v1/users/{id} loses /v1/users/me to auth
		"profile.yaml:6:3 warn xspec-route-conflict related auth.yaml:6:3",
		// users' /users/{userId} under base path /v1: the same
		"users.yaml:6:3 warn xspec-route-conflict related auth.yaml:6:3",
		// GET /v1/users/{userId} (users) ≡ GET /v1/users/{id} (profile)
		"users.yaml:8:5 error xspec-route-conflict related profile.yaml:8:5",
		// /v1/Users/{id}/avatar vs /v1/users/{userId}/avatar
		"users.yaml:18:5 warn xspec-route-conflict related profile.yaml:14:5",
	)
	for _, f := range fs {
		if f.Pos.Line == 6 && strings.HasSuffix(f.Pos.File, "users.yaml") && !strings.Contains(f.Message, "DELETE there answers 405") {
			t.Errorf("overlap without the 405 note for DELETE: %s", f.Message)
		}
		if f.Severity == rule.Warn && !strings.Contains(f.Message, "auth.yaml:6") && strings.Contains(f.Message, "overlaps") {
			t.Errorf("overlap does not name the winner's place: %s", f.Message)
		}
	}
	// caseInsensitive: the case-only pair becomes an identical route.
	xsExpect(t, XspecRouteConflictID, map[string]any{"caseInsensitive": true, "allowOverlaps": []any{[]any{"/v1/users/me", "/v1/users/{x}"}}}, base, nil,
		"users.yaml:8:5 error xspec-route-conflict related profile.yaml:8:5",
		"users.yaml:18:5 error xspec-route-conflict related profile.yaml:14:5",
	)
}

func TestXspecRouteConflictCases(t *testing.T) {
	t.Run("partial overlap names the literal-first winner", func(t *testing.T) {
		dir := xsWrite(t, map[string]string{
			"a.yaml": xsSpec("a", "", "GET /v1/stores/{storeId}/stock a1"),
			"b.yaml": xsSpec("b", "", "GET /v1/{tenant}/stock/{sku} b1", "POST /v1/stores/{storeId}/stock b2"),
		})
		// Both match /v1/stores/stock/stock; a has the literal at segment 2.
		// b's POST on a's path is another method: not a conflict.
		fs := xsExpect(t, XspecRouteConflictID, nil, dir, nil, "b.yaml:4:3 warn xspec-route-conflict related a.yaml:4:3")
		if len(fs) == 1 && !strings.Contains(fs[0].Message, "requests to /v1/stores/stock/stock go to a and never reach b") {
			t.Errorf("message: %s", fs[0].Message)
		}
	})
	t.Run("x-gateway basePath and trailing slash", func(t *testing.T) {
		dir := xsWrite(t, map[string]string{
			"a.yaml": xsSpec("a", "https://api.example.com/ignored", "GET /orders/ a1") + "x-gateway: {basePath: /v2}\n",
			"b.yaml": xsSpec("b", "https://api.example.com/v2/", "GET /orders b1"),
		})
		xsExpect(t, XspecRouteConflictID, nil, dir, nil, "b.yaml:6:5 error xspec-route-conflict related a.yaml:6:5")
	})
	t.Run("one service in two files still claims a route once", func(t *testing.T) {
		dir := xsWrite(t, map[string]string{
			"a1.yaml": xsSpec("a", "", "GET /v1/things/{id} a1"),
			"a2.yaml": xsSpec("a", "", "GET /v1/things/{thingId} a2", "GET /v1/things/mine a3"),
		})
		xsExpect(t, XspecRouteConflictID, nil, dir, nil, "a2.yaml:6:5 error xspec-route-conflict related a1.yaml:6:5")
	})
	t.Run("overlaps off", func(t *testing.T) {
		dir := xsWrite(t, map[string]string{
			"a.yaml": xsSpec("a", "", "GET /v1/users/{id} a1"),
			"b.yaml": xsSpec("b", "", "GET /v1/users/me b1"),
		})
		xsExpect(t, XspecRouteConflictID, map[string]any{"overlaps": false}, dir, nil)
		xsExpect(t, XspecRouteConflictID, nil, dir, nil, "a.yaml:4:3 warn xspec-route-conflict related b.yaml:4:3")
	})
}

func TestXspecPathParamConsistencyMulti(t *testing.T) {
	base := "testdata/xspec-path-param-consistency/multi"
	xsExpect(t, XspecPathParamConsistencyID, nil, base, nil,
		"billing.yaml:4:3 warn xspec-path-param-consistency related orders.yaml:4:3",
		"billing.yaml:7:60 warn xspec-path-param-consistency related orders.yaml:6:59",
	)
	// A configured canonical overrides the majority.
	xsExpect(t, XspecPathParamConsistencyID, map[string]any{"canonical": map[string]any{"orders": map[string]any{"name": "order_id", "type": "integer"}}}, base, nil,
		"orders.yaml:4:3 warn xspec-path-param-consistency related billing.yaml:4:3",
		"orders.yaml:6:59 warn xspec-path-param-consistency related billing.yaml:7:60",
		"payments.yaml:4:3 warn xspec-path-param-consistency related billing.yaml:4:3",
		"payments.yaml:6:59 warn xspec-path-param-consistency related billing.yaml:7:60",
	)
}

func TestXspecPathParamConsistencyCases(t *testing.T) {
	t.Run("a tie is ambiguous and names both", func(t *testing.T) {
		dir := xsWrite(t, map[string]string{
			"a.yaml": xsSpec("a", "", "GET /v1/carts/{cartId} a1"),
			"b.yaml": xsSpec("b", "", "GET /v1/carts/{id} b1"),
		})
		fs := xsExpect(t, XspecPathParamConsistencyID, nil, dir, nil, "b.yaml:4:3 warn xspec-path-param-consistency related a.yaml:4:3")
		if len(fs) == 1 && !strings.Contains(fs[0].Message, "neither is the majority") {
			t.Errorf("message: %s", fs[0].Message)
		}
	})
	t.Run("minServices 2 leaves one spec alone", func(t *testing.T) {
		xsExpect(t, XspecPathParamConsistencyID, map[string]any{"minServices": 2}, "testdata/xspec-path-param-consistency", []string{"fail.yaml"})
	})
	t.Run("a missing format agrees with any", func(t *testing.T) {
		dir := xsWrite(t, map[string]string{
			"a.yaml": strings.Replace(xsSpec("a", "", "GET /v1/jobs/{jobId} a1"), "{type: string}", "{type: integer, format: int64}", 1),
			"b.yaml": strings.Replace(xsSpec("b", "", "GET /v1/jobs/{jobId}/logs b1"), "{type: string}", "{type: integer}", 1),
		})
		xsExpect(t, XspecPathParamConsistencyID, nil, dir, nil)
	})
}

func TestXspecErrorSchemaConsistencyMulti(t *testing.T) {
	base := "testdata/xspec-error-schema-consistency/multi"
	files := []string{"billing.yaml", "orders.yaml", "shipping.yaml"}
	// Against the built-in RFC 9457 Problem, with the org's extensions.
	fs := xsExpect(t, XspecErrorSchemaConsistencyID, map[string]any{"allowedExtensions": []any{"traceId", "errors"}}, base, files,
		"billing.yaml:20:5 error xspec-error-schema-consistency related common/problem.yaml:1:1",
	)
	if len(fs) == 1 {
		for _, want := range []string{"missing `type`, `title`, `detail` and `instance`", "`status` is string (canonical: integer)", "extra `code` and `message`", "media type `application/json`", "Used by 3 error responses"} {
			if !strings.Contains(fs[0].Message, want) {
				t.Errorf("message lacks %q: %s", want, fs[0].Message)
			}
		}
	}
	// Without them, the shared schema's traceId is an undeclared extension.
	xsExpect(t, XspecErrorSchemaConsistencyID, nil, base, files,
		"billing.yaml:20:5 error xspec-error-schema-consistency",
		"common/problem.yaml:1:1 error xspec-error-schema-consistency",
		"shipping.yaml:13:15 error xspec-error-schema-consistency",
	)
	// Against the shared file: it is the canonical, extensions must be listed.
	xsExpect(t, XspecErrorSchemaConsistencyID, map[string]any{"canonicalRef": base + "/common/problem.yaml#/Problem", "allowedExtensions": []any{"errors"}, "compareMediaType": false}, base, files,
		"billing.yaml:20:5 error xspec-error-schema-consistency related common/problem.yaml:1:1",
	)
}

func TestXspecErrorSchemaConsistencyRecursive(t *testing.T) {
	dir := xsWrite(t, map[string]string{"a.yaml": `openapi: 3.0.3
info: {title: a, version: 1.0.0}
paths:
  /v1/a:
    get:
      operationId: getA
      responses:
        '400':
          description: Bad.
          content:
            application/problem+json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    Node:
      type: object
      properties:
        type: {type: string, format: uri-reference}
        child: {$ref: '#/components/schemas/Node'}
`})
	xsExpect(t, XspecErrorSchemaConsistencyID, nil, dir, nil, "a.yaml:15:5 error xspec-error-schema-consistency")
}

func TestXspecNamingStyleConsistencyMulti(t *testing.T) {
	base := "testdata/xspec-naming-style-consistency/multi"
	fs := xsExpect(t, XspecNamingStyleConsistencyID, nil, base, nil,
		"billing.yaml:15:19 warn xspec-naming-style-consistency related customers.yaml:15:19",
	)
	if len(fs) == 1 && !strings.Contains(fs[0].Message, "75% snake_case, 25% camelCase") {
		t.Errorf("message lacks the distribution: %s", fs[0].Message)
	}
	// Configured snake_case: the two camelCase specs drift instead.
	xsExpect(t, XspecNamingStyleConsistencyID, map[string]any{"expected": map[string]any{"properties": "snake"}}, base, nil,
		"billing.yaml:18:19 warn xspec-naming-style-consistency related billing.yaml:15:19",
		"customers.yaml:15:19 warn xspec-naming-style-consistency related billing.yaml:15:19",
		"orders.yaml:17:19 warn xspec-naming-style-consistency related billing.yaml:15:19",
	)
	xsExpect(t, XspecNamingStyleConsistencyID, map[string]any{"excludeServices": []any{"billing"}}, base, nil)
}

func TestXspecClassify(t *testing.T) {
	for name, want := range map[string]caseStyle{
		"createdAt": styleCamel, "created_at": styleSnake, "created-at": styleKebab, "CreatedAt": stylePascal,
		"CREATED_AT": styleUpperSnake, "created_At": xsMixed, "id": 0, "ID": 0, "address2": 0, "_links": 0,
		"page[size]": 0, "$filter": 0, "coordinateX": styleCamel, "v1": 0, "Order": 0,
	} {
		if got := xsClassify(name); got != want {
			t.Errorf("xsClassify(%q) = %v, want %v", name, xsStyleName(got), xsStyleName(want))
		}
	}
}

func TestXspecOperationIDUniqueMulti(t *testing.T) {
	base := "testdata/xspec-operation-id-unique/multi"
	xsExpect(t, XspecOperationIDUniqueID, nil, base, nil,
		"users.yaml:7:20 error xspec-operation-id-unique related orders.yaml:7:20",
		"users.yaml:11:20 error xspec-operation-id-unique related accounts.yaml:7:20",
	)
	xsExpect(t, XspecOperationIDUniqueID, map[string]any{"caseInsensitive": false}, base, nil,
		"users.yaml:7:20 error xspec-operation-id-unique related orders.yaml:7:20",
	)
	xsExpect(t, XspecOperationIDUniqueID, map[string]any{"namespace": "service"}, base, nil)
}

// TestXspecShopClean: the shop example is written to the standard, so the
// cross-spec rules find nothing in it.
func TestXspecShopClean(t *testing.T) {
	set, err := spec.Load(context.Background(), []string{"../examples/shop/specs"}, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range groupX() {
		for _, f := range xsCheck(set, r.Meta().ID, nil) {
			t.Errorf("%s %s %s: %s", f.Pos, f.Severity, f.Rule, f.Message)
		}
	}
}

// BenchmarkXspecCorpus runs the five cross-spec rules on 60 specs and 588
// operations: the shop example copied 12 times under distinct services and
// base paths (XS_BENCH_PATHS replaces it, e.g. with the GitHub spec).
func BenchmarkXspecCorpus(b *testing.B) {
	var set *spec.Set
	var err error
	if p := os.Getenv("XS_BENCH_PATHS"); p != "" {
		set, err = spec.Load(context.Background(), strings.Split(p, ","), spec.Options{})
	} else {
		dir := b.TempDir()
		names, _ := os.ReadDir("../examples/shop/specs")
		for k := range 12 {
			for _, n := range names {
				src, err := os.ReadFile("../examples/shop/specs/" + n.Name())
				if err != nil {
					b.Fatal(err)
				}
				s := strings.Replace(string(src), "url: https://api.shop.example", fmt.Sprintf("url: https://api.shop.example/k%d", k), 1)
				s = strings.Replace(s, "x-service: ", fmt.Sprintf("x-service: k%d-", k), 1)
				s = strings.ReplaceAll(s, "operationId: ", fmt.Sprintf("operationId: k%d", k))
				if err := os.WriteFile(fmt.Sprintf("%s/k%d-%s", dir, k, n.Name()), []byte(s), 0o644); err != nil {
					b.Fatal(err)
				}
			}
		}
		set, err = spec.Load(context.Background(), []string{dir}, spec.Options{})
	}
	if err != nil {
		b.Fatal(err)
	}
	ops := 0
	for _, d := range set.Docs {
		ops += len(d.Operations)
	}
	b.Logf("%d specs, %d operations", len(set.Docs), ops)
	for _, r := range groupX() {
		m := r.Meta()
		b.Run(m.ID, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Check(rule.NewContext(set, nil, m.ID, m.Severity, m.Defaults(), func(rule.Finding) {}))
			}
		})
	}
}
