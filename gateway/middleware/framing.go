package middleware

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
)

// Message framing checks. net/http hides two ambiguous framings from
// handlers: it drops Content-Length when Transfer-Encoding: chunked is
// present, and it collapses identical duplicate Content-Length fields. To
// refuse them, the gateway wraps every accepted connection (FramingListener)
// in a FramingConn whose Read passes bytes through unchanged while a small
// incremental HTTP/1.1 framing scanner watches the request stream: per
// request it records whether Transfer-Encoding was present and how many
// Content-Length fields there were, then skips the body with net/http's
// framing rules to find the next request on a keep-alive connection. The
// verdicts queue on the connection in order; CheckFraming (through the
// request context, see FramingConnContext) pops the one of the request being
// served and checks that it belongs to it (method and target hash).
//
// net/http stays the authority on framing. Whenever the scanner cannot
// follow (input net/http would refuse anyway, a header block over its limit,
// too many queued verdicts, a verdict that does not match its request) it
// stops scanning that connection for good and every later verdict is
// unknown, which is never refused: it fails open to net/http's own
// behaviour, never blocks and never alters a byte.

// framingVerdict is what the scanner saw in one request's header block.
type framingVerdict struct {
	line uint64 // FNV-1a of "method SP request-target"
	te   bool   // a Transfer-Encoding field was present
	cls  uint8  // number of Content-Length fields (saturating)
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// maxQueued bounds the verdicts waiting on one connection. net/http reads
// ahead at most a buffer (4 KiB) beyond the request it serves, so honest
// pipelining stays far below.
const maxQueued = 1024

// Scanner states.
const (
	stLine        uint8 = iota // request line
	stLineCR                   // request line: after a CR in the version
	stHdrStart                 // start of a header (or trailer) line
	stHdrCR                    // CR at the start of a line: end of the block if LF follows
	stHdrName                  // in a field name
	stHdrSkip                  // rest of a line that does not matter
	stCLValue                  // Content-Length value
	stTEValue                  // Transfer-Encoding value
	stBodyCL                   // body bytes by Content-Length
	stChunkSize                // chunk-size digits
	stChunkOWS                 // whitespace after the chunk size
	stChunkExt                 // chunk extension
	stChunkLF                  // LF ending a chunk-size line
	stChunkData                // chunk data
	stChunkDataCR              // CR after chunk data
	stChunkDataLF              // LF after chunk data
	stLost                     // out of sync: stop for good
)

// framingScanner is the incremental request-stream scanner. The zero value
// (with limit set) expects the start of a request.
type framingScanner struct {
	limit int // header (or trailer) block bytes before giving up

	state   uint8
	field   uint8 // request line: 0 method, 1 target, 2 version
	trailer bool  // the header lines being read are a chunked trailer
	http10  bool
	anyHdr  bool  // a header line was seen (continuations are valid)
	lastHdr uint8 // kind of the previous field: 0 other, 1 CL, 2 TE
	nameI   uint8 // bytes of the field name matched so far
	nameCL  bool  // the name may still be Content-Length
	nameTE  bool  // the name may still be Transfer-Encoding
	valSeen uint8 // value sub-state: 0 leading OWS, 1 in token, 2 trailing OWS, 3 CR
	valI    uint8
	valOK   bool
	verLen  uint8
	ver     [8]byte
	hdrN    int // bytes of the current header block

	v        framingVerdict
	teN      uint8
	teOK     bool   // the single Transfer-Encoding is "chunked"
	clVal    uint64 // value being parsed
	cl       int64  // first Content-Length, -1 if none
	remain   uint64 // body or chunk bytes left
	hexDigit uint8
}

const (
	nameCL = "content-length"
	nameTE = "transfer-encoding"
)

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func (s *framingScanner) startRequest() {
	s.state, s.field, s.trailer, s.http10, s.anyHdr, s.lastHdr = stLine, 0, false, false, false, 0
	s.verLen, s.hdrN = 0, 0
	s.v = framingVerdict{line: fnvOffset}
	s.teN, s.teOK, s.cl = 0, false, -1
}

// feed scans p, calling push for each complete request header block. It
// returns false once the scanner has lost sync (then and afterwards).
func (s *framingScanner) feed(p []byte, push func(framingVerdict) bool) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch s.state {
		case stBodyCL, stChunkData:
			n := uint64(len(p) - i)
			if n > s.remain {
				n = s.remain
			}
			s.remain -= n
			i += int(n) - 1
			if s.remain == 0 {
				if s.state == stBodyCL {
					s.startRequest()
				} else {
					s.state = stChunkDataCR
				}
			}
			continue
		case stLost:
			return false
		}
		if s.state <= stTEValue {
			s.hdrN++
			if s.hdrN > s.limit {
				s.state = stLost
				return false
			}
		}
		switch s.state {
		case stLine:
			switch {
			case c == '\n':
				if !s.version() {
					return s.lose()
				}
				s.state = stHdrStart
			case s.field < 2:
				if c == ' ' {
					s.field++
					if s.field == 2 {
						continue
					}
				}
				s.v.line = (s.v.line ^ uint64(c)) * fnvPrime
			case c == '\r':
				s.state = stLineCR
			default:
				if int(s.verLen) == len(s.ver) {
					return s.lose()
				}
				s.ver[s.verLen] = c
				s.verLen++
			}
		case stLineCR:
			if c != '\n' || !s.version() {
				return s.lose()
			}
			s.state = stHdrStart
		case stHdrStart:
			switch c {
			case '\n':
				if !s.endBlock(push) {
					return s.lose()
				}
			case '\r':
				s.state = stHdrCR
			case ' ', '\t':
				// obs-fold: continues the previous field's value.
				if !s.anyHdr || s.lastHdr != 0 {
					return s.lose()
				}
				s.state = stHdrSkip
			default:
				s.anyHdr = true
				s.state = stHdrName
				s.nameI, s.nameCL, s.nameTE = 0, !s.trailer, !s.trailer
				s.name(c)
			}
		case stHdrCR:
			if c != '\n' || !s.endBlock(push) {
				return s.lose()
			}
		case stHdrName:
			switch c {
			case ':':
				s.lastHdr = 0
				s.valSeen, s.valI, s.valOK = 0, 0, true
				switch {
				case s.nameCL && int(s.nameI) == len(nameCL):
					s.lastHdr, s.state, s.clVal = 1, stCLValue, 0
					if s.v.cls < 255 {
						s.v.cls++
					}
				case s.nameTE && int(s.nameI) == len(nameTE):
					s.lastHdr, s.state = 2, stTEValue
					s.v.te = true
					if s.teN < 255 {
						s.teN++
					}
				default:
					s.state = stHdrSkip
				}
			case '\n':
				return s.lose() // no colon: net/http refuses
			default:
				s.name(c)
			}
		case stHdrSkip:
			if j := indexLF(p[i:]); j >= 0 {
				s.hdrN += j
				i += j
				s.state = stHdrStart
			} else {
				s.hdrN += len(p) - i - 1
				i = len(p)
			}
			if s.hdrN > s.limit {
				return s.lose()
			}
		case stCLValue:
			if !s.value(c, true) {
				return s.lose()
			}
		case stTEValue:
			if !s.value(c, false) {
				return s.lose()
			}
		case stChunkSize:
			switch {
			case isHex(c):
				if s.hexDigit == 16 {
					return s.lose()
				}
				s.hexDigit++
				s.remain = s.remain<<4 | uint64(unhexByte(c))
			case s.hexDigit == 0:
				return s.lose()
			case c == ' ' || c == '\t':
				s.state = stChunkOWS
			case c == ';':
				s.state = stChunkExt
			case c == '\r':
				s.state = stChunkLF
			default:
				return s.lose()
			}
		case stChunkOWS:
			switch c {
			case ' ', '\t':
			case '\r':
				s.state = stChunkLF
			default:
				return s.lose()
			}
		case stChunkExt:
			switch c {
			case '\r':
				s.state = stChunkLF
			case '\n':
				return s.lose()
			}
		case stChunkLF:
			if c != '\n' {
				return s.lose()
			}
			if s.remain == 0 {
				// Last chunk: trailer section, ended by a blank line.
				s.state, s.trailer, s.anyHdr, s.lastHdr, s.hdrN = stHdrStart, true, false, 0, 0
			} else {
				s.state = stChunkData
			}
		case stChunkDataCR:
			if c != '\r' {
				return s.lose()
			}
			s.state = stChunkDataLF
		case stChunkDataLF:
			if c != '\n' {
				return s.lose()
			}
			s.state, s.remain, s.hexDigit = stChunkSize, 0, 0
		}
	}
	return true
}

