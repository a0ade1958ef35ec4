package cli

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	"github.com/gwctl/gwctl/publish"
)

// TestPublishGolden runs the render/diff/publish/rollback/consumers cases
// under testdata/publish/cli through Main, in process: options → output.
//
// A case is a directory testdata/publish/cli/<case>/ with args (one argument
// per line), stdout.golden, stderr.golden and exit. Each runs in a temporary
// copy of testdata/publish/cli/_project (a gwctl.yaml and specs), with the
// JWT secret it names set and no gateway in the environment. -update
// rewrites the expectations.
func TestPublishGolden(t *testing.T) {
	root := repoRoot(t)
	casesDir := filepath.Join(root, "testdata", "publish", "cli")
	entries, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		dir := filepath.Join(casesDir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			args := readArgs(t, filepath.Join(dir, "args"))
			work := t.TempDir()
			if w, err := filepath.EvalSymlinks(work); err == nil {
				work = w
			}
			copyTree(t, filepath.Join(casesDir, "_project"), work)
			if err := os.Mkdir(filepath.Join(work, ".git"), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Chdir(work)
			t.Setenv("SHOP_JWT_SECRET", "0123456789abcdef0123456789abcdef")
			t.Setenv(GatewayEnv, "")
			t.Setenv("GWCTL_TOKEN", "")

			ios, _, out, errOut := iostreams.Test()
			code := Main(context.Background(), args, ios)
			got := map[string]string{
				"stdout.golden": normalize(out.String(), work),
				"stderr.golden": normalize(errOut.String(), work),
				"exit":          strconv.Itoa(code) + "\n",
			}
			for _, name := range []string{"exit", "stdout.golden", "stderr.golden"} {
				path := filepath.Join(dir, name)
				if *update {
					writeGolden(t, path, got[name])
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./cmd/internal/cli -run TestPublishGolden -update)", err)
				}
				if got[name] != string(want) {
					t.Errorf("%s differs (run with -update to accept, then review the diff):\n%s", name, firstDiff(got[name], string(want)))
				}
			}
		})
	}
}

// TestRenderDeterministic: the same input renders the same bytes.
func TestRenderDeterministic(t *testing.T) {
	t.Chdir(filepath.Join(repoRoot(t), "testdata", "publish", "cli", "_project"))
	t.Setenv("SHOP_JWT_SECRET", "0123456789abcdef0123456789abcdef")
	var first string
	for i := 0; i < 3; i++ {
		ios, _, out, errOut := iostreams.Test()
		if code := Main(context.Background(), []string{"render", "--format", "json"}, ios); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if i == 0 {
			first = out.String()
		} else if out.String() != first {
			t.Fatalf("render %d differs", i)
		}
	}
	if strings.Contains(first, "0123456789abcdef") {
		t.Errorf("render printed the JWT secret")
	}
}

func TestNewCmdRenderFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    RenderOptions
		wantErr string
	}{
		{args: nil, want: RenderOptions{Format: "yaml"}},
		{
			args: []string{"a.yaml", "dir", "--owner", "shop", "--env", "dev", "-c", "x.yaml", "--upstream", "orders=http://o:1", "--upstream", "users=http://u:2", "--format", "json", "--mock"},
			want: RenderOptions{Format: "json", Specs: SpecInput{
				Paths: []string{"a.yaml", "dir"}, ConfigPath: "x.yaml", Env: "dev", Owner: "shop",
				Upstreams: map[string]string{"orders": "http://o:1", "users": "http://u:2"}, Mock: publish.MockMissing,
			}},
		},
		{args: []string{"--format", "xml"}, wantErr: `invalid --format "xml"`},
		{args: []string{"--upstream", "orders"}, wantErr: "want SERVICE=URL"},
		{args: []string{"--upstream", "=http://x"}, wantErr: "want SERVICE=URL"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *RenderOptions
			cmd := NewCmdRender(ios, func(_ context.Context, o *RenderOptions) error { got = o; return nil })
			cmd.SetArgs(append([]string{}, tt.args...))
			err := cmd.Execute()
			checkFlagResult(t, err, tt.wantErr, func() {
				got.IO = nil
				if len(got.Specs.Paths) == 0 {
					got.Specs.Paths = nil // cobra passes an empty slice
				}
				if !reflect.DeepEqual(*got, tt.want) {
					t.Errorf("options = %+v, want %+v", *got, tt.want)
				}
			})
		})
	}
}

