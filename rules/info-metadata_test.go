package rules

import (
	"strings"
	"testing"
)

func TestInfoMetadataMissing(t *testing.T) {
	got := lintB(t, InfoMetadataID, nil, map[string]string{"openapi.yaml": "openapi: 3.0.3\ninfo: {version: 1.0.0}\npaths: {}\n"})
	want := []string{
		"2:1 error info.title is missing",
		"2:1 error info.contact is missing",
		"2:1 error info.x-service is missing: add it (a DNS-label service id such as `orders`",
	}
	if len(got) != len(want) {
		t.Fatalf("got:\n%s", strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("got %q, want %q…", got[i], w)
		}
	}
	got = lintB(t, InfoMetadataID, map[string]any{"requiredExtensions": []string{}}, map[string]string{"openapi.yaml": "openapi: 3.0.3\ninfo: {title: T, version: 1.0.0, contact: {name: team, email: t@example.com}}\npaths: {}\n"})
	if len(got) != 0 {
		t.Errorf("without required extensions: %v", got)
	}
}
