package middleware

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"sync"
)

// RequestIDHeader carries the request id to the upstream and back to the
// client.
const RequestIDHeader = "X-Request-Id"

// maxRequestID bounds a propagated request id.
const maxRequestID = 128

// RequestID returns the client's request id when it is sane (1 to 128 bytes
// of letters, digits and - _ . : — UUIDs, ULIDs, hex, base64url), otherwise a
// new one: 16 random bytes, hex (32 characters).
func RequestID(sent string) string {
	if SaneRequestID(sent) {
		return sent
	}
	return NewRequestID()
}

// SaneRequestID reports whether a client-sent request id may be propagated.
func SaneRequestID(s string) bool {
	if len(s) == 0 || len(s) > maxRequestID {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// rngs hold ChaCha8 generators (a CSPRNG) seeded from crypto/rand: much
// cheaper per id than a getrandom call, and unpredictable.
var rngs = sync.Pool{New: func() any {
	var seed [32]byte
	_, _ = crand.Read(seed[:])
	return rand.NewChaCha8(seed)
}}

// NewRequestID returns 16 random bytes as 32 hex characters.
func NewRequestID() string {
	g := rngs.Get().(*rand.ChaCha8)
	var raw [16]byte
	binary.LittleEndian.PutUint64(raw[:8], g.Uint64())
	binary.LittleEndian.PutUint64(raw[8:], g.Uint64())
	rngs.Put(g)
	var out [32]byte
	const hexd = "0123456789abcdef"
	for i, b := range raw {
		out[i*2] = hexd[b>>4]
		out[i*2+1] = hexd[b&0xf]
	}
	return string(out[:])
}
