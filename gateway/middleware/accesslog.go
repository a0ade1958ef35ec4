package middleware

import (
	"context"
	"log/slog"
	"time"
)

// AccessEntry is one access-log line. It never holds the query string (it
// may carry an API key) nor any header value besides the request id.
type AccessEntry struct {
	Method    string
	Path      string // raw request path, without the query
	Route     string // route id, "" when unmatched
	Template  string // the route's path template
	Status    int
	Duration  time.Duration
	Upstream  string // upstream host:port, "" when not proxied
	RequestID string
	Consumer  string // consumer id, "" when anonymous
	ClientIP  string
	Bytes     int64 // response body bytes written
}

// AccessLog writes one line per request (JSON with a slog.JSONHandler) with
// fixed keys: time (when the response ended), level, msg ("access"), method,
// path, route, template, status, duration_ms, upstream, request_id,
// consumer, client_ip, bytes. A nil *AccessLog writes nothing.
type AccessLog struct {
	l *slog.Logger
}

// NewAccessLog logs through l at Info level (nil → nil: no access log).
func NewAccessLog(l *slog.Logger) *AccessLog {
	if l == nil {
		return nil
	}
	return &AccessLog{l: l}
}

// Enabled reports whether lines would be written.
func (a *AccessLog) Enabled(ctx context.Context) bool {
	return a != nil && a.l.Enabled(ctx, slog.LevelInfo)
}

// Log writes e.
func (a *AccessLog) Log(ctx context.Context, e *AccessEntry) {
	if !a.Enabled(ctx) {
		return
	}
	a.l.LogAttrs(ctx, slog.LevelInfo, "access",
		slog.String("method", e.Method),
		slog.String("path", e.Path),
		slog.String("route", e.Route),
		slog.String("template", e.Template),
		slog.Int("status", e.Status),
		slog.Float64("duration_ms", float64(e.Duration.Microseconds())/1000),
		slog.String("upstream", e.Upstream),
		slog.String("request_id", e.RequestID),
		slog.String("consumer", e.Consumer),
		slog.String("client_ip", e.ClientIP),
		slog.Int64("bytes", e.Bytes),
	)
}
