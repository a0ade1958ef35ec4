package gateway

import (
	"net/http"
)

// recorder wraps the client ResponseWriter to record the status and body
// bytes for the access log and metrics. It unwraps (http.ResponseController)
// so flushing, hijacking (upgrades) and deadlines reach the real writer.
type recorder struct {
	w      http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) reset(w http.ResponseWriter) {
	r.w, r.status, r.bytes = w, 0, 0
}

func (r *recorder) Header() http.Header { return r.w.Header() }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	} else if code == http.StatusSwitchingProtocols {
		r.status = code
	}
	r.w.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.w.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Flush flushes the client connection (event streams).
func (r *recorder) Flush() {
	if f, ok := r.w.(http.Flusher); ok {
		if r.status == 0 {
			r.status = http.StatusOK
		}
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.w }
