package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strconv"
)

// serveRaw is a measuring stick, not a proxy: a minimal HTTP/1.1 relay on
// bare net.Conns (no net/http on the request path), one upstream connection
// per client connection, heads copied through with only Content-Length
// read. It answers how fast Go itself can relay on this machine, apart
// from net/http.Server and ReverseProxy: the `go-raw` target of
// bench/gateway.sh. It has none of the gateway's checks.
func serveRaw(ln net.Listener, upstream string) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go relay(c, upstream)
	}
}

func relay(c net.Conn, upstream string) {
	defer c.Close()
	u, err := net.Dial("tcp", upstream)
	if err != nil {
		return
	}
	defer u.Close()
	cbr, ubr := bufio.NewReader(c), bufio.NewReader(u)
	var head, out []byte
	for {
		var n int
		if head, n, err = readHead(cbr, head[:0]); err != nil {
			return
		}
		if _, err := u.Write(head); err != nil {
			return
		}
		if n > 0 {
			if _, err := io.CopyN(u, cbr, int64(n)); err != nil {
				return
			}
		}
		if out, n, err = readHead(ubr, out[:0]); err != nil {
			return
		}
		h := len(out)
		out = append(out, make([]byte, n)...)
		if _, err := io.ReadFull(ubr, out[h:]); err != nil {
			return
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// readHead appends one message head (through the empty line) to buf and
// returns it with the Content-Length it declared (0 when none).
func readHead(br *bufio.Reader, buf []byte) ([]byte, int, error) {
	n := 0
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return buf, 0, err
		}
		buf = append(buf, line...)
		if len(line) <= 2 {
			return buf, n, nil
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			n, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
}
