//go:build !linux

package proxy

import "syscall"

// Without a non-blocking peek the fast path could not tell a stale idle
// connection, so every request takes the stock transport.
const peekSupported = false

func peekIdle(syscall.RawConn) bool { return false }
