// Package middleware holds the gateway's per-request checks and plugins:
// strict request-target validation, request ids, IP filtering, body size
// limits, CORS, rate limiting, access logging and metrics. Each plugin is
// compiled once per configuration (per route, with the global plugins as a
// field-by-field fallback) into an immutable value that the Server calls on
// the request path; none of them keeps global state.
package middleware

import (
	"unicode/utf8"
)

// Violation is why a request target is refused (400). The zero value means
// the target is acceptable.
type Violation uint8

// The violations CheckTarget reports.
const (
	TargetOK     Violation = iota
	AbsoluteForm           // GET http://host/path, CONNECT host:port
	AsteriskForm           // OPTIONS *
	EmptyTarget            // no path
	DotSegment             // /a/../b, /./, %2e%2e, .%2E …
	EncodedSlash           // %2f %2F
	EncodedDot             // %2e %2E anywhere in the path
	Backslash              // \ or %5c %5C
	ControlByte            // raw or percent-encoded 0x00-0x1f, 0x7f
	InvalidUTF8            // raw or percent-decoded
	BadEscape              // % not followed by two hex digits
	DoubleSlash            // an empty segment inside the path (//)
	InvalidChar            // a raw byte that is not a path character
)

var violationText = [...]string{
	TargetOK:     "",
	AbsoluteForm: "absolute-form and authority-form request targets are not accepted",
	AsteriskForm: "asterisk-form request target is not accepted",
	EmptyTarget:  "empty request target",
	DotSegment:   "dot segments are not allowed in the path",
	EncodedSlash: "encoded slashes are not allowed in the path",
	EncodedDot:   "encoded dots are not allowed in the path",
	Backslash:    "backslashes are not allowed in the path",
	ControlByte:  "control characters are not allowed in the path",
	InvalidUTF8:  "the path is not valid UTF-8",
	BadEscape:    "malformed percent-encoding in the path",
	DoubleSlash:  "empty path segments (//) are not allowed",
	InvalidChar:  "invalid character in the path",
}

func (v Violation) String() string {
	if int(v) < len(violationText) {
		return violationText[v]
	}
	return "invalid request target"
}

// pathChar marks the raw bytes allowed in a path besides '%' and '/'
// (RFC 3986 pchar: unreserved, sub-delims, ':' and '@'). Bytes >= 0x80 are
// allowed when they form valid UTF-8.
var pathChar = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-._~!$&'()*+,;=:@" {
		t[c] = true
	}
	return t
}()

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Which layer refuses what (tested over raw TCP in gateway/gateway_test.go):
//
// net/http, before any handler runs (plain-text 400, or 501 for transfer
// codings, and the connection is closed): a malformed request line, raw
// control bytes or spaces in the target, malformed percent-encoding (%zz, a
// lone %), differing duplicate or invalid Content-Length, more than one
// Transfer-Encoding or one other than chunked (501), NUL/CR/LF in header
// values, a missing or repeated Host on HTTP/1.1, headers over
// MaxHeaderBytes (431).
//
// The gateway (CheckFraming, 400 application/problem+json, and the
// connection is closed): Content-Length together with Transfer-Encoding, and
// duplicate Content-Length even with identical values. net/http would accept
// both (it drops Content-Length when chunked, collapses identical
// duplicates) and hide them from the handler, so the proxy listener's
// connections are scanned as they are read (FramingConn); when the scanner
// cannot follow a connection, its requests are left to net/http's rules.
//
// The gateway (CheckTarget, 400 application/problem+json): absolute-form,
// authority-form and asterisk-form targets (the server's built-in "OPTIONS
// *" answer is disabled), dot segments raw or encoded in any mix, encoded
// slashes, encoded dots anywhere, backslashes raw or encoded, encoded
// control bytes (%00-%1f, %7f), invalid UTF-8 raw or percent-decoded
// (overlongs and surrogates included), empty segments (//), and raw bytes
// outside RFC 3986 pchar ('#', '<', '{', '"', …).

// CheckTarget validates a request target as received (http.Request's
// RequestURI) and returns its raw path, the part before '?', which is what
// the router matches and what the upstream receives. It refuses every
// target whose meaning could differ between the gateway, the upstream and
// whatever lies between them; see Violation. It does not allocate.
func CheckTarget(requestURI string) (string, Violation) {
	if requestURI == "" {
		return "", EmptyTarget
	}
	if requestURI == "*" {
		return "", AsteriskForm
	}
	if requestURI[0] != '/' {
		return "", AbsoluteForm
	}
	path := requestURI
	for i := 0; i < len(requestURI); i++ {
		if requestURI[i] == '?' {
			path = requestURI[:i]
			break
		}
	}
	return path, CheckPath(path)
}

// CheckPath validates a raw path that starts with '/'.
func CheckPath(path string) Violation {
	if path == "" || path[0] != '/' {
		return EmptyTarget
	}
	var (
		u8      [utf8.UTFMax]byte // pending multi-byte sequence (decoded bytes)
		u8n     int               // bytes collected
		u8want  int               // bytes the sequence needs
		segDots int               // raw dots in the current segment, -1 once another byte is seen
	)
	segStart := true
	for i := 1; i <= len(path); i++ {
		if i == len(path) || path[i] == '/' {
			if u8want != 0 {
				return InvalidUTF8
			}
			if segDots == 1 || segDots == 2 {
				return DotSegment
			}
			if segStart && i < len(path) {
				return DoubleSlash
			}
			segStart, segDots = true, 0
			continue
		}
		c := path[i]
		encoded := false
		if c == '%' {
			if i+2 >= len(path) {
				return BadEscape
			}
			hi, ok1 := unhex(path[i+1])
			lo, ok2 := unhex(path[i+2])
			if !ok1 || !ok2 {
				return BadEscape
			}
			c = hi<<4 | lo
			i += 2
			encoded = true
		}
		segStart = false
		switch {
		case c < 0x20 || c == 0x7f:
			return ControlByte
		case c == '\\':
			return Backslash
		case encoded && c == '/':
			return EncodedSlash
		case encoded && c == '.':
			return EncodedDot
		}
		if c == '.' && segDots >= 0 {
			segDots++
		} else {
			segDots = -1
		}
		if u8want != 0 {
			if c < 0x80 || c > 0xbf {
				return InvalidUTF8
			}
			u8[u8n] = c
			u8n++
			if u8n == u8want {
				if !utf8.Valid(u8[:u8n]) {
					return InvalidUTF8
				}
				u8want, u8n = 0, 0
			}
			continue
		}
		if c >= 0x80 {
			switch {
			case c >= 0xc2 && c <= 0xdf:
				u8want = 2
			case c >= 0xe0 && c <= 0xef:
				u8want = 3
			case c >= 0xf0 && c <= 0xf4:
				u8want = 4
			default:
				return InvalidUTF8
			}
			u8[0] = c
			u8n = 1
			continue
		}
		if !encoded && !pathChar[c] {
			return InvalidChar
		}
	}
	return TargetOK
}
