package middleware

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// chunkConn is a net.Conn whose reads return src in the given pieces.
type chunkConn struct {
	net.Conn
	src    []byte
	splits []byte
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.src) == 0 {
		return 0, io.EOF
	}
	n := len(c.src)
	if len(c.splits) > 0 {
		n = int(c.splits[0])%17 + 1
		c.splits = c.splits[1:]
	}
	n = min(n, len(p), len(c.src))
	copy(p, c.src[:n])
	c.src = c.src[n:]
	return n, nil
}

func (c *chunkConn) RemoteAddr() net.Addr { return &net.TCPAddr{} }

// scanAll reads src through a FramingConn and returns what came out.
func scanAll(t testing.TB, src, splits []byte) (*FramingConn, []byte) {
	fc := NewFramingConn(&chunkConn{src: src, splits: splits}, 1<<10, nil)
	out, err := io.ReadAll(fc)
	if err != nil {
		t.Fatal(err)
	}
	return fc, out
}

type genReq struct {
	raw            string
	method, target string
	want           FramingViolation
}

// genRequest builds a well-formed request of kind k.
func genRequest(k, i int) genReq {
	target := fmt.Sprintf("/p/%d?q=%d", i, k)
	body := strings.Repeat("x", i%23)
	var h, b string
	method, want := "POST", FramingOK
	proto := "HTTP/1.1"
	switch k % 9 {
	case 0:
		method = "GET"
	case 1:
		h = fmt.Sprintf("Content-Length: %d\r\n", len(body))
		b = body
	case 2:
		h = "Transfer-Encoding: chunked\r\n"
		b = fmt.Sprintf("%x\r\n%s\r\n", len(body)+1, body+"y") + "0\r\n\r\n"
	case 3: // extensions, trailers, uppercase hex
		h = "transfer-encoding:  Chunked \r\n"
		b = fmt.Sprintf("%X;ext=\"v\"\r\n%s\r\n", len(body)+16, body+strings.Repeat("z", 16)) + "0;last\r\nX-Trailer: a\r\nContent-Length: 9\r\n\r\n"
	case 4:
		h = fmt.Sprintf("Content-Length: %d\r\nTransfer-Encoding: chunked\r\n", len(body)+3)
		b = "0\r\n\r\n"
		want = LengthAndEncoding
	case 5:
		h = fmt.Sprintf("content-length: %d\r\nCONTENT-LENGTH:%d \r\n", len(body), len(body))
		b = body
		want = DuplicateLength
	case 6: // HTTP/1.0: Transfer-Encoding is ignored, Content-Length frames
		proto = "HTTP/1.0"
		h = fmt.Sprintf("Transfer-Encoding: chunked\r\nContent-Length: %d\r\n", len(body))
		b = body
		want = LengthAndEncoding
	case 7: // folded header and lookalike names, bare LF line ends
		h = "X-Content-Length: 5\nX-A: a\n\tb\r\nContent-Lengthy: 4\r\nTransfer-Encoding-X: chunked\r\n"
	case 8:
		method = "PUT"
		h = fmt.Sprintf("Content-Length: %d\r\n", len(body)+1)
		b = body + "\n"
	}
	raw := method + " " + target + " " + proto + "\r\nHost: x\r\n" + h + "\r\n" + b
	return genReq{raw, method, target, want}
}

func checkGenerated(t testing.TB, kinds, splits []byte) {
	var reqs []genReq
	var stream strings.Builder
	for i, k := range kinds {
		r := genRequest(int(k), i)
		reqs = append(reqs, r)
		stream.WriteString(r.raw)
	}
	fc, out := scanAll(t, []byte(stream.String()), splits)
	if out := string(out); out != stream.String() {
		t.Fatalf("bytes altered")
	}
	if fc.lost {
		t.Fatalf("lost sync on well-formed stream %q", stream.String())
	}
	for i, r := range reqs {
		if got := fc.next(r.method, r.target); got != r.want {
			t.Fatalf("request %d (%q): %v, want %v", i, r.raw, got, r.want)
		}
	}
	if got := fc.next("GET", "/"); got != FramingUnknown || !fc.lost {
		t.Fatalf("extra verdict %v", got)
	}
}

func TestFramingScanner(t *testing.T) {
	var kinds []byte
	for k := 0; k < 9; k++ {
		kinds = append(kinds, byte(k))
	}
	for _, splits := range [][]byte{nil, {0}, {1, 2, 3, 5, 8, 13}, {16, 0, 7}} {
		for n := 1; n <= 3; n++ {
			checkGenerated(t, bytes.Repeat(kinds, n), bytes.Repeat(splits, 200))
		}
	}
	t.Run("mismatch stops checking", func(t *testing.T) {
		fc, _ := scanAll(t, []byte(genRequest(4, 0).raw+genRequest(4, 1).raw), nil)
		if got := fc.next("POST", "/other"); got != FramingUnknown {
			t.Fatal(got)
		}
		if got := fc.next("POST", "/p/1?q=4"); got != FramingUnknown {
			t.Fatal(got)
		}
	})
	lost := []string{
		"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 1\r\n 2\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n12345678901234567\r\n",
		"POST / HTTP/2.0\r\n\r\n",
		"GET /\r\n\r\n",
		"GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 6000) + "\r\n\r\n",
	}
	for _, s := range lost {
		if fc, out := scanAll(t, []byte(s), nil); !fc.lost || string(out) != s {
			t.Errorf("not lost: %q", s)
		}
	}
}

// FuzzFramingScanner: arbitrary streams at arbitrary read boundaries never
// panic nor change bytes, every verdict the scanner gives agrees with the
// requests net/http parses from the same stream, and well-formed pipelined
// streams get exact verdicts.
func FuzzFramingScanner(f *testing.F) {
	for k := 0; k < 9; k++ {
		f.Add([]byte(genRequest(k, k).raw), []byte{byte(k), 3, 1})
	}
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"), []byte{})
	f.Fuzz(func(t *testing.T, data, splits []byte) {
		fc, out := scanAll(t, data, splits)
		if !bytes.Equal(out, data) {
			t.Fatal("bytes altered")
		}
		br := bufio.NewReader(bytes.NewReader(data))
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				break
			}
			_, berr := io.Copy(io.Discard, req.Body)
			if fc.head == len(fc.q) {
				break
			}
			v := fc.q[fc.head]
			if got := fc.next(req.Method, req.RequestURI); got == FramingUnknown {
				t.Fatalf("verdict %+v out of step with %s %q", v, req.Method, req.RequestURI)
			}
			if req.TransferEncoding != nil && !v.te {
				t.Fatalf("missed Transfer-Encoding in %q", data)
			}
			if berr != nil {
				break
			}
		}
		if len(data) > 0 {
			checkGenerated(t, data[:min(len(data), 12)], splits)
		}
	})
}

// BenchmarkFramingScanner feeds a keep-alive stream of small requests.
func BenchmarkFramingScanner(b *testing.B) {
	var s strings.Builder
	for i := 0; i < 64; i++ {
		s.WriteString("GET /v1/svc7/items7/42 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: Go-http-client/1.1\r\nX-Api-Key: gw_test-key-0123456789abcdefghijklmnop\r\nAccept-Encoding: gzip\r\n\r\n")
	}
	src := []byte(s.String())
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		fc := NewFramingConn(nil, 1<<16, nil)
		if !fc.sc.feed(src, func(framingVerdict) bool { return true }) {
			b.Fatal("lost")
		}
	}
}
