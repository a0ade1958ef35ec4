package remote_test

// These tests run the client against an httptest fake of the admin API: they
// pin the client's HTTP details and error mapping only. The behaviour of the
// real gateway (atomic swap, 412 races, ownership) is tested end to end in
// cmd/internal/cli with the real gwctl binary.

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/publish/remote"
)

func fake(t *testing.T, h http.HandlerFunc) *remote.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := remote.New(srv.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	c.PollInterval = 5 * time.Millisecond
	return c
}

func problem(w http.ResponseWriter, status int, p config.Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

func TestPutOwnerSendsIfMatchAndToken(t *testing.T) {
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut || r.URL.Path != "/admin/owners/shop" {
			t.Errorf("got %s %s", r.Method, r.URL.Path)
		}
		if got := r.Header.Get("If-Match"); got != `"abc"` {
			t.Errorf("If-Match = %q", got)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer tok" {
			t.Errorf("Authorization = %q", got)
		}
		var o config.Owner
		if err := json.NewDecoder(r.Body).Decode(&o); err != nil || o.Name != "shop" {
			t.Errorf("body: %v %+v", err, o)
		}
		_ = json.NewEncoder(w).Encode(config.PublishResult{Revision: "def", Previous: "abc", Changed: true})
	})
	res, err := c.PutOwner(context.Background(), &config.Owner{Name: "shop"}, "abc")
	if err != nil || res.Revision != "def" || !res.Changed {
		t.Fatalf("res=%+v err=%v", res, err)
	}
}

func TestGetConfigReadsETag(t *testing.T) {
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"r1"`)
		_ = json.NewEncoder(w).Encode(config.Config{Revision: "r1", Owners: []config.Owner{{Name: "a"}}})
	})
	cfg, rev, err := c.GetConfig(context.Background())
	if err != nil || rev != "r1" || cfg.Owner("a") == nil {
		t.Fatalf("cfg=%+v rev=%q err=%v", cfg, rev, err)
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name   string
		status int
		p      config.Problem
		check  func(error) bool
		msg    string
	}{
		{"412", 412, config.Problem{Title: "Precondition Failed"}, func(err error) bool { return errors.Is(err, remote.ErrConflict) }, "another publish landed first; run gwctl diff again"},
		{"422", 422, config.Problem{Title: "invalid", Errors: []config.FieldError{{Field: "owners[0].routes[1].path", Message: "bad"}, {Field: "owners[0].services[0].urls", Message: "empty"}}},
			func(err error) bool { var v *remote.ValidationError; return errors.As(err, &v) && len(v.Errors) == 2 }, "owners[0].services[0].urls: empty"},
		{"409", 409, config.Problem{Detail: `GET /v1/x is owned by "billing"`}, func(err error) bool { var v *remote.OwnerConflictError; return errors.As(err, &v) && v.Owner == "shop" }, `owner "shop" cannot publish`},
		{"401", 401, config.Problem{}, func(err error) bool { var v *remote.AuthError; return errors.As(err, &v) }, "GWCTL_TOKEN"},
		{"403", 403, config.Problem{}, func(err error) bool { var v *remote.AuthError; return errors.As(err, &v) }, "403"},
		{"500", 500, config.Problem{Detail: "disk full"}, func(err error) bool { var v *remote.StatusError; return errors.As(err, &v) && v.Status == 500 }, "disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fake(t, func(w http.ResponseWriter, r *http.Request) { problem(w, tt.status, tt.p) })
			_, err := c.PutOwner(context.Background(), &config.Owner{Name: "shop"}, "")
			if err == nil || !tt.check(err) {
				t.Fatalf("err = %#v", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q lacks %q", err, tt.msg)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c, _ := remote.New("http://"+addr, "")
	_, _, err = c.GetConfig(context.Background())
	var ue *remote.UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
}

func TestNotFound(t *testing.T) {
	c := fake(t, func(w http.ResponseWriter, r *http.Request) { problem(w, 404, config.Problem{Title: "not found"}) })
	_, err := c.Revision(context.Background(), "nope")
	var nf *remote.NotFoundError
	if !errors.As(err, &nf) || err.Error() != "revision nope not found" {
		t.Fatalf("err = %v", err)
	}
}

func TestWaitLive(t *testing.T) {
	var calls atomic.Int32
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		rev := "old"
		if calls.Add(1) >= 3 {
			rev = "new"
		}
		_ = json.NewEncoder(w).Encode(config.Status{Nodes: []config.NodeStatus{{ID: "n1", Revision: "new"}, {ID: "n2", Revision: rev}}})
	})
	if err := c.WaitLive(context.Background(), "new", time.Second); err != nil {
		t.Fatal(err)
	}
	if calls.Load() < 3 {
		t.Errorf("returned before every node was live")
	}

	err := c.WaitLive(context.Background(), "never", 30*time.Millisecond)
	var te *remote.TimeoutError
	if !errors.As(err, &te) || len(te.Behind) != 2 {
		t.Fatalf("err = %v", err)
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "127.0.0.1:8001"} {
		if _, err := remote.New(u, ""); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}