func (s *framingScanner) lose() bool {
	s.state = stLost
	return false
}

func indexLF(p []byte) int {
	for j, c := range p {
		if c == '\n' {
			return j
		}
	}
	return -1
}

func isHex(c byte) bool { _, ok := unhex(c); return ok }

func unhexByte(c byte) byte { v, _ := unhex(c); return v }

func (s *framingScanner) name(c byte) {
	c = lower(c)
	i := int(s.nameI)
	if s.nameCL && (i >= len(nameCL) || nameCL[i] != c) {
		s.nameCL = false
	}
	if s.nameTE && (i >= len(nameTE) || nameTE[i] != c) {
		s.nameTE = false
	}
	if s.nameI < 255 {
		s.nameI++
	}
}

// value scans a Content-Length (cl) or Transfer-Encoding value:
// OWS token OWS [CR] LF. A Content-Length it cannot take loses sync (net/http
// refuses those too); a Transfer-Encoding other than "chunked" is recorded.
func (s *framingScanner) value(c byte, cl bool) bool {
	if c == '\n' {
		s.state = stHdrStart
		if !cl {
			s.teOK = s.valOK && s.valSeen != 0 && int(s.valI) == len("chunked")
			return true
		}
		if s.valSeen == 0 || !s.valOK {
			return false
		}
		if s.cl < 0 {
			s.cl = int64(s.clVal)
		} else if s.cl != int64(s.clVal) {
			return false // differing: net/http refuses
		}
		return true
	}
	switch {
	case s.valSeen == 3:
		s.valOK = false // CR not before LF
	case c == '\r':
		s.valSeen = 3
	case c == ' ' || c == '\t':
		if s.valSeen == 1 {
			s.valSeen = 2
		}
	case s.valSeen == 2:
		s.valOK = false // a second token
	case cl:
		s.valSeen = 1
		if c < '0' || c > '9' || s.clVal > (1<<63-1-9)/10 {
			s.valOK = false
		} else {
			s.clVal = s.clVal*10 + uint64(c-'0')
		}
	default:
		s.valSeen = 1
		const chunked = "chunked"
		if int(s.valI) >= len(chunked) || lower(c) != chunked[s.valI] {
			s.valOK = false
		}
		if s.valI < 255 {
			s.valI++
		}
	}
	return true
}

