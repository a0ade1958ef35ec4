package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	"github.com/gwctl/gwctl/gateway"
	"github.com/gwctl/gwctl/gateway/admin"
	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/store"
)

// Environment variables `gwctl gateway` reads.
const (
	EnvAdminToken = "GWCTL_ADMIN_TOKEN"
)

// adminTokenFile is where a generated admin token is kept, inside --data.
const adminTokenFile = "admin-token"

// GatewayOptions holds what `gwctl gateway` uses.
type GatewayOptions struct {
	IO *iostreams.IOStreams

	Listen      string // proxy listener
	AdminListen string // admin API listener
	DataDir     string // file store directory

	// AdminToken comes from GWCTL_ADMIN_TOKEN; AdminTokenFile (read at
	// start, trimmed) wins over it.
	AdminToken     config.Secret
	AdminTokenFile string

	NodeID       string
	LogLevel     slog.Level
	DrainTimeout time.Duration
}

// NewCmdGateway builds `gwctl gateway`.
func NewCmdGateway(ios *iostreams.IOStreams, runF func(context.Context, *GatewayOptions) error) *cobra.Command {
	opts := &GatewayOptions{IO: ios}
	var logLevel string
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Run the bundled API gateway (proxy listener, admin API listener, file store)",
		Long: `Run the bundled API gateway: the proxy on --listen serves only the routes that
were published, the admin API on --admin-listen takes publishes, rollbacks and
consumers, and --data keeps every revision (it survives a crash at any moment).

The admin API needs a bearer token, from GWCTL_ADMIN_TOKEN or --admin-token-file.
On a loopback admin address without one, a token is generated and written to
<data>/admin-token (mode 0600); on any other address the gateway refuses to start
without a token.

SIGINT or SIGTERM stops accepting connections, lets in-flight requests finish
(up to --drain-timeout) and exits 0.`,
		Example: `  gwctl gateway
  GWCTL_ADMIN_TOKEN=$(cat token) gwctl gateway --listen :8000 --admin-listen 10.0.0.5:8001 --data /var/lib/gwctl`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			lvl, err := parseLogLevel(logLevel)
			if err != nil {
				return &UsageError{Err: err}
			}
			opts.LogLevel = lvl
			opts.AdminToken = config.Secret(strings.TrimSpace(os.Getenv(EnvAdminToken)))
			if opts.Listen == "" || opts.AdminListen == "" {
				return Usagef("--listen and --admin-listen need an address (host:port)")
			}
			for _, a := range []struct{ flag, addr string }{{"--listen", opts.Listen}, {"--admin-listen", opts.AdminListen}} {
				if _, _, err := net.SplitHostPort(a.addr); err != nil {
					return Usagef("%s %q: want host:port, e.g. 127.0.0.1:8000", a.flag, a.addr)
				}
			}
			if opts.DataDir == "" {
				return Usagef("--data needs a directory")
			}
			if opts.DrainTimeout <= 0 {
				return Usagef("--drain-timeout must be positive, e.g. 30s")
			}
			if opts.NodeID == "" {
				opts.NodeID = defaultNodeID()
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runGateway(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:8000", "proxy listen address (host:port; port 0 picks a free one)")
	f.StringVar(&opts.AdminListen, "admin-listen", "127.0.0.1:8001", "admin API listen address (host:port)")
	f.StringVar(&opts.DataDir, "data", filepath.Join(".gwctl", "data"), "directory of the file store (revisions, consumers)")
	f.StringVar(&opts.AdminTokenFile, "admin-token-file", "", "read the admin token from this file (default: $"+EnvAdminToken+")")
	f.StringVar(&opts.NodeID, "node-id", "", "this node's name in /admin/status (default: the hostname)")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.DurationVar(&opts.DrainTimeout, "drain-timeout", 30*time.Second, "how long shutdown waits for in-flight requests")
	return cmd
}

func parseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: use debug, info, warn or error", s)
	}
	return l, nil
}

func defaultNodeID() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "gateway"
	}
	return h
}

// isLoopback reports whether a listen address only accepts local
// connections. An empty host listens on every interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// resolveAdminToken picks the admin token: --admin-token-file, else
// GWCTL_ADMIN_TOKEN, else (loopback only) the generated <data>/admin-token.
// It says where a generated token is, never the token.
func resolveAdminToken(opts *GatewayOptions, log *slog.Logger) (config.Secret, error) {
	if opts.AdminTokenFile != "" {
		b, err := os.ReadFile(opts.AdminTokenFile)
		if err != nil {
			return "", &InputError{Err: fmt.Errorf("read --admin-token-file: %w", err)}
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return "", &InputError{Err: fmt.Errorf("--admin-token-file %s is empty", opts.AdminTokenFile)}
		}
		return config.Secret(tok), nil
	}
	if opts.AdminToken != "" {
		return opts.AdminToken, nil
	}
	if !isLoopback(opts.AdminListen) {
		return "", Usagef("refusing to serve the admin API on %s without a token: it is not a loopback address; "+
			"set %s or --admin-token-file (or listen on 127.0.0.1)", opts.AdminListen, EnvAdminToken)
	}
	path := filepath.Join(opts.DataDir, adminTokenFile)
	if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) != "" {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			log.Warn("admin token file was readable by others; restricting it to 0600", "path", path)
			if err := os.Chmod(path, 0o600); err != nil {
				return "", &InputError{Err: fmt.Errorf("restrict %s: %w", path, err)}
			}
		}
		log.Info("admin token read from file (no "+EnvAdminToken+" set)", "path", path)
		return config.Secret(strings.TrimSpace(string(b))), nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", &InputError{Err: fmt.Errorf("read admin token: %w", err)}
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("generate admin token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(raw[:])
	if err := writeFileAtomic(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", &InputError{Err: fmt.Errorf("write admin token: %w", err)}
	}
	log.Info("admin token generated (no "+EnvAdminToken+" set); clients read it from the file", "path", path)
	return config.Secret(tok), nil
}

