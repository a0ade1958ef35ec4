package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
)

// testConfig returns a valid config whose version is n: its service URL
// ends in /n, so a test can tell which commit it is looking at.
func testConfig(n, routes int) *config.Config {
	o := config.Owner{
		Name:     "shop",
		Services: []config.Service{{Name: "svc", URLs: []string{"http://127.0.0.1:9/" + strconv.Itoa(n)}}},
		Schemes: []config.Scheme{{Name: "jwt", Type: config.JWTAuth, JWT: &config.JWTScheme{Issuers: []config.Issuer{
			{Issuer: "https://i.example", Algorithms: []string{"HS256"}, Secret: "0123456789abcdef0123456789abcdef"},
		}}}},
	}
	for i := range routes {
		o.Routes = append(o.Routes, config.Route{
			ID: fmt.Sprintf("shop:GET /r/%d/{id}", i), Owner: "shop", Service: "svc", Method: "GET",
			Path: fmt.Sprintf("/r/%d/{id}", i), Security: []config.Requirement{{{Scheme: "jwt", Scopes: []string{"read"}}}},
		})
	}
	c := &config.Config{Owners: []config.Owner{o}}
	c.Normalize()
	c.Revision = c.ComputeRevision()
	return c
}

// version reads back the n of testConfig; -1 for an empty config.
func version(t testing.TB, c *config.Config) int {
	t.Helper()
	if len(c.Owners) == 0 {
		return -1
	}
	u := c.Owners[0].Services[0].URLs[0]
	n, err := strconv.Atoi(u[strings.LastIndexByte(u, '/')+1:])
	if err != nil {
		t.Fatalf("config has no version: %v", err)
	}
	return n
}

// newDir returns a directory for a store that OpenFile creates (t.TempDir
// itself has mode 0755, which OpenFile would warn about).
func newDir(t testing.TB) string {
	return filepath.Join(t.TempDir(), "store")
}

func open(t testing.TB, dir string) *FileStore {
	t.Helper()
	s, err := OpenFile(dir, nil)
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func commit(t testing.TB, s Store, expected string, c *config.Config) {
	t.Helper()
	if err := s.Commit(context.Background(), expected, c, config.RevisionInfo{Owner: "shop", Action: "publish"}); err != nil {
		t.Fatalf("Commit %s: %v", c.Revision, err)
	}
}

func current(t testing.TB, s Store) *config.Config {
	t.Helper()
	c, err := s.Current(context.Background())
	if err != nil {
		t.Fatalf("Current: %v", err)
	}
	return c
}

func revisionFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, revPrefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(m)
	return m
}

func TestOpenMissingDir(t *testing.T) {
	dir := filepath.Join(newDir(t), "a", "b", "store")
	s := open(t, dir)
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %#o, want 0700", st.Mode().Perm())
	}
	c := current(t, s)
	if c.Revision != "" || len(c.Owners) != 0 {
		t.Errorf("Current of an empty store = %+v", c)
	}
	revs, err := s.Revisions(context.Background())
	if err != nil || len(revs) != 0 {
		t.Errorf("Revisions = %v, %v", revs, err)
	}
	cons, err := s.Consumers(context.Background())
	if err != nil || len(cons) != 0 {
		t.Errorf("Consumers = %v, %v", cons, err)
	}
	if _, err := s.Revision(context.Background(), "abc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Revision(unknown) = %v, want ErrNotFound", err)
	}
	if w := s.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
}

func TestOpenNotADirectory(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFile(f, nil); err == nil {
		t.Fatal("OpenFile on a file succeeded")
	}
	if _, err := OpenFile("", nil); err == nil {
		t.Fatal(`OpenFile("") succeeded`)
	}
}

