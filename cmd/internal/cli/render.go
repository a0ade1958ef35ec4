package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	gwconfig "github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/lint/config"
	"github.com/gwctl/gwctl/lint/spec"
	"github.com/gwctl/gwctl/publish"
	"github.com/gwctl/gwctl/rules"
)

// SpecInput is what render, diff and publish share: which specs, and the
// project settings that turn them into the owner's routes.
type SpecInput struct {
	Paths      []string // specs or directories; empty: gwctl.yaml's specs
	ConfigPath string   // --config
	Env        string   // --env: an environment of gwctl.yaml
	Owner      string   // --owner: overrides gwctl.yaml's owner
	// Upstreams are --upstream SERVICE=URL, parsed; they override gwctl.yaml.
	Upstreams map[string]string
	Mock      publish.MockMode
}

// bindSpecFlags registers the flags of SpecInput; the upstream list is
// parsed by parseUpstreams once cobra has read it.
func bindSpecFlags(cmd *cobra.Command, in *SpecInput, upstreams *[]string) {
	f := cmd.Flags()
	f.StringVarP(&in.ConfigPath, "config", "c", "", "project config `FILE` (default: gwctl.yaml in the current directory or a parent)")
	f.StringVar(&in.Env, "env", "", "apply environment `NAME` of gwctl.yaml (gateway URL, upstreams)")
	f.StringVar(&in.Owner, "owner", "", "publish under owner `NAME` (default: owner in gwctl.yaml)")
	f.StringArrayVar(upstreams, "upstream", nil, "upstream of a service, `SERVICE=URL` (repeatable; overrides gwctl.yaml and x-gateway)")
}

// parseUpstreams reads SERVICE=URL pairs.
func parseUpstreams(list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, s := range list {
		svc, u, ok := strings.Cut(s, "=")
		if !ok || svc == "" || u == "" {
			return nil, Usagef("invalid --upstream %q: want SERVICE=URL, e.g. orders=http://127.0.0.1:9001", s)
		}
		out[svc] = u
	}
	return out, nil
}

// desired is a rendered project: the loaded specs and the owner section
// they imply.
type desired struct {
	project *config.Project // nil without gwctl.yaml
	set     *spec.Set
	owner   *gwconfig.Owner
}

// project loads --config or the gwctl.yaml found from the working
// directory up (nil when there is none) and applies --env.
func (in *SpecInput) project() (*config.Project, error) {
	project, err := loadProject(in.ConfigPath, ruleIDs())
	if err != nil {
		return nil, err
	}
	if in.Env != "" {
		if project == nil {
			return nil, Usagef("--env %s needs a %s that defines environments", in.Env, config.FileName)
		}
		if project, err = project.ForEnv(in.Env); err != nil {
			return nil, &UsageError{Err: err}
		}
	}
	return project, nil
}

// loadSpecs loads the project (if any) and the specs, parsed once.
func (in *SpecInput) loadSpecs(ctx context.Context) (*config.Project, *spec.Set, error) {
	project, err := in.project()
	if err != nil {
		return nil, nil, err
	}
	paths := in.Paths
	if len(paths) == 0 {
		if project == nil {
			return nil, nil, Usagef("no specs: pass spec files or directories, or list specs in a %s", config.FileName)
		}
		if paths, err = project.SpecFiles(); err != nil {
			return nil, nil, inputError("the configuration", err)
		}
	}
	set, err := spec.Load(ctx, paths, spec.Options{})
	if err != nil {
		return nil, nil, inputError("the specs", err)
	}
	return project, set, nil
}

// render loads everything and renders the owner section.
func (in *SpecInput) render(ctx context.Context) (*desired, error) {
	project, set, err := in.loadSpecs(ctx)
	if err != nil {
		return nil, err
	}
	owner, err := in.renderSet(project, set)
	if err != nil {
		return nil, err
	}
	return &desired{project: project, set: set, owner: owner}, nil
}

func (in *SpecInput) renderSet(project *config.Project, set *spec.Set) (*gwconfig.Owner, error) {
	return renderChecked(set, in.publishOptions(project))
}

// renderChecked renders and runs the gateway's validation on the result.
func renderChecked(set *spec.Set, opts publish.Options) (*gwconfig.Owner, error) {
	owner, errs := publish.Render(set, opts)
	if len(errs) == 0 {
		errs = publish.Check(owner)
	}
	if len(errs) > 0 {
		return nil, inputError("the specs", spec.Errors(errs))
	}
	return owner, nil
}

// ownerName is --owner, else gwctl.yaml's owner.
func (in *SpecInput) ownerName(project *config.Project) string {
	if in.Owner != "" || project == nil {
		return in.Owner
	}
	return project.Owner
}

