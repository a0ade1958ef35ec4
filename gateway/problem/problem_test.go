package problem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gwctl/gwctl/gateway/config"
)

func TestWriterError(t *testing.T) {
	var logs strings.Builder
	wr := Writer{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	tests := []struct {
		err    error
		status int
		detail string
		logged bool
	}{
		{New(NotFound, ""), 404, "", false},
		{New(BadRequest, "dot segments are not allowed"), 400, "dot segments are not allowed", false},
		{Wrap(BadGateway, errors.New("dial tcp 10.0.0.1:80: connection refused")), 502, "", true},
		{fmt.Errorf("boom: %w", errors.New("secret internal")), 500, "", true},
		{context.DeadlineExceeded, 504, "", true},
		{&http.MaxBytesError{Limit: 1}, 413, "", true},
	}
	for _, tt := range tests {
		logs.Reset()
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/x/y?key=1", nil)
		wr.Error(w, r, "rid-1", tt.err)
		var p config.Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatal(err, w.Body.String())
		}
		if w.Code != tt.status || p.Status != tt.status || p.Detail != tt.detail || p.RequestID != "rid-1" || p.Instance != "/x/y" ||
			w.Header().Get("Content-Type") != "application/problem+json" || !strings.HasPrefix(p.Type, TypePrefix) || p.Title == "" {
			t.Errorf("%v: %d %s", tt.err, w.Code, w.Body.String())
		}
		if strings.Contains(w.Body.String(), "secret") || strings.Contains(w.Body.String(), "refused") {
			t.Errorf("cause leaked: %s", w.Body.String())
		}
		if got := strings.Contains(logs.String(), "rid-1"); got != tt.logged {
			t.Errorf("%v: logged=%v: %s", tt.err, got, logs.String())
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"plain", "q\"b\\s", "ctl\x00\x01\n\r\t", "<&>", "bad\xffutf8", "é ✓ \u2028", ""} {
		got := AppendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q → %s: %v", s, got, err)
		}
		want, _ := json.Marshal(s)
		if string(got) != string(want) {
			t.Errorf("%q: %s, encoding/json %s", s, got, want)
		}
	}
}

func TestWriteProblem(t *testing.T) {
	w := httptest.NewRecorder()
	WriteProblem(w, config.Problem{Type: "t", Title: "Invalid", Status: 422, Errors: []config.FieldError{{Field: "owners[0].name", Message: "required"}}})
	var p config.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "owners[0].name" {
		t.Fatal(err, w.Code, w.Body.String())
	}
}