// writeFileAtomic writes data to a temporary file with perm and renames it
// over path, so a reader never sees half a token.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // no-op after the rename
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// runGateway opens the store, applies the live config, serves the proxy and
// the admin API, follows the store, and drains both on ctx's end.
func runGateway(ctx context.Context, opts *GatewayOptions) error {
	log := slog.New(slog.NewJSONHandler(opts.IO.ErrOut, &slog.HandlerOptions{Level: opts.LogLevel}))

	// Refuse an exposed admin API before touching anything.
	if opts.AdminTokenFile == "" && opts.AdminToken == "" && !isLoopback(opts.AdminListen) {
		_, err := resolveAdminToken(opts, log)
		return err
	}
	// The store creates --data (0700) and locks it; the admin token is
	// resolved (and maybe generated into --data) only under that lock, so
	// two gateways started at once cannot leave each other's token behind.
	st, err := store.OpenFile(opts.DataDir, log.With("component", "store"))
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return &InputError{Err: fmt.Errorf("%w (is another gwctl gateway running with --data %s?)", err, opts.DataDir)}
		}
		return &InputError{Err: err}
	}
	defer st.Close()
	token, err := resolveAdminToken(opts, log)
	if err != nil {
		return err
	}
	if warns := st.Warnings(); len(warns) > 0 {
		// Each was logged as it was found; say once more, at the end of
		// the startup noise, that the store needed repairs.
		log.Error(fmt.Sprintf("STORE WARNINGS: %d problem(s) found in %s and worked around; check the files", len(warns), opts.DataDir),
			"warnings", warns)
	}
	cfg, err := st.Current(ctx)
	if err != nil {
		return &InputError{Err: fmt.Errorf("read live config from %s: %w", opts.DataDir, err)}
	}
	consumers, err := st.Consumers(ctx)
	if err != nil {
		return &InputError{Err: fmt.Errorf("read consumers from %s: %w", opts.DataDir, err)}
	}

	gw := gateway.New(gateway.Options{Logger: log, NodeID: opts.NodeID, DrainTimeout: opts.DrainTimeout})
	if cfg == nil {
		cfg = &config.Config{}
	}
	if err := gw.Apply(cfg, consumers); err != nil {
		return &InputError{Err: fmt.Errorf("apply stored revision %q from %s: %w", cfg.Revision, opts.DataDir, err)}
	}

	proxyLn, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return &InputError{Err: fmt.Errorf("--listen: %w", err)}
	}
	adminLn, err := net.Listen("tcp", opts.AdminListen)
	if err != nil {
		proxyLn.Close()
		return &InputError{Err: fmt.Errorf("--admin-listen: %w", err)}
	}
	api := admin.New(admin.Options{
		Store:   st,
		Gateway: gw,
		Token:   token,
		Logger:  log.With("component", "admin"),
		Metrics: gw.MetricsHandler(),
		NodeID:  opts.NodeID,
	})
	adminSrv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // a 10,000-route publish over a slow link
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.With("component", "admin").Handler(), slog.LevelWarn),
	}
	// The one line tools wait for: where both listeners are bound.
	log.Info("gwctl gateway listening",
		"proxy", proxyLn.Addr().String(), "admin", adminLn.Addr().String(),
		"data", opts.DataDir, "node", opts.NodeID, "revision", cfg.Revision, "consumers", len(consumers))

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		if err := gw.Serve(runCtx, proxyLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("proxy listener: %w", err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := adminSrv.Serve(adminLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("admin listener: %w", err)
		}
	}()
	go func() {
		defer wg.Done()
		api.Follow(runCtx) // re-apply whenever the store changes
	}()

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down: draining in-flight requests", "timeout", opts.DrainTimeout.String())
	case runErr = <-errc:
		log.Error("listener failed; shutting down", "err", runErr)
	}
	cancel() // stops the proxy (it drains itself) and the watch
	drainCtx, stop := context.WithTimeout(context.Background(), opts.DrainTimeout)
	defer stop()
	if err := adminSrv.Shutdown(drainCtx); err != nil {
		log.Warn("admin listener did not drain in time", "err", err)
		adminSrv.Close()
	}
	wg.Wait()
	if runErr != nil {
		return &InputError{Err: runErr}
	}
	log.Info("gateway stopped")
	return nil
}
