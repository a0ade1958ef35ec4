package auth

import (
	"net/http"
	"testing"
)

// What StripCredentials removes is exactly what Authenticate could have
// read: after stripping, no copy of the key is left for the upstream.
func FuzzStripMatchesExtract(f *testing.F) {
	for _, s := range []string{
		"api_key=abc", "a=1&api_key=abc&b=2", "api%5Fkey=x&api_key=y", "api_key", "api_key=%zz", "&&api_key=&",
		"session_key=abc", " session_key = abc ; a=b", `session_key="abc"`, "a=1;session_key;b",
	} {
		f.Add(s, "api_key")
		f.Add(s, "session_key")
	}
	f.Fuzz(func(t *testing.T, raw, name string) {
		if name == "" {
			return
		}
		if _, n := queryParam(removeQueryParam(raw, name), name); n != 0 {
			t.Errorf("query %q: %q still readable after removal", raw, name)
		}
		h := http.Header{"Cookie": {raw}}
		removeCookie(h, name)
		if _, n := cookie(h, name); n != 0 {
			t.Errorf("cookie %q: %q still readable after removal", raw, name)
		}
	})
}
