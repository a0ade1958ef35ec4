//go:build !windows

package store

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
)

const (
	crashEnv   = "GWCTL_STORE_CRASH_DIR"
	crashAtEnv = "GWCTL_STORE_CRASH_AT"
)

// TestHelperWriter is the writer process of the crash tests: it commits
// revisions (and, every third time, a consumer) in a loop and prints
// "committed <n>" after each Commit returns, until it is killed. With
// GWCTL_STORE_CRASH_AT=<step> it kills itself at that step of its second
// revision write.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("helper process for TestCrash")
	}
	if at := os.Getenv(crashAtEnv); at != "" {
		writes := 0
		faultHook = func(step, name string) error {
			if step == at && strings.HasPrefix(name, revPrefix) {
				if writes++; writes == 2 {
					syscall.Kill(os.Getpid(), syscall.SIGKILL)
					select {}
				}
			}
			return nil
		}
	}
	s, err := OpenFile(dir, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(3)
	}
	ctx := context.Background()
	for {
		cur, err := s.Current(ctx)
		if err != nil {
			os.Exit(4)
		}
		n := version(t, cur) + 1
		if err := s.Commit(ctx, cur.Revision, testConfig(n, 300), config.RevisionInfo{Action: "publish"}); err != nil {
			fmt.Fprintln(os.Stderr, "commit:", err)
			os.Exit(5)
		}
		fmt.Fprintf(os.Stdout, "committed %d\n", n)
		if n%3 == 0 {
			if err := s.PutConsumer(ctx, config.Consumer{ID: fmt.Sprintf("c%06d", n), Name: strings.Repeat("x", 2000)}); err != nil {
				os.Exit(6)
			}
		}
	}
}

// writer is a running TestHelperWriter.
type writer struct {
	cmd    *exec.Cmd
	acks   chan int
	stderr bytes.Buffer
}

func startWriter(t *testing.T, dir string, env ...string) *writer {
	t.Helper()
	w := &writer{cmd: exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1"), acks: make(chan int, 1000)}
	w.cmd.Env = append(append(os.Environ(), crashEnv+"="+dir), env...)
	w.cmd.Stderr = &w.stderr
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(w.acks)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
				n, _ := strconv.Atoi(v)
				w.acks <- n
			}
		}
	}()
	return w
}

// wait waits for the writer to die and returns the last acknowledged
// version (or last if none).
func (w *writer) wait(t *testing.T, last int) int {
	t.Helper()
	for n := range w.acks {
		last = n
	}
	err := w.cmd.Wait()
	ws, _ := w.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("writer ended with %v, not SIGKILL; stderr: %s", err, w.stderr.String())
	}
	return last
}

// checkAfterCrash opens the store and returns the served version, after
// checking it is complete and one of want.
func checkAfterCrash(t *testing.T, dir string, want ...int) int {
	t.Helper()
	s, err := OpenFile(dir, nil)
	if err != nil {
		t.Fatalf("OpenFile after kill: %v", err)
	}
	defer s.Close()
	c, err := s.Current(context.Background())
	if err != nil {
		t.Fatalf("Current: %v", err)
	}
	got := version(t, c)
	if !slices.Contains(want, got) {
		t.Fatalf("serving v%d, want one of %v", got, want)
	}
	if c.Revision != c.ComputeRevision() || c.Revision != testConfig(got, 300).Revision || len(c.Owners[0].Routes) != 300 {
		t.Fatalf("torn revision v%d", got)
	}
	if revs, _ := s.Revisions(context.Background()); len(revs) == 0 || revs[0].Revision != c.Revision {
		t.Fatalf("Revisions()[0] is not the live revision")
	}
	if w := s.Warnings(); len(w) > 0 {
		t.Errorf("warnings after a kill: %q", w)
	}
	if _, err := s.Consumers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, tmpPrefix+"*")); len(m) != 0 {
		t.Errorf("temporary files left after open: %v", m)
	}
	return got
}

// TestCrashAtEveryStep kills the writer at each step of a revision write:
// before the rename the old revision must be live, after it the new one
// (which Commit had not acknowledged: either is correct, this pins which).
func TestCrashAtEveryStep(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for _, tt := range []struct {
		step  string
		newer bool
	}{{"write", false}, {"sync", false}, {"rename", false}, {"syncdir", true}} {
		t.Run(tt.step, func(t *testing.T) {
			dir := newDir(t)
			acked := startWriter(t, dir, crashAtEnv+"="+tt.step).wait(t, -1)
			if acked != 0 {
				t.Fatalf("writer acknowledged v%d, want v0 (killed in its second write)", acked)
			}
			want := acked
			if tt.newer {
				want++
			}
			checkAfterCrash(t, dir, want)
			// And the store carries on from there.
			s := open(t, dir)
			commit(t, s, current(t, s).Revision, testConfig(want+1, 300))
		})
	}
}

// TestCrash kills a writer process at random moments, reusing the same
// directory; every time, the store must open and serve a complete revision
// that was committed: the last acknowledged one, or the one in flight.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := newDir(t)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	acked, inflight := -1, 0
	for range 12 {
		w := startWriter(t, dir)
		// Let it commit once, so that kills land in the loop rather than
		// during start-up; then a random delay.
		select {
		case n, ok := <-w.acks:
			if ok {
				acked = n
			}
		case <-time.After(30 * time.Second):
			t.Fatal("writer never committed")
		}
		time.Sleep(time.Duration(rng.IntN(300_000)) * time.Microsecond)
		if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		acked = w.wait(t, acked)
		got := checkAfterCrash(t, dir, acked, acked+1)
		if got != acked {
			inflight++
		}
		acked = got
	}
	t.Logf("seed %d: %d commits; %d kills found the in-flight commit live", seed, acked, inflight)
}
