package admin

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/problem"
)

// Error is an error with the HTTP answer it deserves. Handlers return it;
// anything else becomes a 500 whose cause only the log sees.
type Error struct {
	Status int
	// Type overrides the problem type slug the status implies.
	Type   string
	Title  string
	Detail string
	Errors []config.FieldError
	// Header is set on the response (ETag on 412, for instance).
	Header http.Header
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("%d %s: %s", e.Status, e.Title, e.Detail)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Title)
}

// problemType gives each status a stable type URI (RFC 9457 §3.1.1), in the
// same scheme as the data plane's problems (gateway/problem).
func problemType(status int) string {
	slug := map[int]string{
		http.StatusBadRequest:            "bad-request",
		http.StatusUnauthorized:          "unauthorized",
		http.StatusNotFound:              "not-found",
		http.StatusMethodNotAllowed:      "method-not-allowed",
		http.StatusConflict:              "conflict",
		http.StatusPreconditionFailed:    "stale-revision",
		http.StatusPreconditionRequired:  "if-match-required",
		http.StatusRequestEntityTooLarge: "payload-too-large",
		http.StatusUnsupportedMediaType:  "unsupported-media-type",
		http.StatusUnprocessableEntity:   "invalid-config",
		http.StatusInternalServerError:   "internal",
	}[status]
	if slug == "" {
		return "about:blank"
	}
	return problem.TypePrefix + slug
}

type ridKey struct{}

// requestID keeps a sane client-sent X-Request-Id, else makes one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && isToken(id) {
		return id
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func isToken(s string) bool {
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// writeError is the one writer of error responses.
func (s *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	rid, _ := r.Context().Value(ridKey{}).(string)
	var e *Error
	if !errors.As(err, &e) {
		s.log.Error("admin: internal error", "method", r.Method, "path", r.URL.Path, "requestId", rid, "err", err)
		e = &Error{Status: http.StatusInternalServerError, Title: "Internal error",
			Detail: "the admin API failed; the gateway log has the cause under requestId " + rid}
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	p := config.Problem{
		Type:      problemType(e.Status),
		Title:     e.Title,
		Status:    e.Status,
		Detail:    e.Detail,
		Instance:  r.URL.Path,
		RequestID: rid,
		Errors:    e.Errors,
	}
	if e.Type != "" {
		p.Type = problem.TypePrefix + e.Type
	}
	if p.Title == "" {
		p.Title = http.StatusText(e.Status)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON writes v as the JSON response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeJSON reads one JSON value into v: unknown fields, trailing data, a
// non-JSON content type and a body over the limit are all refused with a
// message naming what is wrong.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := strings.Cut(ct, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			return &Error{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type",
				Detail: "send the body as application/json, not " + mt}
		}
	}
	// Decode straight from the body (a 10,000-route section is 1.5 MB: no
	// intermediate copy); lines remembers where lines start, for messages.
	lr := &lineReader{r: r.Body}
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errTrailing
		}
	}
	if err == nil {
		return nil
	}
	if lr.err == nil {
		// As before decoding streamed: a body over the limit is 413
		// whatever it holds, so read on to know.
		_, _ = io.Copy(io.Discard, lr)
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(lr.err, &tooBig):
		return &Error{Status: http.StatusRequestEntityTooLarge, Title: "Request body too large",
			Detail: fmt.Sprintf("the admin API accepts bodies up to %d bytes", tooBig.Limit)}
	case lr.err != nil && lr.err != io.EOF:
		return &Error{Status: http.StatusBadRequest, Title: "Bad request", Detail: "read body: " + lr.err.Error()}
	case err == io.EOF:
		return &Error{Status: http.StatusBadRequest, Title: "Bad request", Detail: "the request body is empty; send a JSON document"}
	case err == errTrailing:
		return &Error{Status: http.StatusBadRequest, Title: "Invalid JSON body",
			Detail: "unexpected data after the JSON document; send exactly one JSON value"}
	}
	return &Error{Status: http.StatusBadRequest, Title: "Invalid JSON body", Detail: describeJSONError(err, lr.position)}
}

var errTrailing = errors.New("trailing data")

// lineReader passes a body through, keeping its first read error and the
// offsets of its line breaks (none for compact JSON) so that an error's
// byte offset can be told as a line and column.
type lineReader struct {
	r     io.Reader
	n     int64
	lines []int64 // offsets of '\n'
	err   error
}

func (l *lineReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i := 0; i < n; {
		k := bytes.IndexByte(p[i:n], '\n')
		if k < 0 {
			break
		}
		l.lines = append(l.lines, l.n+int64(i+k))
		i += k + 1
	}
	l.n += int64(n)
	if err != nil {
		l.err = err
	}
	return n, err
}

// position is the 1-based line and column of byte offset off.
func (l *lineReader) position(off int64) (line, col int) {
	if off > l.n {
		off = l.n
	}
	k, _ := slices.BinarySearch(l.lines, off) // line breaks before off
	if k == 0 {
		return 1, int(off) + 1
	}
	return k + 1, int(off - l.lines[k-1])
}

// describeJSONError turns a decoding error into a sentence that names the
// field or the position.
func describeJSONError(err error, position func(off int64) (line, col int)) string {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		line, col := position(syntax.Offset)
		return fmt.Sprintf("malformed JSON at line %d, column %d: %s", line, col, syntax.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(document)"
		}
		return fmt.Sprintf("field %q: expected %s, got JSON %s", field, typ.Type, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON document ends too early"
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown field " + name + ": check the spelling against the admin API's types"
	}
	return strings.TrimPrefix(msg, "json: ")
}