func TestCommitAndReopen(t *testing.T) {
	dir := newDir(t)
	s := open(t, dir)
	a, b := testConfig(1, 3), testConfig(2, 5)
	commit(t, s, "", a)
	commit(t, s, a.Revision, b)

	check := func(s *FileStore) {
		t.Helper()
		c := current(t, s)
		if c.Revision != b.Revision || version(t, c) != 2 || c.ComputeRevision() != b.Revision {
			t.Fatalf("Current = %s (v%d), want %s", c.Revision, version(t, c), b.Revision)
		}
		revs, err := s.Revisions(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(revs) != 2 || revs[0].Revision != b.Revision || revs[0].Previous != a.Revision || revs[1].Revision != a.Revision || revs[1].Previous != "" {
			t.Fatalf("Revisions = %+v", revs)
		}
		if revs[0].Routes != 5 || revs[0].Owner != "shop" || revs[0].Action != "publish" || revs[0].CreatedAt.IsZero() {
			t.Errorf("info = %+v", revs[0])
		}
		old, err := s.Revision(context.Background(), a.Revision)
		if err != nil || old.Revision != a.Revision || version(t, old) != 1 {
			t.Fatalf("Revision(a) = %v, %v", old, err)
		}
		if secret := old.Owners[0].Schemes[0].JWT.Issuers[0].Secret; secret != "0123456789abcdef0123456789abcdef" {
			t.Errorf("secret not kept: %q", string(secret))
		}
	}
	check(s)
	s.Close()
	check(open(t, dir))
}

func TestCurrentIsACopy(t *testing.T) {
	s := open(t, newDir(t))
	commit(t, s, "", testConfig(1, 2))
	c := current(t, s)
	c.Owners[0].Routes[0].Path = "/changed"
	if current(t, s).Owners[0].Routes[0].Path == "/changed" {
		t.Error("Current returned shared state")
	}
	// Changing the committed value afterwards changes nothing either.
	next := testConfig(2, 2)
	commit(t, s, c.Revision, next)
	next.Owners[0].Name = "changed"
	if current(t, s).Owners[0].Name != "shop" {
		t.Error("Commit kept a reference to its argument")
	}
}

func TestCommitCAS(t *testing.T) {
	dir := newDir(t)
	s := open(t, dir)
	a, b, c := testConfig(1, 1), testConfig(2, 1), testConfig(3, 1)
	commit(t, s, "", a)

	ctx := context.Background()
	for _, expected := range []string{"", b.Revision, "bogus"} {
		if err := s.Commit(ctx, expected, c, config.RevisionInfo{}); !errors.Is(err, ErrConflict) {
			t.Errorf("Commit(expected %q) = %v, want ErrConflict", expected, err)
		}
	}
	if got := current(t, s).Revision; got != a.Revision {
		t.Fatalf("live %s after conflicts, want %s", got, a.Revision)
	}
	// The live revision again: a no-op that writes nothing.
	before := revisionFiles(t, dir)
	commit(t, s, a.Revision, testConfig(1, 1))
	if after := revisionFiles(t, dir); !slices.Equal(before, after) {
		t.Errorf("no-op commit wrote files: %v → %v", before, after)
	}
	// A wrong revision id is refused before anything else.
	bad := testConfig(4, 1)
	bad.Revision = b.Revision
	if err := s.Commit(ctx, a.Revision, bad, config.RevisionInfo{}); err == nil || errors.Is(err, ErrConflict) {
		t.Errorf("Commit with a wrong revision id = %v", err)
	}
	unset := testConfig(4, 1)
	unset.Revision = ""
	if err := s.Commit(ctx, a.Revision, unset, config.RevisionInfo{}); err == nil {
		t.Error("Commit with no revision id succeeded")
	}
	if err := s.Commit(ctx, a.Revision, nil, config.RevisionInfo{}); err == nil {
		t.Error("Commit(nil) succeeded")
	}
	// Back to empty (the last owner deleted) is a revision too.
	commit(t, s, a.Revision, &config.Config{})
	if got := current(t, s); got.Revision != "" || len(got.Owners) != 0 {
		t.Errorf("Current after emptying = %+v", got)
	}
	if revs, _ := s.Revisions(ctx); len(revs) != 2 || revs[0].Revision != "" || revs[0].Previous != a.Revision {
		t.Errorf("Revisions = %+v", revs)
	}
}

func TestCommitUnnormalized(t *testing.T) {
	s := open(t, newDir(t))
	c := testConfig(1, 3)
	slices.Reverse(c.Owners[0].Routes) // same content, other order
	commit(t, s, "", c)
	if got := current(t, s); got.Revision != c.Revision || got.ComputeRevision() != c.Revision {
		t.Errorf("Current = %s", got.Revision)
	}
}

func TestPruning(t *testing.T) {
	dir := newDir(t)
	s := open(t, dir)
	prev := ""
	var all []string
	for i := range 25 {
		c := testConfig(i, 1)
		commit(t, s, prev, c)
		prev = c.Revision
		all = append(all, c.Revision)
	}
	check := func(s *FileStore) {
		t.Helper()
		if n := len(revisionFiles(t, dir)); n != 20 {
			t.Errorf("%d revision files, want 20", n)
		}
		revs, err := s.Revisions(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(revs) != 20 {
			t.Fatalf("%d revisions, want 20", len(revs))
		}
		for i, r := range revs {
			if want := all[24-i]; r.Revision != want {
				t.Errorf("revs[%d] = %s, want %s", i, r.Revision, want)
			}
		}
		if _, err := s.Revision(context.Background(), all[4]); !errors.Is(err, ErrNotFound) {
			t.Errorf("pruned revision: %v, want ErrNotFound", err)
		}
		if c, err := s.Revision(context.Background(), all[5]); err != nil || version(t, c) != 5 {
			t.Errorf("oldest kept revision: %v", err)
		}
	}
	check(s)
	s.Close()
	check(open(t, dir))
}

// damage changes the newest revision file of dir.
func damage(t *testing.T, dir string, how func([]byte) []byte) string {
	t.Helper()
	files := revisionFiles(t, dir)
	newest := files[len(files)-1]
	b, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newest, how(b), 0o600); err != nil {
		t.Fatal(err)
	}
	return filepath.Base(newest)
}

func TestDamagedNewestRevision(t *testing.T) {
	tests := []struct {
		name string
		how  func([]byte) []byte
	}{
		{"bit flip in config", func(b []byte) []byte {
			i := bytes.Index(b, []byte("127.0.0.1"))
			b[i] = '2'
			return b
		}},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
		{"empty", func([]byte) []byte { return nil }},
		{"last byte missing", func(b []byte) []byte { return b[:len(b)-2] }},
		{"garbage", func([]byte) []byte { return []byte("\x00\x01not json") }},
		{"checksum of other content", func(b []byte) []byte {
			// A valid envelope whose body claims another revision id.
			return encodeEnvelope(bytes.Replace(extractBody(t, b), []byte(`/3"`), []byte(`/9"`), 1))
		}},
		{"sequence of another file", func(b []byte) []byte {
			return encodeEnvelope(bytes.Replace(extractBody(t, b), []byte(`{"seq":3,`), []byte(`{"seq":2,`), 1))
		}},
		{"future format", func(b []byte) []byte { return bytes.Replace(b, []byte(`"format":1`), []byte(`"format":2`), 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newDir(t)
			s := open(t, dir)
			prev := ""
			for i := 1; i <= 3; i++ {
				c := testConfig(i, 2)
				commit(t, s, prev, c)
				prev = c.Revision
			}
			s.Close()
			name := damage(t, dir, tt.how)

			var logs bytes.Buffer
			s2, err := OpenFile(dir, slog.New(slog.NewJSONHandler(&logs, nil)))
			if err != nil {
				t.Fatalf("OpenFile: %v", err)
			}
			defer s2.Close()
			c := current(t, s2)
			if version(t, c) != 2 || c.Revision != testConfig(2, 2).Revision {
				t.Fatalf("serving v%d, want the previous valid revision v2", version(t, c))
			}
			w := s2.Warnings()
			if len(w) != 1 || !strings.Contains(w[0], name) || !strings.Contains(w[0], "previous valid revision is served") {
				t.Errorf("warnings %q", w)
			}
			if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), name) {
				t.Errorf("no error logged: %s", logs.String())
			}
			revs, _ := s2.Revisions(context.Background())
			if len(revs) != 2 || revs[0].Revision != c.Revision {
				t.Errorf("Revisions = %+v", revs)
			}
			// Publishing continues on top of the served revision, after
			// the damaged file.
			next := testConfig(4, 2)
			commit(t, s2, c.Revision, next)
			s2.Close()
			if got := version(t, current(t, open(t, dir))); got != 4 {
				t.Errorf("after reopening: v%d, want v4", got)
			}
		})
	}
}