// version checks the request line's HTTP version when it ends.
func (s *framingScanner) version() bool {
	v := s.ver[:s.verLen]
	if s.field != 2 || len(v) != 8 || string(v[:7]) != "HTTP/1." || v[7] < '0' || v[7] > '9' {
		return false
	}
	s.http10 = v[7] == '0'
	return true
}

// endBlock ends a header or trailer block and sets up the body.
func (s *framingScanner) endBlock(push func(framingVerdict) bool) bool {
	if s.trailer {
		s.startRequest()
		return true
	}
	if !push(s.v) {
		return false
	}
	switch {
	case s.teN > 0 && !s.http10:
		// net/http refuses (501) any other Transfer-Encoding.
		if s.teN != 1 || !s.teOK {
			return false
		}
		s.state, s.remain, s.hexDigit = stChunkSize, 0, 0
	case s.cl > 0:
		s.state, s.remain = stBodyCL, uint64(s.cl)
	default:
		s.startRequest()
	}
	return true
}

// FramingViolation is why a request's framing is refused (400).
type FramingViolation uint8

// The framing checks' results. FramingUnknown is never refused.
const (
	FramingOK FramingViolation = iota
	FramingUnknown
	LengthAndEncoding
	DuplicateLength
)

func (v FramingViolation) String() string {
	switch v {
	case LengthAndEncoding:
		return "both Content-Length and Transfer-Encoding"
	case DuplicateLength:
		return "duplicate Content-Length"
	case FramingUnknown:
		return "framing unknown"
	}
	return ""
}

