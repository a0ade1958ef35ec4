package middleware

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckTarget(t *testing.T) {
	tests := []struct {
		target string
		path   string
		want   Violation
	}{
		{"/", "/", TargetOK},
		{"/users/42?x=1&y=%2f", "/users/42", TargetOK},
		{"/users/", "/users/", TargetOK}, // trailing slash: valid target, the router decides
		{"/a/%41bc", "/a/%41bc", TargetOK},
		{"/caf%C3%A9", "/caf%C3%A9", TargetOK},
		{"/café", "/café", TargetOK},
		{"/a/b.json", "/a/b.json", TargetOK},
		{"/a/...", "/a/...", TargetOK},
		{"/a/.well-known", "/a/.well-known", TargetOK},
		{"/a:b@c!$&'()*+,;=~_-", "/a:b@c!$&'()*+,;=~_-", TargetOK},
		{"", "", EmptyTarget},
		{"*", "", AsteriskForm},
		{"http://x/y", "", AbsoluteForm},
		{"example.com:443", "", AbsoluteForm},
		{"/a/../b", "", DotSegment},
		{"/a/./b", "", DotSegment},
		{"/..", "", DotSegment},
		{"/.", "", DotSegment},
		{"/a/..", "", DotSegment},
		{"/a/%2e%2e/b", "", EncodedDot},
		{"/a/%2E%2E/b", "", EncodedDot},
		{"/a/.%2E/b", "", EncodedDot},
		{"/a/%2e./b", "", EncodedDot},
		{"/a/%2e/b", "", EncodedDot},
		{"/a/b%2ejson", "", EncodedDot},
		{"/a%2fb", "", EncodedSlash},
		{"/a%2Fb", "", EncodedSlash},
		{"/a\\b", "", Backslash},
		{"/a%5cb", "", Backslash},
		{"/a%5C..%5Cb", "", Backslash},
		{"/a%00b", "", ControlByte},
		{"/a\x00b", "", ControlByte},
		{"/a%0d%0aX:1", "", ControlByte},
		{"/a\tb", "", ControlByte},
		{"/a%7f", "", ControlByte},
		{"/a%ff", "", InvalidUTF8},
		{"/a\xff", "", InvalidUTF8},
		{"/a%C3", "", InvalidUTF8},
		{"/a%C3/b", "", InvalidUTF8},
		{"/a%C0%AE", "", InvalidUTF8},    // overlong '.'
		{"/a%ED%A0%80", "", InvalidUTF8}, // surrogate
		{"/a%C3%28", "", InvalidUTF8},
		{"/a%", "", BadEscape},
		{"/a%2", "", BadEscape},
		{"/a%zz", "", BadEscape},
		{"//a", "", DoubleSlash},
		{"/a//b", "", DoubleSlash},
		{"/a#frag", "", InvalidChar},
		{"/a b", "", InvalidChar},
		{"/a<b>", "", InvalidChar},
		{"/a{b}", "", InvalidChar},
	}
	for _, tt := range tests {
		path, v := CheckTarget(tt.target)
		if v != tt.want {
			t.Errorf("CheckTarget(%q) = %v (%d), want %v (%d)", tt.target, v, v, tt.want, tt.want)
			continue
		}
		if v == TargetOK && path != tt.path {
			t.Errorf("CheckTarget(%q) path = %q, want %q", tt.target, path, tt.path)
		}
	}
}

func TestCheckTargetAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { CheckTarget("/v1/users/caf%C3%A9/orders?x=1") }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}

// FuzzCheckPath checks the promise of CheckPath: an accepted path decodes to
// valid UTF-8 without control bytes or backslashes, and its segments, split
// before or after decoding, are the same and never dot segments.
func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"/", "/a/b", "/a/../b", "/%2e%2E/", "/a%2fb", "/caf%C3%A9", "/a//b", "/.%2e", "/\xff", "/%00", "/a\\b", "/a?b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		path, v := CheckTarget(target)
		if v != TargetOK {
			return
		}
		if !strings.HasPrefix(path, "/") || strings.Contains(path, "?") || strings.Contains(path, "//") {
			t.Fatalf("accepted %q", path)
		}
		dec, err := url.PathUnescape(path)
		if err != nil {
			t.Fatalf("accepted %q: %v", path, err)
		}
		if !utf8.ValidString(dec) || strings.ContainsAny(dec, "\\\x00\x7f") {
			t.Fatalf("accepted %q → %q", path, dec)
		}
		for _, c := range []byte(dec) {
			if c < 0x20 {
				t.Fatalf("control byte in %q", dec)
			}
		}
		rawSegs := strings.Split(path, "/")
		decSegs := strings.Split(dec, "/")
		if len(rawSegs) != len(decSegs) {
			t.Fatalf("%q: decoding changes the segments: %q", path, dec)
		}
		for _, s := range decSegs {
			if s == "." || s == ".." {
				t.Fatalf("%q: dot segment after decoding: %q", path, dec)
			}
		}
	})
}