func extractBody(t *testing.T, file []byte) []byte {
	t.Helper()
	i := bytes.Index(file, []byte(`"body":`))
	if i < 0 {
		t.Fatal("no body")
	}
	return bytes.TrimSuffix(bytes.TrimSpace(file[i+len(`"body":`):]), []byte("}"))
}

func TestAllRevisionsDamaged(t *testing.T) {
	dir := newDir(t)
	s := open(t, dir)
	commit(t, s, "", testConfig(1, 1))
	s.Close()
	damage(t, dir, func(b []byte) []byte { return b[:10] })
	if s, err := OpenFile(dir, nil); err == nil {
		s.Close()
		t.Fatal("OpenFile served a store whose only revision is damaged")
	} else if !strings.Contains(err.Error(), "refusing to serve an empty configuration") {
		t.Errorf("error %v", err)
	}
	// The lock was released on failure.
	os.Remove(revisionFiles(t, dir)[0])
	open(t, dir)
}

func TestAbandonedTempFiles(t *testing.T) {
	dir := newDir(t)
	s := open(t, dir)
	commit(t, s, "", testConfig(1, 1))
	s.Close()
	tmp := filepath.Join(dir, tmpPrefix+seqName(revPrefix, 2)+"-123")
	if err := os.WriteFile(tmp, []byte(`{"format":1,"sha`), 0o600); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary file still there: %v", err)
	}
	if version(t, current(t, s)) != 1 || len(s.Warnings()) != 0 {
		t.Errorf("v%d, warnings %q", version(t, current(t, s)), s.Warnings())
	}
}

