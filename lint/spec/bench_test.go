package spec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// githubSpec finds GitHub's REST description (npm @octokit/openapi@23.0.2,
// generated/api.github.com.json): $GWCTL_GITHUB_SPEC, or where bench/lint.sh
// unpacks it.
func githubSpec(tb testing.TB) string {
	tb.Helper()
	p := githubSpecPath()
	if p == "" {
		tb.Skip("GitHub spec not found (run bench/lint.sh or set GWCTL_GITHUB_SPEC)")
	}
	return p
}

// BenchmarkLoadGitHub loads GitHub's REST description (13 MB of JSON, about
// 1,200 operations), the reference input for lint speed.
func BenchmarkLoadGitHub(b *testing.B) {
	path := githubSpec(b)
	b.ReportAllocs()
	var ops int
	for b.Loop() {
		set, err := Load(context.Background(), []string{path}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		ops = len(set.Docs[0].Operations)
	}
	b.ReportMetric(float64(ops), "operations")
	runtime.GC()
}

// writeBigSpec writes a JSON spec with n paths, each with two operations.
func writeBigSpec(tb testing.TB, path string, n int) {
	tb.Helper()
	var b strings.Builder
	b.WriteString(`{"openapi": "3.1.0", "info": {"title": "big", "version": "1"}, "paths": {`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"/things%d/{id}": {"parameters": [{"$ref": "#/components/parameters/Id"}], "get": {"operationId": "get%d", "responses": {"200": {"$ref": "#/components/responses/Thing"}}}, "delete": {"operationId": "delete%d", "responses": {"204": {"description": "gone"}}}}`, i, i, i)
	}
	b.WriteString(`}, "components": {"parameters": {"Id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}}, "responses": {"Thing": {"description": "a thing", "content": {"application/json": {"schema": {"type": "object"}}}}}}}`)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkLoadSynthetic loads a generated 1,000-path JSON spec, for
// machines without the GitHub spec.
func BenchmarkLoadSynthetic(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.json")
	writeBigSpec(b, path, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(context.Background(), []string{path}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
