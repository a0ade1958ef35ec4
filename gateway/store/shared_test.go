package store

import (
	"context"
	"slices"
	"testing"

	"github.com/gwctl/gwctl/gateway/config"
)

// TestShared: CurrentShared hands out the live value itself and
// CommitOwned keeps its argument; Current and Commit still copy; a config
// read back after a reopen is normalized (so sharing it is read-only).
func TestShared(t *testing.T) {
	dir := newDir(t)
	s := open(t, dir)
	ctx := context.Background()
	a := testConfig(1, 3)
	if err := s.CommitOwned(ctx, "", a, config.RevisionInfo{Owner: "shop", Action: "publish"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.CurrentShared(ctx)
	if err != nil || got != a {
		t.Fatalf("CurrentShared = %p, %v; want the committed %p", got, err, a)
	}
	if c := current(t, s); c == a || &c.Owners[0] == &a.Owners[0] {
		t.Error("Current shares the live value")
	}
	b := testConfig(2, 3)
	commit(t, s, a.Revision, b)
	if got, _ := s.CurrentShared(ctx); got == b || got.Revision != b.Revision {
		t.Errorf("Commit kept its argument or did not commit: %p %s", got, got.Revision)
	}
	// Unnormalized content is normalized before it is stored.
	c := testConfig(3, 3)
	slices.Reverse(c.Owners[0].Routes)
	if err := s.CommitOwned(ctx, b.Revision, c, config.RevisionInfo{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	live, err := open(t, dir).CurrentShared(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := live.Owners[0].Routes[0].Path
	live.Owners[0].Normalize() // a no-op on a stored config: nothing to write
	if live.Revision != c.Revision || live.Owners[0].Routes[0].Path != before || !slices.IsSortedFunc(live.Owners[0].Routes,
		func(x, y config.Route) int { return cmpString(x.Path, y.Path) }) {
		t.Errorf("reloaded live config not normalized: %s %v", live.Revision, live.Owners[0].Routes)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
