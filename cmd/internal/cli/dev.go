package cli

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	"github.com/gwctl/gwctl/gateway"
	"github.com/gwctl/gwctl/gateway/admin"
	gwconfig "github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/store"
	"github.com/gwctl/gwctl/lint"
	"github.com/gwctl/gwctl/lint/config"
	"github.com/gwctl/gwctl/lint/report"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
	"github.com/gwctl/gwctl/publish"
	"github.com/gwctl/gwctl/publish/remote"
	"github.com/gwctl/gwctl/rules"
)

// DevOptions holds what `gwctl dev` uses.
type DevOptions struct {
	IO          *iostreams.IOStreams
	Specs       SpecInput
	Listen      string        // proxy listener
	AdminListen string        // admin API listener (loopback)
	DataDir     string        // file store; empty: a temporary directory
	MockAll     bool          // every route answers from examples
	Poll        time.Duration // how often spec files are checked for changes

	Rules   []rule.Rule
	Builtin func(string) (map[string]rule.Severity, bool)
}

// devOwner is the owner name when neither --owner nor gwctl.yaml names one.
const devOwner = "dev"

// devIssuer is the issuer of the JWTs `gwctl dev` signs.
const devIssuer = "gwctl-dev"

// NewCmdDev builds `gwctl dev`.
func NewCmdDev(ios *iostreams.IOStreams, runF func(context.Context, *DevOptions) error) *cobra.Command {
	opts := &DevOptions{IO: ios, Rules: rules.All(), Builtin: rules.Ruleset}
	var upstreams []string
	cmd := &cobra.Command{
		Use:   "dev [PATH...]",
		Short: "Run a local gateway that serves the specs and follows every change",
		Long: `One command for local development: start the bundled gateway in-process, lint the
specs, publish their routes, and publish again on every change to a spec file or
gwctl.yaml (checked twice a second), printing what changed.

Services without an upstream (from --upstream, gwctl.yaml or x-gateway.upstream)
answer from the spec's own examples; --mock-all makes every route do so. A dev
consumer with every scope the specs use is created and its API key printed; when
the specs use JWT bearer/oauth2/openIdConnect schemes, gwctl signs them with a
generated HS256 key (issuer "gwctl-dev") and prints a token with every scope.
Lint errors are shown but do not block publishing here.

Ctrl-C stops the gateway and removes its temporary data (unless --data is given).`,
		Example: `  gwctl dev
  gwctl dev specs/ --upstream orders=http://127.0.0.1:9001
  gwctl dev --listen 127.0.0.1:9000 --mock-all`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Specs.Paths = args
			var err error
			if opts.Specs.Upstreams, err = parseUpstreams(upstreams); err != nil {
				return err
			}
			opts.Specs.Mock = publish.MockMissing
			if opts.MockAll {
				opts.Specs.Mock = publish.MockAll
			}
			if !isLoopback(opts.AdminListen) {
				return Usagef("--admin-listen %q: gwctl dev only serves its admin API on a loopback address", opts.AdminListen)
			}
			if opts.Poll <= 0 {
				return Usagef("--poll must be positive")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDev(cmd.Context(), opts)
		},
	}
	bindSpecFlags(cmd, &opts.Specs, &upstreams)
	f := cmd.Flags()
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:8000", "proxy listen address (host:port; port 0 picks a free one)")
	f.StringVar(&opts.AdminListen, "admin-listen", "127.0.0.1:0", "admin API listen address (loopback only)")
	f.StringVar(&opts.DataDir, "data", "", "keep the gateway's store in `DIR` (default: a temporary directory, removed on exit)")
	f.BoolVar(&opts.MockAll, "mock-all", false, "answer every route from the spec's examples, even with an upstream")
	f.DurationVar(&opts.Poll, "poll", 500*time.Millisecond, "how often to check the spec files for changes")
	_ = f.MarkHidden("poll")
	return cmd
}