func checkFlagResult(t *testing.T, err error, wantErr string, ok func()) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		if exitCode(err) != ExitInput {
			t.Errorf("exit code %d, want %d", exitCode(err), ExitInput)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	ok()
}

func TestNewCmdDiffFlags(t *testing.T) {
	t.Setenv(GatewayEnv, "http://from-env:8001")
	t.Setenv("GWCTL_TOKEN", "tok")
	tests := []struct {
		args    []string
		want    DiffOptions
		wantErr string
	}{
		{args: nil, want: DiffOptions{Format: "text", Gateway: GatewayInput{URL: "http://from-env:8001", Token: "tok"}}},
		{
			args: []string{"--gateway", "http://flag:8001", "--exit-code", "--format", "json", "--owner", "o"},
			want: DiffOptions{Format: "json", ExitCode: true, Specs: SpecInput{Owner: "o"}, Gateway: GatewayInput{URL: "http://flag:8001", Token: "tok"}},
		},
		{args: []string{"--format", "yaml"}, wantErr: `invalid --format "yaml"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *DiffOptions
			cmd := NewCmdDiff(ios, func(_ context.Context, o *DiffOptions) error { got = o; return nil })
			cmd.SetArgs(append([]string{}, tt.args...))
			checkFlagResult(t, cmd.Execute(), tt.wantErr, func() {
				got.IO = nil
				if len(got.Specs.Paths) == 0 {
					got.Specs.Paths = nil // cobra passes an empty slice
				}
				if !reflect.DeepEqual(*got, tt.want) {
					t.Errorf("options = %+v, want %+v", *got, tt.want)
				}
			})
		})
	}
}

func TestNewCmdPublishFlags(t *testing.T) {
	t.Setenv(GatewayEnv, "")
	t.Setenv("GWCTL_TOKEN", "")
	tests := []struct {
		args    []string
		check   func(*PublishOptions) bool
		wantErr string
	}{
		{args: nil, check: func(o *PublishOptions) bool {
			return !o.DryRun && !o.Yes && !o.SkipLint && o.WaitTimeout == 30*time.Second && len(o.Rules) > 0 && o.Builtin != nil
		}},
		{args: []string{"specs", "--dry-run", "--yes", "--skip-lint", "--wait-timeout", "1m", "--gateway", "http://g:1"}, check: func(o *PublishOptions) bool {
			return o.DryRun && o.Yes && o.SkipLint && o.WaitTimeout == time.Minute && o.Gateway.URL == "http://g:1" && reflect.DeepEqual(o.Specs.Paths, []string{"specs"})
		}},
		{args: []string{"-y"}, check: func(o *PublishOptions) bool { return o.Yes }},
		{args: []string{"--wait-timeout", "0s"}, wantErr: "--wait-timeout"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *PublishOptions
			cmd := NewCmdPublish(ios, func(_ context.Context, o *PublishOptions) error { got = o; return nil })
			cmd.SetArgs(append([]string{}, tt.args...))
			checkFlagResult(t, cmd.Execute(), tt.wantErr, func() {
				if !tt.check(got) {
					t.Errorf("options = %+v", *got)
				}
			})
		})
	}
}

func TestNewCmdRollbackFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *RollbackOptions
	cmd := NewCmdRollback(ios, func(_ context.Context, o *RollbackOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"abc123", "--yes", "--owner", "shop", "--gateway", "http://g:1"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Revision != "abc123" || !got.Yes || got.Owner != "shop" || got.Gateway.URL != "http://g:1" || got.WaitTimeout != 30*time.Second {
		t.Errorf("options = %+v", *got)
	}
	cmd = NewCmdRollback(ios, func(context.Context, *RollbackOptions) error { return nil })
	cmd.SetArgs([]string{"a", "b"})
	if err := cmd.Execute(); exitCode(err) != ExitInput {
		t.Errorf("two revisions: %v", err)
	}
}

func TestNewCmdConsumersAddFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    func(*ConsumersOptions) bool
		wantErr string
	}{
		{args: []string{"app", "--scopes", "a, b,,a"}, want: func(o *ConsumersOptions) bool {
			return o.Name == "app" && reflect.DeepEqual(o.Scopes, []string{"a", "b"})
		}},
		{args: []string{"app", "--key", "k-0123456789", "--basic-user", "bob", "--basic-password-stdin"}, want: func(o *ConsumersOptions) bool {
			return o.Key == "k-0123456789" && o.BasicUser == "bob" && o.BasicPasswordStdin
		}},
		{args: []string{"app", "--basic-user", "bob"}, wantErr: "--basic-password-stdin"},
		{args: []string{"app", "--basic-password-stdin"}, wantErr: "--basic-user"},
		{args: []string{}, wantErr: "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *ConsumersOptions
			cmd := NewCmdConsumersAdd(ios, func(_ context.Context, o *ConsumersOptions) error { got = o; return nil })
			cmd.SetArgs(append([]string{}, tt.args...))
			checkFlagResult(t, cmd.Execute(), tt.wantErr, func() {
				if !tt.want(got) {
					t.Errorf("options = %+v", *got)
				}
			})
		})
	}
}

func TestNewCmdDevFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    func(*DevOptions) bool
		wantErr string
	}{
		{args: nil, want: func(o *DevOptions) bool {
			return o.Listen == "127.0.0.1:8000" && o.AdminListen == "127.0.0.1:0" && o.Specs.Mock == publish.MockMissing && o.Poll == 500*time.Millisecond
		}},
		{args: []string{"specs", "--mock-all", "--listen", "127.0.0.1:0", "--data", "d"}, want: func(o *DevOptions) bool {
			return o.Specs.Mock == publish.MockAll && o.Listen == "127.0.0.1:0" && o.DataDir == "d" && reflect.DeepEqual(o.Specs.Paths, []string{"specs"})
		}},
		{args: []string{"--admin-listen", "0.0.0.0:8001"}, wantErr: "loopback"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *DevOptions
			cmd := NewCmdDev(ios, func(_ context.Context, o *DevOptions) error { got = o; return nil })
			cmd.SetArgs(append([]string{}, tt.args...))
			checkFlagResult(t, cmd.Execute(), tt.wantErr, func() {
				if !tt.want(got) {
					t.Errorf("options = %+v", *got)
				}
			})
		})
	}
}

// TestConfirm: a prompt needs a terminal; y/yes accept, anything else refuses.
func TestConfirm(t *testing.T) {
	for _, tc := range []struct {
		tty   bool
		input string
		want  bool
		usage bool
	}{
		{tty: false, usage: true},
		{tty: true, input: "y\n", want: true},
		{tty: true, input: "YES\n", want: true},
		{tty: true, input: "\n"},
		{tty: true, input: "no\n"},
		{tty: true, input: ""},
	} {
		ios, in, _, errOut := iostreams.Test()
		ios.SetTTY(tc.tty)
		in.WriteString(tc.input)
		got, err := confirm(ios, "Go?")
		if tc.usage {
			if exitCode(err) != ExitInput {
				t.Errorf("no TTY: err = %v", err)
			}
			continue
		}
		if err != nil || got != tc.want || !strings.Contains(errOut.String(), "Go? [y/N]") {
			t.Errorf("input %q: got %v, %v", tc.input, got, err)
		}
	}
}
