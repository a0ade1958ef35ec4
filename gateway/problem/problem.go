// Package problem is the gateway's one error writer: handlers return typed
// errors (or a Code), Write maps them to a status and an RFC 9457
// application/problem+json body. The internal cause of an error goes to the
// log with the request id; the client sees only a generic title and, for
// client errors, a short detail the gateway chose.
package problem

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gwctl/gwctl/gateway/config"
)

// Code is a gateway error class. Each maps to one status, title and type.
type Code uint8

// The codes the gateway answers with.
const (
	Internal Code = iota // 500; the default for untyped errors
	BadRequest
	Unauthorized
	Forbidden
	NotFound
	MethodNotAllowed
	PayloadTooLarge
	TooManyRequests
	BadGateway
	GatewayTimeout
	Unavailable
	NotImplemented
	numCodes
)

type meta struct {
	status int
	title  string
	slug   string
}

var metas = [numCodes]meta{
	Internal:         {http.StatusInternalServerError, "Internal error", "internal"},
	BadRequest:       {http.StatusBadRequest, "Bad request", "bad-request"},
	Unauthorized:     {http.StatusUnauthorized, "Unauthorized", "unauthorized"},
	Forbidden:        {http.StatusForbidden, "Forbidden", "forbidden"},
	NotFound:         {http.StatusNotFound, "Not found", "not-found"},
	MethodNotAllowed: {http.StatusMethodNotAllowed, "Method not allowed", "method-not-allowed"},
	PayloadTooLarge:  {http.StatusRequestEntityTooLarge, "Payload too large", "payload-too-large"},
	TooManyRequests:  {http.StatusTooManyRequests, "Too many requests", "too-many-requests"},
	BadGateway:       {http.StatusBadGateway, "Bad gateway", "bad-gateway"},
	GatewayTimeout:   {http.StatusGatewayTimeout, "Gateway timeout", "gateway-timeout"},
	Unavailable:      {http.StatusServiceUnavailable, "Service unavailable", "unavailable"},
	NotImplemented:   {http.StatusNotImplemented, "Not implemented", "not-implemented"},
}

// TypePrefix starts every problem type URI; the code's slug follows.
const TypePrefix = "urn:gwctl:problem:"

// Status is the HTTP status of c.
func (c Code) Status() int { return c.meta().status }

// Title is the generic title of c (what clients see).
func (c Code) Title() string { return c.meta().title }

// Type is the problem type URI of c.
func (c Code) Type() string { return TypePrefix + c.meta().slug }

func (c Code) meta() meta {
	if c >= numCodes {
		return metas[Internal]
	}
	return metas[c]
}

// Error is a typed gateway error. Detail is shown to the client; Cause is
// logged only.
type Error struct {
	Code   Code
	Detail string
	Cause  error
}

// New returns an error of code with a client-visible detail.
func New(code Code, detail string) *Error { return &Error{Code: code, Detail: detail} }

// Wrap returns an error of code whose cause is only logged.
func Wrap(code Code, cause error) *Error { return &Error{Code: code, Cause: cause} }

func (e *Error) Error() string {
	s := e.Code.Title()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

// CodeOf classifies err: a *Error's code, 504 for a deadline, Internal
// otherwise.
func CodeOf(err error) Code {
	var pe *Error
	switch {
	case errors.As(err, &pe):
		return pe.Code
	case errors.Is(err, context.DeadlineExceeded):
		return GatewayTimeout
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return PayloadTooLarge
	}
	return Internal
}

// Writer writes problems and logs internal causes. The zero value logs
// nothing.
type Writer struct {
	Logger *slog.Logger
}

// Error writes err as a problem. Headers already set on w (Allow,
// WWW-Authenticate, Retry-After, CORS…) are kept.
func (wr Writer) Error(w http.ResponseWriter, r *http.Request, requestID string, err error) {
	code := CodeOf(err)
	detail := ""
	var pe *Error
	if errors.As(err, &pe) {
		detail = pe.Detail
	}
	if code.Status() >= 500 || pe == nil || pe.Cause != nil {
		if wr.Logger != nil && wr.Logger.Enabled(r.Context(), slog.LevelError) {
			wr.Logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
				slog.String("request_id", requestID),
				slog.String("method", r.Method),
				slog.String("path", r.URL.EscapedPath()),
				slog.Int("status", code.Status()),
				slog.String("error", err.Error()))
		}
	}
	Write(w, code, detail, r.URL.EscapedPath(), requestID)
}

// Write writes a problem of code without logging.
func Write(w http.ResponseWriter, code Code, detail, instance, requestID string) {
	m := code.meta()
	b := make([]byte, 0, 160+len(detail)+len(instance))
	b = append(b, `{"type":"`...)
	b = append(b, TypePrefix...)
	b = append(b, m.slug...)
	b = append(b, `","title":`...)
	b = AppendJSONString(b, m.title)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(m.status), 10)
	if detail != "" {
		b = append(b, `,"detail":`...)
		b = AppendJSONString(b, detail)
	}
	if instance != "" {
		b = append(b, `,"instance":`...)
		b = AppendJSONString(b, instance)
	}
	if requestID != "" {
		b = append(b, `,"requestId":`...)
		b = AppendJSONString(b, requestID)
	}
	b = append(b, "}\n"...)
	h := w.Header()
	h["Content-Type"] = contentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	h["X-Content-Type-Options"] = nosniff
	h["Cache-Control"] = noStore
	h.Del("Content-Encoding")
	w.WriteHeader(m.status)
	_, _ = w.Write(b)
}

// WriteProblem writes any problem document (the admin API's, with Errors).
func WriteProblem(w http.ResponseWriter, p config.Problem) {
	b := make([]byte, 0, 256)
	b = append(b, `{"type":`...)
	b = AppendJSONString(b, p.Type)
	b = append(b, `,"title":`...)
	b = AppendJSONString(b, p.Title)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(p.Status), 10)
	for _, kv := range [...][2]string{{"detail", p.Detail}, {"instance", p.Instance}, {"requestId", p.RequestID}} {
		if kv[1] != "" {
			b = append(b, ',', '"')
			b = append(b, kv[0]...)
			b = append(b, '"', ':')
			b = AppendJSONString(b, kv[1])
		}
	}
	if len(p.Errors) > 0 {
		b = append(b, `,"errors":[`...)
		for i, fe := range p.Errors {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"field":`...)
			b = AppendJSONString(b, fe.Field)
			b = append(b, `,"message":`...)
			b = AppendJSONString(b, fe.Message)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, "}\n"...)
	h := w.Header()
	h["Content-Type"] = contentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	h["X-Content-Type-Options"] = nosniff
	w.WriteHeader(p.Status)
	_, _ = w.Write(b)
}

var (
	contentType = []string{"application/problem+json"}
	nosniff     = []string{"nosniff"}
	noStore     = []string{"no-store"}
)

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD
// and <, >, & are escaped as encoding/json does.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
