// Package remote is the client of the gateway's admin API (see the endpoint
// list in gateway/config/admin.go): read the live config and its revision,
// publish an owner's section with If-Match, revisions and rollback,
// consumers, and waiting until every node serves a revision. Every failure
// is a typed error, so the CLI can choose exit codes and messages without
// reading error text.
package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
)

// TokenEnv is the environment variable that holds the admin API token.
const TokenEnv = "GWCTL_TOKEN"

// Client talks to one gateway admin API.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
	// PollInterval is how often WaitLive asks for the status (default 100ms).
	PollInterval time.Duration
}

// New returns a client of the admin API at baseURL (e.g.
// http://127.0.0.1:8001) that sends token as a bearer token.
func New(baseURL, token string) (*Client, error) {
	if baseURL == "" {
		return nil, errors.New("no gateway URL: pass --gateway URL, set GWCTL_GATEWAY, or set gateway.url in gwctl.yaml")
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("gateway URL %q is not an http(s) URL", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return &Client{base: u, token: token, http: &http.Client{Timeout: 60 * time.Second}, PollInterval: 100 * time.Millisecond}, nil
}

// URL returns the admin API base URL.
func (c *Client) URL() string { return c.base.String() }

// ErrConflict is a 412: the config changed since the revision the caller
// read (another publish landed first).
var ErrConflict = errors.New("another publish landed first; run gwctl diff again")

// ValidationError is a 422: the gateway refused the config and lists every
// problem.
type ValidationError struct {
	Detail string
	Errors []config.FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("the gateway refused the configuration")
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	for _, fe := range e.Errors {
		b.WriteString("\n  " + fe.Error())
	}
	return b.String()
}

// OwnerConflictError is a 409: a route is claimed by another owner.
type OwnerConflictError struct {
	Owner  string // the owner that tried to publish
	Detail string // the gateway's message, naming the other owner
	Errors []config.FieldError
}

func (e *OwnerConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "owner %q cannot publish: route claimed by another owner", e.Owner)
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	for _, fe := range e.Errors {
		b.WriteString("\n  " + fe.Error())
	}
	return b.String()
}

// AuthError is a 401 or 403 from the admin API.
type AuthError struct {
	Status int
	Detail string
}

func (e *AuthError) Error() string {
	msg := "the gateway refused the admin token"
	if e.Status == http.StatusUnauthorized {
		msg += " (401: missing or wrong; set " + TokenEnv + ")"
	} else {
		msg += fmt.Sprintf(" (%d: not allowed)", e.Status)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// UnreachableError means no HTTP answer: connection refused, DNS, timeout.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	reason := e.Err.Error()
	if errors.Is(e.Err, syscall.ECONNREFUSED) {
		reason = "connection refused (is the gateway running?)"
	}
	return fmt.Sprintf("gateway unreachable at %s: %s", e.URL, reason)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// NotFoundError is a 404 (an unknown revision, consumer or owner).
type NotFoundError struct{ What, Detail string }

func (e *NotFoundError) Error() string {
	if e.Detail != "" {
		return e.What + " not found: " + e.Detail
	}
	return e.What + " not found"
}

// StatusError is any other unexpected answer.
type StatusError struct {
	Method, Path string
	Status       int
	Problem      config.Problem
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Problem.Detail != "" {
		msg += ": " + e.Problem.Detail
	} else if e.Problem.Title != "" {
		msg += ": " + e.Problem.Title
	}
	return msg
}

// TimeoutError is WaitLive giving up: some nodes do not serve the revision.
type TimeoutError struct {
	Revision string
	Waited   time.Duration
	Behind   []config.NodeStatus
}

func (e *TimeoutError) Error() string {
	var nodes []string
	for _, n := range e.Behind {
		nodes = append(nodes, fmt.Sprintf("%s at %q", n.ID, n.Revision))
	}
	if len(nodes) == 0 {
		nodes = append(nodes, "no node reported")
	}
	return fmt.Sprintf("revision %s not live on every node after %s: %s", e.Revision, e.Waited, strings.Join(nodes, ", "))
}

// request is one admin API call.
type request struct {
	method, path string
	body         any
	ifMatch      *string // nil: no header; "" is a valid If-Match for an empty config
	what         string  // for 404 messages
	owner        string  // for 409 messages
}

// do sends a request and decodes a 2xx JSON answer into out (when not nil).
// It returns the response headers.
func (c *Client) do(ctx context.Context, r request, out any) (http.Header, error) {
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	u := *c.base
	u.Path += r.path
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if r.ifMatch != nil {
		req.Header.Set("If-Match", strconv.Quote(*r.ifMatch))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &UnreachableError{URL: c.base.String(), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, &UnreachableError{URL: c.base.String(), Err: err}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out != nil && len(data) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return nil, fmt.Errorf("%s %s: decode answer: %w", r.method, r.path, err)
			}
		}
		return resp.Header, nil
	}
	var p config.Problem
	_ = json.Unmarshal(data, &p)
	if p.Detail == "" && p.Title == "" && len(data) > 0 && !json.Valid(data) {
		p.Detail = strings.TrimSpace(string(data))
	}
	switch resp.StatusCode {
	case http.StatusPreconditionFailed:
		return nil, ErrConflict
	case http.StatusUnprocessableEntity:
		return nil, &ValidationError{Detail: p.Detail, Errors: p.Errors}
	case http.StatusConflict:
		return nil, &OwnerConflictError{Owner: r.owner, Detail: p.Detail, Errors: p.Errors}
	case http.StatusUnauthorized, http.StatusForbidden:
		return nil, &AuthError{Status: resp.StatusCode, Detail: p.Detail}
	case http.StatusNotFound:
		if r.what != "" {
			return nil, &NotFoundError{What: r.what, Detail: p.Detail}
		}
	}
	return nil, &StatusError{Method: r.method, Path: r.path, Status: resp.StatusCode, Problem: p}
}

// etag reads the revision out of an ETag header ("rev" or W/"rev").
func etag(h http.Header) string {
	v := strings.TrimPrefix(h.Get("ETag"), "W/")
	if s, err := strconv.Unquote(v); err == nil {
		return s
	}
	return v
}

// GetConfig returns the live config and its revision (the ETag).
func (c *Client) GetConfig(ctx context.Context) (*config.Config, string, error) {
	var cfg config.Config
	h, err := c.do(ctx, request{method: http.MethodGet, path: "/admin/config"}, &cfg)
	if err != nil {
		return nil, "", err
	}
	rev := etag(h)
	if rev == "" {
		rev = cfg.Revision
	}
	return &cfg, rev, nil
}

// PutOwner publishes an owner's whole section, only if the live config is
// still at revision ifMatch.
func (c *Client) PutOwner(ctx context.Context, owner *config.Owner, ifMatch string) (*config.PublishResult, error) {
	var res config.PublishResult
	_, err := c.do(ctx, request{method: http.MethodPut, path: "/admin/owners/" + url.PathEscape(owner.Name), body: owner, ifMatch: &ifMatch, owner: owner.Name}, &res)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// DeleteOwner removes an owner's section, only if the live config is still
// at revision ifMatch.
func (c *Client) DeleteOwner(ctx context.Context, name, ifMatch string) (*config.PublishResult, error) {
	var res config.PublishResult
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/admin/owners/" + url.PathEscape(name), ifMatch: &ifMatch, what: "owner " + name, owner: name}, &res)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// Revisions lists the stored revisions, newest first.
func (c *Client) Revisions(ctx context.Context) ([]config.RevisionInfo, error) {
	var out []config.RevisionInfo
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/admin/revisions"}, &out)
	return out, err
}

// Revision returns the config of a stored revision.
func (c *Client) Revision(ctx context.Context, id string) (*config.Config, error) {
	var cfg config.Config
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/admin/revisions/" + url.PathEscape(id), what: "revision " + id}, &cfg)
	if err != nil {
		return nil, err
	}
	return &cfg, nil
}

// Rollback makes a stored revision live again (only req.Owner's section when
// set), only if the live config is still at revision ifMatch.
func (c *Client) Rollback(ctx context.Context, req config.RollbackRequest, ifMatch string) (*config.PublishResult, error) {
	var res config.PublishResult
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/admin/rollback", body: req, ifMatch: &ifMatch, what: "revision " + req.Revision, owner: req.Owner}, &res)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// Consumers lists the consumers (never with secrets).
func (c *Client) Consumers(ctx context.Context) ([]config.Consumer, error) {
	var out []config.Consumer
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/admin/consumers"}, &out)
	return out, err
}

// Consumer returns one consumer by id.
func (c *Client) Consumer(ctx context.Context, id string) (*config.Consumer, error) {
	var out config.Consumer
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/admin/consumers/" + url.PathEscape(id), what: "consumer " + id}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateConsumer creates a consumer; the answer holds the plain key once.
func (c *Client) CreateConsumer(ctx context.Context, req config.ConsumerRequest) (*config.ConsumerCreated, error) {
	var out config.ConsumerCreated
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/admin/consumers", body: req}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// AddCredential adds a credential to a consumer.
func (c *Client) AddCredential(ctx context.Context, id string, req config.CredentialRequest) (*config.ConsumerCreated, error) {
	var out config.ConsumerCreated
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/admin/consumers/" + url.PathEscape(id) + "/credentials", body: req, what: "consumer " + id}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateConsumer renames a consumer or replaces its scopes in place.
func (c *Client) UpdateConsumer(ctx context.Context, id string, req config.ConsumerUpdate) (*config.Consumer, error) {
	var out config.Consumer
	_, err := c.do(ctx, request{method: http.MethodPatch, path: "/admin/consumers/" + url.PathEscape(id), body: req, what: "consumer " + id}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteCredential revokes one credential of a consumer.
func (c *Client) DeleteCredential(ctx context.Context, id, credID string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/admin/consumers/" + url.PathEscape(id) + "/credentials/" + url.PathEscape(credID),
		what: "credential " + credID + " of consumer " + id}, nil)
	return err
}

// DeleteConsumer removes a consumer and its credentials.
func (c *Client) DeleteConsumer(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/admin/consumers/" + url.PathEscape(id), what: "consumer " + id}, nil)
	return err
}

// Status returns every node's live revision.
func (c *Client) Status(ctx context.Context) (*config.Status, error) {
	var out config.Status
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/admin/status"}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// WaitLive polls the status until every node reports revision, or returns a
// *TimeoutError after timeout.
func (c *Client) WaitLive(ctx context.Context, revision string, timeout time.Duration) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	interval := c.PollInterval
	if interval <= 0 {
		interval = 100 * time.Millisecond
	}
	var last *config.Status
	for {
		st, err := c.Status(ctx)
		if err == nil {
			last = st
			if allAt(st, revision) {
				return nil
			}
		} else if ctx.Err() == nil {
			var ue *UnreachableError
			if !errors.As(err, &ue) {
				return err
			}
		}
		select {
		case <-ctx.Done():
			if parent := context.Cause(ctx); errors.Is(parent, context.Canceled) {
				return parent
			}
			te := &TimeoutError{Revision: revision, Waited: time.Since(start).Round(time.Millisecond)}
			if last != nil {
				for _, n := range last.Nodes {
					if n.Revision != revision {
						te.Behind = append(te.Behind, n)
					}
				}
			}
			return te
		case <-time.After(interval):
		}
	}
}

func allAt(st *config.Status, revision string) bool {
	if len(st.Nodes) == 0 {
		return false
	}
	for _, n := range st.Nodes {
		if n.Revision != revision {
			return false
		}
	}
	return true
}