func TestLocked(t *testing.T) {
	dir := newDir(t)
	s := open(t, dir)
	if _, err := OpenFile(dir, nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("second OpenFile = %v, want ErrLocked", err)
	}
	s.Close()
	s2 := open(t, dir)
	s2.Close()
}

func TestPermissions(t *testing.T) {
	dir := newDir(t)
	s := open(t, dir)
	commit(t, s, "", testConfig(1, 1))
	ctx := context.Background()
	if err := s.PutConsumer(ctx, config.Consumer{ID: "c1"}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", e.Name(), info.Mode().Perm())
		}
	}
	s.Close()

	// A directory others can read is reported.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	if w := s.Warnings(); len(w) != 1 || !strings.Contains(w[0], "0755") {
		t.Errorf("warnings %q", w)
	}
	s.Close()

	if os.Geteuid() == 0 {
		t.Skip("root ignores file permissions")
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	// The lock file exists, so opening works; writing does not, and
	// leaves the live revision as it was.
	s = open(t, dir)
	if err := s.Commit(ctx, current(t, s).Revision, testConfig(2, 1), config.RevisionInfo{}); err == nil {
		t.Error("Commit into a read-only directory succeeded")
	}
	if version(t, current(t, s)) != 1 {
		t.Error("failed commit changed the live revision")
	}
	if _, err := OpenFile(filepath.Join(dir, "sub"), nil); err == nil {
		t.Error("OpenFile created a directory inside a read-only one")
	}
}

// A failure at any step of a write leaves the live revision as it was, in
// memory and on disk, and no stray files.
func TestWriteFaults(t *testing.T) {
	for _, step := range []string{"write", "sync", "rename", "syncdir"} {
		t.Run(step, func(t *testing.T) {
			dir := newDir(t)
			s := open(t, dir)
			a := testConfig(1, 1)
			commit(t, s, "", a)
			ctx := context.Background()
			if err := s.PutConsumer(ctx, config.Consumer{ID: "c1"}); err != nil {
				t.Fatal(err)
			}
			faultHook = func(got, _ string) error {
				if got == step {
					return errors.New("injected " + step)
				}
				return nil
			}
			t.Cleanup(func() { faultHook = nil })
			before := revisionFiles(t, dir)
			if err := s.Commit(ctx, a.Revision, testConfig(2, 1), config.RevisionInfo{}); err == nil || !strings.Contains(err.Error(), "injected") {
				t.Fatalf("Commit = %v", err)
			}
			if err := s.PutConsumer(ctx, config.Consumer{ID: "c2"}); err == nil {
				t.Fatal("PutConsumer succeeded")
			}
			faultHook = nil
			if version(t, current(t, s)) != 1 {
				t.Error("failed commit changed the live revision")
			}
			if after := revisionFiles(t, dir); !slices.Equal(before, after) {
				t.Errorf("files %v → %v", before, after)
			}
			if m, _ := filepath.Glob(filepath.Join(dir, tmpPrefix+"*")); len(m) != 0 {
				t.Errorf("temporary files left: %v", m)
			}
			s.Close()
			s = open(t, dir)
			if version(t, current(t, s)) != 1 {
				t.Error("failed commit is live after reopening")
			}
			if cs, _ := s.Consumers(ctx); len(cs) != 1 {
				t.Errorf("consumers %v", cs)
			}
			// And the store still works.
			commit(t, s, a.Revision, testConfig(2, 1))
		})
	}
}

