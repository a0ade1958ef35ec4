package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/problem"
)

func TestUpstream(t *testing.T) {
	u, err := NewUpstream(config.Service{Name: "s", URLs: []string{"http://a:1/base/", "https://b", "http://c:3/x%20y"}}, time.Second, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if u.ConnectTimeout != time.Second || u.ResponseTimeout != 2*time.Second {
		t.Fatal(u)
	}
	var seq []string
	for range 6 {
		tg := u.Next()
		seq = append(seq, tg.Host+tg.BasePath)
	}
	want := []string{"a:1/base", "b", "c:3/x%20y", "a:1/base", "b", "c:3/x%20y"}
	for i := range want {
		if seq[i] != want[i] {
			t.Fatalf("%v", seq)
		}
	}
	if _, err := NewUpstream(config.Service{Name: "s", URLs: []string{"ftp://x"}}, 0, 0); err == nil {
		t.Fatal("ftp accepted")
	}
	u2, _ := NewUpstream(config.Service{Name: "s", URLs: []string{"http://a"}, ConnectTimeout: config.Duration(time.Millisecond)}, time.Second, time.Second)
	if u2.ConnectTimeout != time.Millisecond {
		t.Fatal(u2.ConnectTimeout)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	ctx := context.Background()
	tctx, cancel := context.WithCancelCause(ctx)
	cancel(errResponseTimeout)
	for _, tt := range []struct {
		ctx  context.Context
		err  error
		want problem.Code
	}{
		{ctx, &net.OpError{Op: "dial", Err: errors.New("connection refused")}, problem.BadGateway},
		{ctx, errors.New("read: connection reset by peer"), problem.BadGateway},
		{ctx, &net.OpError{Op: "dial", Err: timeoutErr{}}, problem.GatewayTimeout},
		{tctx, context.Canceled, problem.GatewayTimeout},
		{ctx, &http.MaxBytesError{Limit: 1}, problem.PayloadTooLarge},
	} {
		if got := Classify(tt.ctx, tt.err); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.err, got, tt.want)
		}
	}
}