// devSession is one running `gwctl dev`.
type devSession struct {
	opts   *DevOptions
	ios    *iostreams.IOStreams
	client *remote.Client
	proxy  string // http://host:port

	jwtSecret string // generated on first use
	key       string // the dev consumer's API key
	password  string // the dev consumer's basic-auth password
	scopes    []string
	consumer  string // id of the dev consumer
	banner    bool   // printed once after the first publish

	watched []string // files whose change triggers a cycle
	stamp   string   // their sizes and mtimes at the last cycle
}

func runDev(ctx context.Context, opts *DevOptions) error {
	ios := opts.IO
	dataDir := opts.DataDir
	if dataDir == "" {
		tmp, err := os.MkdirTemp("", "gwctl-dev-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dataDir = tmp
	} else if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return &InputError{Err: fmt.Errorf("create --data directory: %w", err)}
	}
	token := randomToken("")

	log := slog.New(slog.DiscardHandler) // dev prints its own summary
	st, err := store.OpenFile(dataDir, log)
	if err != nil {
		return &InputError{Err: fmt.Errorf("open store %s: %w", dataDir, err)}
	}
	defer st.Close()
	gw := gateway.New(gateway.Options{NodeID: "dev", DrainTimeout: 2 * time.Second})
	cfg, err := st.Current(ctx)
	if err != nil {
		return &InputError{Err: fmt.Errorf("read live config from %s: %w", dataDir, err)}
	}
	if cfg == nil {
		cfg = &gwconfig.Config{}
	}
	consumers, err := st.Consumers(ctx)
	if err != nil {
		return &InputError{Err: fmt.Errorf("read consumers from %s: %w", dataDir, err)}
	}
	if err := gw.Apply(cfg, consumers); err != nil {
		return &InputError{Err: fmt.Errorf("apply the stored revision: %w", err)}
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
	adminSrv := &http.Server{
		Handler:           admin.New(admin.Options{Store: st, Gateway: gw, Token: gwconfig.Secret(token), NodeID: "dev", Metrics: gw.MetricsHandler()}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan struct{}, 2)
	go func() { _ = gw.Serve(runCtx, proxyLn); served <- struct{}{} }()
	go func() { _ = adminSrv.Serve(adminLn); served <- struct{}{} }()
	defer func() {
		stop()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = adminSrv.Shutdown(sctx)
		<-served
		<-served
	}()

	adminURL := "http://" + adminLn.Addr().String()
	client, err := remote.New(adminURL, token)
	if err != nil {
		return err
	}
	s := &devSession{opts: opts, ios: ios, client: client, proxy: "http://" + proxyLn.Addr().String()}
	fmt.Fprintf(ios.ErrOut, "gwctl dev: gateway on %s (admin API %s, data %s)\n", s.proxy, adminURL, dataDir)

	if err := s.cycle(ctx); err != nil {
		var usage *UsageError
		if errors.As(err, &usage) {
			return err
		}
		fmt.Fprintf(ios.ErrOut, "gwctl dev: %v\n", err)
	}
	fmt.Fprintln(ios.ErrOut, "Watching for changes; Ctrl-C stops.")
	tick := time.NewTicker(opts.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(ios.ErrOut, "gwctl dev: stopped")
			return nil
		case <-tick.C:
		}
		if s.fingerprint() == s.stamp {
			continue
		}
		fmt.Fprintf(ios.ErrOut, "\n%s: change detected, publishing again\n", time.Now().Format("15:04:05"))
		if err := s.cycle(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintf(ios.ErrOut, "gwctl dev: %v\n", err)
		}
	}
}

// cycle loads, lints, renders and publishes once.
func (s *devSession) cycle(ctx context.Context) error {
	in := &s.opts.Specs
	s.stamp = s.fingerprint() // taken first: an edit during the cycle triggers another
	project, set, err := in.loadSpecs(ctx)
	if err != nil {
		return err
	}
	s.watch(project, set)
	s.stamp = s.fingerprint()

	lopts := lint.Options{Builtin: s.opts.Builtin}
	if project != nil {
		lopts.Ruleset, lopts.Dir = project.Ruleset, project.Dir
	}
	if _, err := lint.Configure(s.opts.Rules, lopts); err != nil {
		return inputError("the configuration", err)
	}
	res := lint.Run(ctx, set, s.opts.Rules, lopts)
	if n := res.AtLeast(rule.Warn); n > 0 {
		_ = report.Write(s.ios.ErrOut, "text", res, report.Options{Color: s.ios.ColorErr(), Min: rule.Error})
		_ = report.Summary(s.ios.ErrOut, res, report.Options{Color: s.ios.ColorErr()})
		fmt.Fprintln(s.ios.ErrOut, "(lint findings do not block gwctl dev)")
	}

	popts := in.publishOptions(project)
	if popts.Owner == "" {
		popts.Owner = devOwner
	}
	jwtSchemes := s.devJWT(set, project, &popts)
	owner, err := renderChecked(set, popts)
	if err != nil {
		return err
	}
	if _, err := apply(ctx, s.ios, s.client, owner, applyOptions{yes: true, wait: 5 * time.Second, quiet: s.banner}); err != nil {
		return err
	}
	if err := s.ensureConsumer(ctx, owner); err != nil {
		return err
	}
	if !s.banner {
		s.banner = true
		s.printBanner(owner, jwtSchemes)
	}
	return nil
}

// watch records the files whose change triggers a cycle: every loaded file
// (roots and $ref targets), gwctl.yaml, and new specs in the given
// directories (found again at each check).
func (s *devSession) watch(project *config.Project, set *spec.Set) {
	var files []string
	for _, f := range set.Files() {
		if !strings.Contains(f.Path, "://") {
			files = append(files, f.Path)
		}
	}
	if project != nil {
		files = append(files, project.Path)
	}
	s.watched = files
}

// fingerprint is the size and modification time of every watched file, and
// the list of specs the inputs expand to (so a new file counts).
func (s *devSession) fingerprint() string {
	files := slices.Clone(s.watched)
	if len(s.opts.Specs.Paths) > 0 {
		if found, err := spec.Discover(s.opts.Specs.Paths); err == nil {
			files = append(files, found...)
		}
	}
	slices.Sort(files)
	files = slices.Compact(files)
	var b strings.Builder
	for _, f := range files {
		b.WriteString(f)
		if st, err := os.Stat(f); err == nil {
			fmt.Fprintf(&b, "\x00%d\x00%d", st.Size(), st.ModTime().UnixNano())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// devJWT makes every JWT scheme of the specs (http bearer, oauth2,
// openIdConnect) accept tokens signed with a generated HS256 key, and
// returns those schemes' names.
func (s *devSession) devJWT(set *spec.Set, project *config.Project, opts *publish.Options) []string {
	var names []string
	for _, doc := range set.Docs {
		doc.Root.Path("components", "securitySchemes").Each(func(name string, _, raw *spec.Node) {
			n := set.Deref(raw)
			typ := n.Str("type")
			if typ == "oauth2" || typ == "openIdConnect" || (typ == "http" && strings.EqualFold(n.Str("scheme"), "bearer")) {
				if !slices.Contains(names, name) {
					names = append(names, name)
				}
			}
		})
	}
	if len(names) == 0 {
		return nil
	}
	if s.jwtSecret == "" {
		s.jwtSecret = randomToken("")
	}
	if opts.Auth.JWT == nil {
		opts.Auth.JWT = map[string]publish.JWT{}
	}
	for _, name := range names {
		j := publish.JWT{Issuer: devIssuer, Algorithms: []string{"HS256"}, Secret: s.jwtSecret}
		if project != nil {
			if pj, ok := project.Auth.JWT[name]; ok {
				j.Audiences, j.ScopesClaim = pj.Audiences, pj.ScopesClaim
			}
		}
		opts.Auth.JWT[name] = j
	}
	slices.Sort(names)
	return names
}

// ensureConsumer creates the dev consumer with every scope the routes use,
// and updates its scopes in place (same key, same id) when they change.
func (s *devSession) ensureConsumer(ctx context.Context, owner *gwconfig.Owner) error {
	scopes := routeScopes(owner)
	if s.consumer != "" {
		if slices.Equal(scopes, s.scopes) {
			return nil
		}
		if _, err := s.client.UpdateConsumer(ctx, s.consumer, gwconfig.ConsumerUpdate{Scopes: &scopes}); err != nil {
			return remoteErr(err)
		}
		fmt.Fprintf(s.ios.ErrOut, "dev consumer now has scopes [%s] (same key)\n", strings.Join(scopes, " "))
		s.scopes = scopes
		return nil
	}
	if s.key == "" {
		s.key = randomToken("dev_")
		s.password = randomToken("")[:20]
	}
	if old, err := s.client.Consumer(ctx, "dev"); err == nil {
		// Left over in a persistent --data directory.
		if err := s.client.DeleteConsumer(ctx, old.ID); err != nil {
			return remoteErr(err)
		}
	}
	created, err := s.client.CreateConsumer(ctx, gwconfig.ConsumerRequest{
		Name: "dev", Scopes: scopes, KeyAuth: true, Key: gwconfig.Secret(s.key),
		Username: "dev", Password: gwconfig.Secret(s.password),
	})
	if err != nil {
		return remoteErr(err)
	}
	s.consumer, s.scopes = created.Consumer.ID, scopes
	return nil
}

// routeScopes lists every scope any route asks for, sorted.
func routeScopes(o *gwconfig.Owner) []string {
	scopes := []string{}
	for _, r := range o.Routes {
		for _, req := range r.Security {
			for _, ref := range req {
				for _, sc := range ref.Scopes {
					if !slices.Contains(scopes, sc) {
						scopes = append(scopes, sc)
					}
				}
			}
		}
	}
	slices.Sort(scopes)
	return scopes
}

// printBanner says how to call the gateway: the proxy URL, the dev key (and
// token), and a curl for a secured and a public endpoint.
func (s *devSession) printBanner(owner *gwconfig.Owner, jwtSchemes []string) {
	out := s.ios.Out
	fmt.Fprintf(out, "\nGateway:     %s  (%d routes, owner %s)\n", s.proxy, len(owner.Routes), owner.Name)
	fmt.Fprintf(out, "Dev API key: %s  (consumer \"dev\", scopes [%s]; basic auth dev:%s)\n", s.key, strings.Join(s.scopes, " "), s.password)
	var token string
	if len(jwtSchemes) > 0 {
		token = signDevToken(s.jwtSecret, s.jwtClaims(owner, jwtSchemes))
		fmt.Fprintf(out, "Dev token:   %s\n             (HS256, issuer %q, schemes %s, valid 24h)\n", token, devIssuer, strings.Join(jwtSchemes, ", "))
	}
	schemes := map[string]gwconfig.Scheme{}
	for _, sc := range owner.Schemes {
		schemes[sc.Name] = sc
	}
	if r, args := securedExample(owner, schemes, s.key, s.password, token); r != nil {
		fmt.Fprintf(out, "\n# a secured endpoint (%s %s)\ncurl -i%s %s\n", r.Method, r.Path, args, s.exampleURL(r))
	}
	if r := publicExample(owner); r != nil {
		fmt.Fprintf(out, "\n# a public endpoint (%s %s)\ncurl -i%s %s\n", r.Method, r.Path, methodArg(r.Method), s.exampleURL(r))
	}
	fmt.Fprintln(out)
}

func (s *devSession) exampleURL(r *gwconfig.Route) string {
	return s.proxy + fillParams(r.Path)
}

// fillParams fills every {param} segment with 1.
func fillParams(path string) string {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			segs[i] = "1"
		}
	}
	return strings.Join(segs, "/")
}

func methodArg(m string) string {
	if m == http.MethodGet {
		return ""
	}
	return " -X " + m
}

// byPreference orders routes GET first, then by path.
func byPreference(o *gwconfig.Owner) []*gwconfig.Route {
	rs := make([]*gwconfig.Route, len(o.Routes))
	for i := range o.Routes {
		rs[i] = &o.Routes[i]
	}
	slices.SortStableFunc(rs, func(a, b *gwconfig.Route) int {
		if (a.Method == "GET") != (b.Method == "GET") {
			if a.Method == "GET" {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Path, b.Path)
	})
	return rs
}

func publicExample(o *gwconfig.Owner) *gwconfig.Route {
	for _, r := range byPreference(o) {
		if r.Public {
			return r
		}
	}
	return nil
}

// securedExample finds a secured route and the curl arguments that carry
// the dev credentials for one of its alternatives.
func securedExample(o *gwconfig.Owner, schemes map[string]gwconfig.Scheme, key, password, token string) (*gwconfig.Route, string) {
	for _, r := range byPreference(o) {
		for _, req := range r.Security {
			if len(req) == 0 {
				continue
			}
			args, ok := "", true
			for _, ref := range req {
				sc := schemes[ref.Scheme]
				switch {
				case sc.Type == gwconfig.KeyAuth && sc.Key != nil && sc.Key.In == "header":
					args += fmt.Sprintf(" -H '%s: %s'", sc.Key.Name, key)
				case sc.Type == gwconfig.KeyAuth && sc.Key != nil && sc.Key.In == "cookie":
					args += fmt.Sprintf(" -b '%s=%s'", sc.Key.Name, key)
				case sc.Type == gwconfig.KeyAuth && sc.Key != nil && sc.Key.In == "query":
					args += fmt.Sprintf(" -G --data-urlencode '%s=%s'", sc.Key.Name, key)
				case sc.Type == gwconfig.JWTAuth && token != "":
					args += " -H 'Authorization: Bearer " + token + "'"
				case sc.Type == gwconfig.BasicAuth:
					args += " -u 'dev:" + password + "'"
				default:
					ok = false
				}
			}
			if ok {
				return r, methodArg(r.Method) + args
			}
		}
	}
	return nil, ""
}

// jwtClaims are the claims of the dev token: every scope the JWT schemes
// ask for, and the audience when the project sets one.
func (s *devSession) jwtClaims(o *gwconfig.Owner, jwtSchemes []string) map[string]any {
	now := time.Now()
	claims := map[string]any{"iss": devIssuer, "sub": "dev", "iat": now.Unix(), "exp": now.Add(24 * time.Hour).Unix()}
	var scopes []string
	claim := "scope"
	for _, r := range o.Routes {
		for _, req := range r.Security {
			for _, ref := range req {
				if slices.Contains(jwtSchemes, ref.Scheme) {
					for _, sc := range ref.Scopes {
						if !slices.Contains(scopes, sc) {
							scopes = append(scopes, sc)
						}
					}
				}
			}
		}
	}
	slices.Sort(scopes)
	for _, sc := range o.Schemes {
		if sc.JWT == nil || !slices.Contains(jwtSchemes, sc.Name) {
			continue
		}
		if sc.JWT.ScopesClaim != "" {
			claim = sc.JWT.ScopesClaim
		}
		if len(sc.JWT.Issuers) > 0 && len(sc.JWT.Issuers[0].Audiences) > 0 {
			claims["aud"] = sc.JWT.Issuers[0].Audiences[0]
		}
	}
	claims[claim] = strings.Join(scopes, " ")
	return claims
}

// signDevToken signs claims as an HS256 JWT.
func signDevToken(secret string, claims map[string]any) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, _ := json.Marshal(claims)
	signing := header + "." + enc.EncodeToString(body)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

// randomToken returns prefix + 32 random bytes, base64url.
func randomToken(prefix string) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}