func TestConcurrentCommits(t *testing.T) {
	dir := newDir(t)
	s := open(t, dir)
	ctx := context.Background()
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		committed []string
		conflicts int
	)
	for w := range 6 {
		wg.Go(func() {
			for i := range 10 {
				for {
					cur := current(t, s)
					next := testConfig(1000*w+i, 2)
					err := s.Commit(ctx, cur.Revision, next, config.RevisionInfo{Owner: "shop"})
					if errors.Is(err, ErrConflict) {
						mu.Lock()
						conflicts++
						mu.Unlock()
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					committed = append(committed, next.Revision)
					mu.Unlock()
					break
				}
			}
		})
		wg.Go(func() { // readers alongside
			for range 30 {
				if c := current(t, s); c.Revision != c.ComputeRevision() {
					t.Error("Current returned a torn config")
				}
				if _, err := s.Revisions(ctx); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if len(committed) != 60 {
		t.Fatalf("%d commits, want 60", len(committed))
	}
	revs, _ := s.Revisions(ctx)
	if len(revs) != 20 {
		t.Fatalf("%d revisions", len(revs))
	}
	// Each revision's Previous is the one committed before it: no commit
	// was lost to a race.
	for i := 0; i+1 < len(revs); i++ {
		if revs[i].Previous != revs[i+1].Revision {
			t.Errorf("revs[%d].Previous = %s, revs[%d] = %s", i, revs[i].Previous, i+1, revs[i+1].Revision)
		}
	}
	if revs[0].Revision != committed[len(committed)-1] {
		t.Errorf("newest %s, last committed %s", revs[0].Revision, committed[len(committed)-1])
	}
	t.Logf("%d conflicts retried", conflicts)
}

func TestConsumers(t *testing.T) {
	dir := newDir(t)
	s := open(t, dir)
	ctx := context.Background()
	keyHash := strings.Repeat("ab", 32)
	bcryptHash := "$2a$04$dIMXqVGS.8tVvdJUvnlMquFz5F/.vZVqL3TE6dSkQ9o2Fmq6R3i3m" // "pw", cost 4
	alice := config.Consumer{ID: "c-alice", Name: "alice", Scopes: []string{"a"}, CreatedAt: time.Unix(1, 0).UTC(),
		Credentials: []config.Credential{{ID: "k1", Type: config.KeyAuth, KeyHash: keyHash, KeyHint: "gw_ab"}}}
	bob := config.Consumer{ID: "c-bob", Name: "bob",
		Credentials: []config.Credential{{ID: "b1", Type: config.BasicAuth, Username: "bob", PasswordHash: bcryptHash}}}
	for _, c := range []config.Consumer{bob, alice} {
		if err := s.PutConsumer(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	// Replace by id.
	alice.Name = "Alice"
	if err := s.PutConsumer(ctx, alice); err != nil {
		t.Fatal(err)
	}
	check := func(s *FileStore) {
		t.Helper()
		cs, err := s.Consumers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || cs[0].ID != "c-alice" || cs[0].Name != "Alice" || cs[1].ID != "c-bob" ||
			cs[0].Credentials[0].KeyHash != keyHash || !cs[0].CreatedAt.Equal(alice.CreatedAt) {
			t.Fatalf("Consumers = %+v", cs)
		}
	}
	check(s)
	cs, _ := s.Consumers(ctx)
	cs[0].Scopes[0] = "changed"
	if cs2, _ := s.Consumers(ctx); cs2[0].Scopes[0] != "a" {
		t.Error("Consumers returned shared state")
	}

	bad := []struct {
		name string
		c    config.Consumer
		want error
	}{
		{"no id", config.Consumer{Name: "x"}, nil},
		{"plain key", config.Consumer{ID: "x", Credentials: []config.Credential{{ID: "k", Type: config.KeyAuth, KeyHash: "gw_plainkey"}}}, nil},
		{"upper-case hash", config.Consumer{ID: "x", Credentials: []config.Credential{{ID: "k", Type: config.KeyAuth, KeyHash: strings.ToUpper(strings.Repeat("ac", 32))}}}, nil},
		{"plain password", config.Consumer{ID: "x", Credentials: []config.Credential{{ID: "b", Type: config.BasicAuth, Username: "x", PasswordHash: "hunter2"}}}, nil},
		{"unknown type", config.Consumer{ID: "x", Credentials: []config.Credential{{ID: "o", Type: "oauth"}}}, nil},
		{"key of another consumer", config.Consumer{ID: "x", Credentials: []config.Credential{{ID: "k", Type: config.KeyAuth, KeyHash: keyHash}}}, ErrConflict},
		{"username of another consumer", config.Consumer{ID: "x", Credentials: []config.Credential{{ID: "b", Type: config.BasicAuth, Username: "bob", PasswordHash: bcryptHash}}}, ErrConflict},
	}
	for _, tt := range bad {
		err := s.PutConsumer(ctx, tt.c)
		if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: PutConsumer = %v, want %v", tt.name, err, tt.want)
		}
	}
	check(s)
	s.Close()
	s = open(t, dir)
	check(s)

	if err := s.DeleteConsumer(ctx, "c-bob"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConsumer(ctx, "c-bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete = %v, want ErrNotFound", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, consPrefix+"*")); len(m) != keepCons {
		t.Errorf("%d consumers files, want %d", len(m), keepCons)
	}
	s.Close()

	// A damaged newest consumers file: the previous list, loudly.
	m, _ := filepath.Glob(filepath.Join(dir, consPrefix+"*"))
	slices.Sort(m)
	if err := os.WriteFile(m[len(m)-1], []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	if cs, _ := s.Consumers(ctx); len(cs) != 2 {
		t.Errorf("consumers after damage: %+v", cs)
	}
	if w := s.Warnings(); len(w) != 1 || !strings.Contains(w[0], "consumers") {
		t.Errorf("warnings %q", w)
	}
}

func TestWatch(t *testing.T) {
	s := open(t, newDir(t))
	ctx, cancel := context.WithCancel(context.Background())
	ch := s.Watch(ctx)
	other := s.Watch(context.Background())
	wait := func(ch <-chan struct{}, what string) {
		t.Helper()
		select {
		case _, ok := <-ch:
			if !ok {
				t.Fatalf("%s: channel closed", what)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no signal", what)
		}
	}
	commit(t, s, "", testConfig(1, 1))
	wait(ch, "commit")
	if err := s.PutConsumer(context.Background(), config.Consumer{ID: "c"}); err != nil {
		t.Fatal(err)
	}
	wait(ch, "consumer")
	// Several changes without a reader coalesce into one signal.
	commit(t, s, testConfig(1, 1).Revision, testConfig(2, 1))
	commit(t, s, testConfig(2, 1).Revision, testConfig(3, 1))
	wait(other, "coalesced")
	select {
	case <-other:
		t.Fatal("more than one pending signal")
	default:
	}
	cancel()
	for range ch { // drains the pending signal, ends when closed
	}
	s.Close()
	for range other {
	}
	if _, ok := <-s.Watch(context.Background()); ok {
		t.Error("Watch on a closed store signalled")
	}
}

func TestClosed(t *testing.T) {
	s := open(t, newDir(t))
	s.Close()
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	ctx := context.Background()
	if _, err := s.Current(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Current = %v", err)
	}
	if err := s.Commit(ctx, "", testConfig(1, 1), config.RevisionInfo{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Commit = %v", err)
	}
	if err := s.PutConsumer(ctx, config.Consumer{ID: "c"}); !errors.Is(err, ErrClosed) {
		t.Errorf("PutConsumer = %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	s2 := open(t, newDir(t))
	if _, err := s2.Current(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Current(cancelled) = %v", err)
	}
}

func BenchmarkCommit10kRoutes(b *testing.B) {
	s := open(b, newDir(b))
	cfgs := []*config.Config{testConfig(1, 10_000), testConfig(2, 10_000)}
	ctx := context.Background()
	prev := ""
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := cfgs[i%2]
		if err := s.Commit(ctx, prev, c, config.RevisionInfo{}); err != nil {
			b.Fatal(err)
		}
		prev = c.Revision
		i++
	}
}

func BenchmarkCurrent10kRoutes(b *testing.B) {
	s := open(b, newDir(b))
	commit(b, s, "", testConfig(1, 10_000))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Current(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