// publishOptions maps gwctl.yaml (and the flags) onto publish.Options.
func (in *SpecInput) publishOptions(project *config.Project) publish.Options {
	opts := publish.Options{
		Owner:    in.ownerName(project),
		Services: map[string]publish.ServiceOptions{},
		Mock:     in.Mock,
	}
	if project != nil {
		opts.BaseDir = project.Dir
		for name, s := range project.Services {
			so := publish.ServiceOptions{
				ConnectTimeout: s.ConnectTimeout, ResponseTimeout: s.ResponseTimeout,
				StripPrefix: s.StripPrefix, AddPrefix: s.AddPrefix,
			}
			if s.Upstream != "" {
				so.Upstream = []string{s.Upstream}
			}
			opts.Services[name] = so
		}
		opts.Auth.JWT = map[string]publish.JWT{}
		for name, j := range project.Auth.JWT {
			opts.Auth.JWT[name] = publish.JWT{
				Issuer: j.Issuer, Audiences: j.Audiences, Algorithms: j.Algorithms,
				PublicKeyFiles: j.PublicKeyFiles, JWKSFile: j.JWKSFile, SecretEnv: j.SecretEnv, ScopesClaim: j.ScopesClaim,
			}
		}
		opts.Auth.Basic = map[string]publish.Basic{}
		for name, b := range project.Auth.Basic {
			opts.Auth.Basic[name] = publish.Basic{Realm: b.Realm}
		}
		opts.Defaults = projectDefaults(project.Defaults)
	}
	for svc, u := range in.Upstreams {
		so := opts.Services[svc]
		so.Upstream = []string{u}
		opts.Services[svc] = so
	}
	return opts
}

func projectDefaults(d config.Defaults) publish.Defaults {
	var out publish.Defaults
	if d.Timeouts.Connect != 0 || d.Timeouts.Response != 0 {
		out.Timeouts = &gwconfig.Timeouts{Connect: gwconfig.Duration(d.Timeouts.Connect), Response: gwconfig.Duration(d.Timeouts.Response)}
	}
	if d.RateLimit.Requests != 0 {
		out.RateLimit = &gwconfig.RateLimit{Requests: d.RateLimit.Requests, Window: gwconfig.Duration(d.RateLimit.Window), By: d.RateLimit.By}
	}
	if d.MaxBodySize != 0 {
		out.MaxBodySize = &d.MaxBodySize
	}
	if len(d.CORS.AllowOrigins) > 0 {
		c := d.CORS
		out.CORS = &gwconfig.CORS{
			AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders,
			ExposeHeaders: c.ExposeHeaders, AllowCredentials: c.AllowCredentials, MaxAge: gwconfig.Duration(c.MaxAge),
		}
	}
	return out
}

func ruleIDs() []string {
	rs := rules.All()
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.Meta().ID
	}
	return ids
}

// RenderOptions holds what `gwctl render` uses.
type RenderOptions struct {
	IO     *iostreams.IOStreams
	Specs  SpecInput
	Format string // yaml | json
}

// NewCmdRender builds `gwctl render`.
func NewCmdRender(ios *iostreams.IOStreams, runF func(context.Context, *RenderOptions) error) *cobra.Command {
	opts := &RenderOptions{IO: ios}
	var upstreams []string
	var mock bool
	cmd := &cobra.Command{
		Use:   "render [PATH...]",
		Short: "Print the gateway config the specs imply (the desired state)",
		Long: `Print the gateway configuration that the specs imply for this repository's owner:
one route per operation (method and full path template, service and upstream, the
security alternatives and their scopes), the services and the auth schemes.

The output is deterministic: the same specs and settings print the same bytes.
JWT secrets are shown as [redacted]. Upstreams come from --upstream, gwctl.yaml
(services.NAME.upstream, per --env) or x-gateway.upstream in the spec.

Exit status: 0 ok, 2 when a spec or gwctl.yaml cannot be read or does not render
(every problem is listed as file:line:col).`,
		Example: `  gwctl render
  gwctl render specs/orders.yaml --owner shop --upstream orders=http://127.0.0.1:9001
  gwctl render --env staging --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Specs.Paths = args
			var err error
			if opts.Specs.Upstreams, err = parseUpstreams(upstreams); err != nil {
				return err
			}
			if mock {
				opts.Specs.Mock = publish.MockMissing
			}
			if !slices.Contains([]string{"yaml", "json"}, opts.Format) {
				return Usagef("invalid --format %q: want yaml or json", opts.Format)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRender(cmd.Context(), opts)
		},
	}
	bindSpecFlags(cmd, &opts.Specs, &upstreams)
	f := cmd.Flags()
	f.StringVarP(&opts.Format, "format", "f", "yaml", "output `FORMAT`: yaml or json")
	f.BoolVar(&mock, "mock", false, "services without an upstream answer from the spec's examples")
	return cmd
}

func runRender(ctx context.Context, opts *RenderOptions) error {
	d, err := opts.Specs.render(ctx)
	if err != nil {
		return err
	}
	b, err := encodeOwner(redactSecrets(d.owner), opts.Format)
	if err != nil {
		return err
	}
	_, err = opts.IO.Out.Write(b)
	return err
}

// redactSecrets returns a copy of o without JWT secrets.
func redactSecrets(o *gwconfig.Owner) *gwconfig.Owner {
	cp := *o
	cp.Schemes = slices.Clone(o.Schemes)
	for i := range cp.Schemes {
		if j := cp.Schemes[i].JWT; j != nil {
			jc := *j
			jc.Issuers = slices.Clone(j.Issuers)
			for k := range jc.Issuers {
				if jc.Issuers[k].Secret != "" {
					jc.Issuers[k].Secret = "[redacted]"
				}
			}
			cp.Schemes[i].JWT = &jc
		}
	}
	return &cp
}

// encodeOwner writes the owner as indented JSON or as YAML with the same
// field names and order.
func encodeOwner(o *gwconfig.Owner, format string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(o); err != nil {
		return nil, err
	}
	if format == "json" {
		return buf.Bytes(), nil
	}
	return spec.JSONToYAML(buf.Bytes())
}
