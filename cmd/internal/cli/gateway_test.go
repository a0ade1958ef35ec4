package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	"github.com/gwctl/gwctl/gateway/config"
)

func TestNewCmdGatewayFlags(t *testing.T) {
	host, _ := os.Hostname()
	cases := []struct {
		name    string
		args    []string
		env     string
		want    GatewayOptions
		wantErr string
	}{
		{
			name: "defaults",
			want: GatewayOptions{Listen: "127.0.0.1:8000", AdminListen: "127.0.0.1:8001", DataDir: ".gwctl/data",
				NodeID: host, LogLevel: slog.LevelInfo, DrainTimeout: 30 * time.Second},
		},
		{
			name: "everything set",
			args: []string{"--listen", "0.0.0.0:9000", "--admin-listen", "10.1.2.3:9001", "--data", "/var/lib/gw",
				"--admin-token-file", "/run/token", "--node-id", "n7", "--log-level", "debug", "--drain-timeout", "5s"},
			env: "from-env",
			want: GatewayOptions{Listen: "0.0.0.0:9000", AdminListen: "10.1.2.3:9001", DataDir: "/var/lib/gw",
				AdminToken: "from-env", AdminTokenFile: "/run/token", NodeID: "n7", LogLevel: slog.LevelDebug, DrainTimeout: 5 * time.Second},
		},
		{name: "bad listen", args: []string{"--listen", "8000"}, wantErr: "--listen"},
		{name: "bad admin listen", args: []string{"--admin-listen", "localhost"}, wantErr: "--admin-listen"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: "--log-level"},
		{name: "bad drain", args: []string{"--drain-timeout", "-1s"}, wantErr: "--drain-timeout"},
		{name: "no data", args: []string{"--data", ""}, wantErr: "--data"},
		{name: "positional", args: []string{"extra"}, wantErr: "unknown command"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(EnvAdminToken, c.env)
			ios, _, _, _ := iostreams.Test()
			var got *GatewayOptions
			cmd := NewCmdGateway(ios, func(_ context.Context, o *GatewayOptions) error { got = o; return nil })
			cmd.SetArgs(c.args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if c.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.wantErr)
				assert.Equal(t, ExitInput, exitCode(err))
				return
			}
			require.NoError(t, err)
			got.IO = nil
			assert.Equal(t, c.want, *got)
		})
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8001": true, "127.1.2.3:1": true, "[::1]:8001": true, "localhost:8001": true,
		"0.0.0.0:8001": false, ":8001": false, "10.0.0.5:8001": false, "[::]:8001": false, "example.com:80": false, "nonsense": false,
	} {
		assert.Equal(t, want, isLoopback(addr), addr)
	}
}

func TestResolveAdminToken(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Run("file wins over env, trimmed", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "tok")
		require.NoError(t, os.WriteFile(f, []byte("\n file-token \n"), 0o600))
		tok, err := resolveAdminToken(&GatewayOptions{AdminTokenFile: f, AdminToken: "env", AdminListen: "0.0.0.0:1"}, log)
		require.NoError(t, err)
		assert.Equal(t, config.Secret("file-token"), tok)
	})
	t.Run("unreadable or empty file is bad input", func(t *testing.T) {
		_, err := resolveAdminToken(&GatewayOptions{AdminTokenFile: filepath.Join(t.TempDir(), "missing")}, log)
		assert.Equal(t, ExitInput, exitCode(err))
		f := filepath.Join(t.TempDir(), "empty")
		require.NoError(t, os.WriteFile(f, []byte(" \n"), 0o600))
		_, err = resolveAdminToken(&GatewayOptions{AdminTokenFile: f}, log)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "empty")
	})
	t.Run("env", func(t *testing.T) {
		tok, err := resolveAdminToken(&GatewayOptions{AdminToken: "env", AdminListen: "0.0.0.0:1"}, log)
		require.NoError(t, err)
		assert.Equal(t, config.Secret("env"), tok)
	})
	t.Run("exposed without token is refused", func(t *testing.T) {
		_, err := resolveAdminToken(&GatewayOptions{AdminListen: "0.0.0.0:8001", DataDir: t.TempDir()}, log)
		require.Error(t, err)
		assert.Contains(t, err.Error(), EnvAdminToken)
		var usage *UsageError
		assert.ErrorAs(t, err, &usage)
	})
	t.Run("loopback without token generates one, then reuses it", func(t *testing.T) {
		dir := t.TempDir()
		var logs strings.Builder
		l := slog.New(slog.NewJSONHandler(&logs, nil))
		opts := &GatewayOptions{AdminListen: "127.0.0.1:8001", DataDir: dir}
		tok, err := resolveAdminToken(opts, l)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, len(tok), 40)
		path := filepath.Join(dir, adminTokenFile)
		fi, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		assert.Contains(t, logs.String(), path)
		assert.NotContains(t, logs.String(), string(tok))

		again, err := resolveAdminToken(opts, l)
		require.NoError(t, err)
		assert.Equal(t, tok, again)

		// A token file others can read is tightened.
		require.NoError(t, os.Chmod(path, 0o644))
		_, err = resolveAdminToken(opts, l)
		require.NoError(t, err)
		fi, _ = os.Stat(path)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	})
}

func TestRunGatewayRefusesExposedAdminBeforeCreatingData(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	data := filepath.Join(t.TempDir(), "data")
	t.Setenv(EnvAdminToken, "")
	code := Main(context.Background(), []string{"gateway", "--admin-listen", "0.0.0.0:0", "--listen", "127.0.0.1:0", "--data", data}, ios)
	assert.Equal(t, ExitInput, code)
	assert.Contains(t, errOut.String(), "refusing")
	_, err := os.Stat(data)
	assert.True(t, os.IsNotExist(err))
}