// FramingConn is an accepted connection whose request stream is scanned.
type FramingConn struct {
	net.Conn
	log *slog.Logger

	mu     sync.Mutex
	sc     framingScanner
	lost   bool
	q      []framingVerdict
	head   int
	inline [4]framingVerdict
	push   func(framingVerdict) bool
}

// NewFramingConn wraps c; maxHeaderBytes bounds a header block (as
// http.Server.MaxHeaderBytes, plus net/http's own 4 KiB of slack).
func NewFramingConn(c net.Conn, maxHeaderBytes int, log *slog.Logger) *FramingConn {
	if maxHeaderBytes <= 0 {
		maxHeaderBytes = http.DefaultMaxHeaderBytes
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fc := &FramingConn{Conn: c, log: log}
	fc.sc.limit = maxHeaderBytes + 4096
	fc.sc.startRequest()
	fc.q = fc.inline[:0]
	fc.push = fc.enqueue
	return fc
}

// enqueue is called with mu held.
func (c *FramingConn) enqueue(v framingVerdict) bool {
	if len(c.q)-c.head >= maxQueued {
		return false
	}
	if c.head == len(c.q) {
		c.q, c.head = c.q[:0], 0
	}
	c.q = append(c.q, v)
	return true
}

// Read reads from the connection and scans what it read.
func (c *FramingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if !c.lost && !c.sc.feed(p[:n], c.push) {
			c.loseLocked("unparseable or oversized request framing")
		}
		c.mu.Unlock()
	}
	return n, err
}

// loseLocked stops scanning for good; queued verdicts stay valid.
func (c *FramingConn) loseLocked(why string) {
	c.lost = true
	c.sc.state = stLost
	c.log.Debug("gateway: framing scanner out of sync; connection no longer checked",
		"reason", why, "remote", c.Conn.RemoteAddr().String())
}

// CloseWrite half-closes the connection when the underlying one can, as
// net/http does before closing after an error response.
func (c *FramingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ReadFrom keeps the underlying connection's fast path (sendfile, splice).
func (c *FramingConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// next pops the verdict for the request being served.
func (c *FramingConn) next(method, target string) FramingViolation {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lost && c.head == len(c.q) {
		return FramingUnknown
	}
	if c.head == len(c.q) {
		c.loseLocked("no verdict for a request")
		return FramingUnknown
	}
	v := c.q[c.head]
	c.head++
	h := uint64(fnvOffset)
	for i := 0; i < len(method); i++ {
		h = (h ^ uint64(method[i])) * fnvPrime
	}
	h = (h ^ ' ') * fnvPrime
	for i := 0; i < len(target); i++ {
		h = (h ^ uint64(target[i])) * fnvPrime
	}
	if h != v.line {
		c.q, c.head = c.q[:0], 0
		c.loseLocked("verdict does not match its request")
		return FramingUnknown
	}
	switch {
	case v.te && v.cls > 0:
		return LengthAndEncoding
	case v.cls > 1:
		return DuplicateLength
	}
	return FramingOK
}

type framingListener struct {
	net.Listener
	maxHeaderBytes int
	log            *slog.Logger
}

// FramingListener wraps the connections ln accepts in FramingConns. TLS
// connections are left alone (net/http needs the *tls.Conn).
func FramingListener(ln net.Listener, maxHeaderBytes int, log *slog.Logger) net.Listener {
	return framingListener{ln, maxHeaderBytes, log}
}

func (l framingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	if _, ok := c.(*tls.Conn); ok {
		return c, nil
	}
	return NewFramingConn(c, l.maxHeaderBytes, l.log), nil
}

type framingKey struct{}

// FramingConnContext is an http.Server ConnContext: it makes c's
// FramingConn available to CheckFraming.
func FramingConnContext(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*FramingConn); ok {
		return context.WithValue(ctx, framingKey{}, fc)
	}
	return ctx
}

// CheckFraming pops and returns the framing verdict of r. Call it exactly
// once for every request served (requests on a connection are served in
// order). Without a FramingConn the verdict is FramingUnknown.
func CheckFraming(r *http.Request) FramingViolation {
	fc, _ := r.Context().Value(framingKey{}).(*FramingConn)
	if fc == nil || r.ProtoMajor != 1 {
		return FramingUnknown
	}
	return fc.next(r.Method, r.RequestURI)
}
