// Package admin is the gateway's admin API: read the live config and its
// revision, publish or remove one owner's section (If-Match, all-or-nothing),
// revisions and rollback, consumers and their credentials, status, health and
// metrics. It serves the endpoints listed in gateway/config/admin.go, on its
// own listener, and every call needs the bearer token.
//
// The store is the source of truth: every write is a compare-and-swap
// against the revision the client read (its If-Match), and only after the
// store accepted it is the new config applied to this node's gateway, so a
// 200 means "stored and live here". Other nodes follow through the store's
// watch.
package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/store"
)

// DefaultMaxBodyBytes bounds a request body: enough for a config of 10,000
// routes with room to spare.
const DefaultMaxBodyBytes = 32 << 20

// Applier is the part of the gateway server the admin API drives.
type Applier interface {
	// Apply validates and swaps in cfg with consumers, or changes nothing.
	Apply(cfg *config.Config, consumers []config.Consumer) error
	// Status is this node's view (id, live revision, times).
	Status() config.NodeStatus
	// Revision is the live revision on this node.
	Revision() string
}

// Options configure the admin API.
type Options struct {
	// Store holds the config revisions and the consumers (required).
	Store store.Store
	// Gateway is this node's server; every successful write is applied to
	// it before the response (required).
	Gateway Applier
	// Token is the bearer token every request must carry. An empty token
	// refuses every request: the admin API never runs open.
	Token config.Secret
	// Logger receives one line per write and every internal error (nil:
	// discard).
	Logger *slog.Logger
	// Metrics serves GET /admin/metrics (nil: 404).
	Metrics http.Handler
	// NodeID names this node in /admin/status when the gateway's own
	// status has no id.
	NodeID string
	// MaxBodyBytes bounds request bodies (0: DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// Now is the clock (nil: time.Now); tests set it.
	Now func() time.Time
}

// API is the admin API's handler. Its lock serialises writes on this node
// (the store's compare-and-swap is what guards against other nodes) and the
// applies of Follow, so this node never swaps an older revision in after a
// newer one.
type API struct {
	store     store.Store
	gw        Applier
	tokenHash [sha256.Size]byte
	hasToken  bool
	log       *slog.Logger
	metrics   http.Handler
	nodeID    string
	maxBody   int64
	now       func() time.Time

	mux     *http.ServeMux
	writeMu sync.Mutex
}

var _ http.Handler = (*API)(nil)

// New returns the admin API handler.
func New(opts Options) *API {
	s := &API{
		store:   opts.Store,
		gw:      opts.Gateway,
		log:     opts.Logger,
		metrics: opts.Metrics,
		nodeID:  opts.NodeID,
		maxBody: opts.MaxBodyBytes,
		now:     opts.Now,
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.Token != "" {
		s.tokenHash = sha256.Sum256([]byte(opts.Token))
		s.hasToken = true
	}
	s.routes()
	return s
}

func (s *API) routes() {
	m := http.NewServeMux()
	m.Handle("GET /admin/config", s.handle(s.getConfig))
	m.Handle("GET /admin/owners/{owner}", s.handle(s.getOwner))
	m.Handle("PUT /admin/owners/{owner}", s.handle(s.putOwner))
	m.Handle("DELETE /admin/owners/{owner}", s.handle(s.deleteOwner))
	m.Handle("GET /admin/revisions", s.handle(s.listRevisions))
	m.Handle("GET /admin/revisions/{id}", s.handle(s.getRevision))
	m.Handle("POST /admin/rollback", s.handle(s.rollback))
	m.Handle("GET /admin/consumers", s.handle(s.listConsumers))
	m.Handle("POST /admin/consumers", s.handle(s.createConsumer))
	m.Handle("GET /admin/consumers/{id}", s.handle(s.getConsumer))
	m.Handle("PATCH /admin/consumers/{id}", s.handle(s.updateConsumer))
	m.Handle("DELETE /admin/consumers/{id}", s.handle(s.deleteConsumer))
	m.Handle("POST /admin/consumers/{id}/credentials", s.handle(s.addCredential))
	m.Handle("DELETE /admin/consumers/{id}/credentials/{cred}", s.handle(s.deleteCredential))
	m.Handle("GET /admin/status", s.handle(s.status))
	m.Handle("GET /admin/health", s.handle(s.health))
	m.Handle("GET /admin/metrics", s.handle(s.serveMetrics))
	s.mux = m
}

// ServeHTTP authenticates, then routes. Unknown paths and methods get
// problem+json like every other error (the mux's own answers are plain text).
func (s *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := requestID(r)
	w.Header().Set("X-Request-Id", rid)
	r = r.WithContext(context.WithValue(r.Context(), ridKey{}, rid))
	if !s.authorized(r) {
		s.log.Warn("admin: unauthorized request", "method", r.Method, "path", r.URL.Path,
			"remote", r.RemoteAddr, "requestId", rid)
		challenge := `Bearer realm="gwctl admin"`
		if r.Header.Get("Authorization") != "" {
			challenge += `, error="invalid_token"` // RFC 6750 §3.1
		}
		w.Header().Set("WWW-Authenticate", challenge)
		s.writeError(w, r, &Error{Status: http.StatusUnauthorized, Title: "Unauthorized",
			Detail: "a valid admin token is required: send Authorization: Bearer <token>"})
		return
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		// The mux would answer 404 or 405 (with Allow) in plain text: ask
		// it which, then answer in problem+json.
		h, _ := s.mux.Handler(r)
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		if rec.status == http.StatusMethodNotAllowed {
			s.writeError(w, r, &Error{Status: http.StatusMethodNotAllowed, Title: "Method not allowed",
				Detail: r.Method + " is not allowed on " + r.URL.Path})
			return
		}
		s.writeError(w, r, &Error{Status: http.StatusNotFound, Title: "Not found",
			Detail: "no admin endpoint at " + r.URL.Path})
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
	}
	s.mux.ServeHTTP(w, r)
}

// authorized compares the bearer token in constant time (both sides are
// hashed first, so the comparison does not leak the length either).
func (s *API) authorized(r *http.Request) bool {
	if !s.hasToken {
		return false
	}
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return false
	}
	got := sha256.Sum256([]byte(tok))
	return subtle.ConstantTimeCompare(got[:], s.tokenHash[:]) == 1
}

// handle adapts a handler that returns an error to http.Handler: the one
// place errors become responses.
func (s *API) handle(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.writeError(w, r, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
			}
		}()
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// statusRecorder captures the status and headers the mux would send for an
// unmatched request.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}
func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (s *API) status(w http.ResponseWriter, _ *http.Request) error {
	ns := s.gw.Status()
	if ns.ID == "" {
		ns.ID = s.nodeID
	}
	// With a shared store each node answers for itself; this node is the
	// one we know.
	writeJSON(w, http.StatusOK, config.Status{Nodes: []config.NodeStatus{ns}})
	return nil
}

func (s *API) health(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *API) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	if s.metrics == nil {
		return &Error{Status: http.StatusNotFound, Title: "Not found", Detail: "metrics are not enabled on this gateway"}
	}
	s.metrics.ServeHTTP(w, r)
	return nil
}
