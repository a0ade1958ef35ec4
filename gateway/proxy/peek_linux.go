package proxy

import (
	"syscall"
	"unsafe"
)

const peekSupported = true

// peekIdle reports whether an idle upstream socket is still open and empty:
// one non-blocking recv(MSG_PEEK) that must find no data (EAGAIN). EOF (the
// upstream closed it) or any byte (an answer nobody asked for) mean the
// connection must not carry another request.
func peekIdle(rc syscall.RawConn) bool {
	var b [1]byte
	healthy := false
	err := rc.Read(func(fd uintptr) bool {
		_, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1,
			syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
		healthy = errno == syscall.EAGAIN || errno == syscall.EWOULDBLOCK
		return true
	})
	return err == nil && healthy
}
