package rules

import (
	"strings"
	"testing"
)

// versionDoc builds a small spec with the given servers block, paths and
// info.version.
func versionDoc(version, servers string, paths ...string) string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: Orders, version: " + version + "}\n")
	b.WriteString(servers)
	b.WriteString("paths:\n")
	for _, p := range paths {
		b.WriteString("  " + p + ":\n    get:\n      responses:\n        '200': {description: OK}\n")
	}
	return b.String()
}

func TestPathVersionSegmentOptions(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]any
		doc  string
		want []string // substrings, one per expected finding
	}{
		{"prefix on every path", nil, versionDoc("1.2.0", "", "/v1/orders", "/v1/orders/{orderId}"), nil},
		{"version in server only", nil, versionDoc("1.2.0", "servers: [{url: 'https://api.example.com/v1'}]\n", "/orders"), nil},
		{"server variable default", nil, versionDoc("1.2.0", "servers: [{url: 'https://api.example.com/{version}', variables: {version: {default: v1}}}]\n", "/orders"), nil},
		{"hosts are never versions", nil, versionDoc("1.0.0", "servers: [{url: 'https://dev1.example.com'}]\n", "/v1/ipv4-ranges"), nil},
		{"0.x may publish v1", nil, versionDoc("0.9.0", "", "/v1/orders"), nil},
		{"both server and path", nil, versionDoc("1.0.0", "servers: [{url: 'https://api.example.com/v1'}]\n", "/v1/orders"),
			[]string{"already ends in a version: remove it from the path"}},
		{"server without version among versioned", nil, versionDoc("1.0.0", "servers: [{url: 'https://api.example.com/v1'}, {url: 'http://localhost:8080'}]\n", "/orders"),
			[]string{`"http://localhost:8080" has no version`}},
		{"location path rejects server version", map[string]any{"location": "path"}, versionDoc("1.0.0", "servers: [{url: 'https://api.example.com/v1'}]\n", "/orders"),
			[]string{"versions go in the paths", `"/orders" has no version prefix: use "/v1/orders"`}},
		{"location server", map[string]any{"location": "server"}, versionDoc("1.0.0", "", "/v1/orders"),
			[]string{"versions go in the server URL", "no server URL ends in a version"}},
		{"pre-release rejected", nil, versionDoc("1.0.0", "", "/v1beta/orders"), []string{`use the major version only, e.g. "v1"`}},
		{"pre-release allowed", map[string]any{"allowPreRelease": true}, versionDoc("1.0.0", "", "/v1beta/orders"), nil},
		{"policy none", map[string]any{"policy": "none"}, versionDoc("1.0.0", "servers: [{url: 'https://api.example.com/v2'}]\n", "/v1/orders", "/ipv4-ranges"),
			[]string{`server URL "https://api.example.com/v2" has the version segment "v2"`, `path "/v1/orders" has the version segment "v1"`}},
		{"policy query", map[string]any{"policy": "query"}, versionDoc("1.0.0", "", "/orders"),
			[]string{`does not declare the "api-version" query parameter`}},
		{"nothing versioned", nil, versionDoc("2.0.0", "servers: [{url: 'https://api.example.com'}]\n", "/orders", "/invoices"),
			[]string{`neither the server URL nor the paths carry the major version: end the server URL in /v2`}},
		{"date versions are not semver", nil, versionDoc("2023-10-16", "", "/v1/orders"), nil},
		{"custom pattern", map[string]any{"versionPattern": `^version[0-9]+$`}, versionDoc("3.0.0", "", "/version3/orders"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runRuleOnText(t, pathVersionSegment{}, tt.opts, tt.doc)
			expectMessages(t, got, tt.want)
		})
	}
}

// expectMessages wants exactly one message containing each of want.
func expectMessages(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d findings, want %d:\n  %s", len(got), len(want), strings.Join(got, "\n  "))
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("no finding contains %q; got:\n  %s", w, strings.Join(got, "\n  "))
		}
	}
}
