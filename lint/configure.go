package lint

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gwctl/gwctl/lint/config"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// Configured is a rule with its effective severity and options.
type Configured struct {
	Rule     rule.Rule
	Meta     rule.Meta
	Severity rule.Severity
	Options  rule.Options
	// Promote is set when the rule's severity came from the strict
	// ruleset: its sub-checks (Context.ReportSeverity) are raised the same
	// way, so strict turns every warning into an error.
	Promote bool
}

// Plan is a ruleset resolved against the rules at hand.
type Plan struct {
	// Rules in the order given to Configure, disabled ones (Off) included.
	Rules []Configured
	// Exceptions from the ruleset and every file it extends, extended
	// first.
	Exceptions []config.Exception
}

// Configure resolves the ruleset in opts for rs: `extends` in order (later
// entries override earlier ones), then the ruleset's own `rules`; options
// merge key by key over each rule's defaults. A rule no layer mentions is off
// (the top-level ruleset of gwctl.yaml extends `recommended` unless it says
// otherwise, so in practice every rule is mentioned).
//
// Option values are checked against the rule's declared options and
// converted to the default's type (a YAML number becomes an int when the
// default is an int; a list of strings becomes []string). Every problem is
// returned, positioned in the config file, as spec.Errors; the plan is
// usable regardless: a bad option keeps its default.
func Configure(rs []rule.Rule, opts Options) (*Plan, error) {
	builtin := opts.Builtin
	if builtin == nil {
		builtin = defaultBuiltin(rs)
	}
	metas := make(map[string]rule.Meta, len(rs))
	for _, r := range rs {
		m := r.Meta()
		metas[m.ID] = m
	}

	type optVal struct {
		v   any
		pos spec.Position
	}
	sev := map[string]rule.Severity{}
	promote := map[string]bool{}
	user := map[string]map[string]optVal{}
	var exceptions []config.Exception
	var errs []error
	fail := func(pos spec.Position, format string, args ...any) {
		errs = append(errs, &spec.Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
	}
	var apply func(r *config.Ruleset)
	apply = func(r *config.Ruleset) {
		for _, e := range r.Extends {
			switch {
			case e.Builtin != "":
				m, ok := builtin(e.Builtin)
				if !ok {
					fail(e.Pos, "unknown built-in ruleset %q", e.Builtin)
				}
				maps.Copy(sev, m)
				for id := range m {
					promote[id] = e.Builtin == "strict"
				}
			case e.Ruleset != nil:
				apply(e.Ruleset)
			}
		}
		for _, id := range slices.Sorted(maps.Keys(r.Rules)) {
			s := r.Rules[id]
			if _, ok := metas[id]; !ok {
				fail(s.Pos, "unknown rule %q", id)
				continue
			}
			if s.SeveritySet {
				sev[id] = s.Severity
				promote[id] = false
			}
			for k, v := range s.Options {
				if user[id] == nil {
					user[id] = map[string]optVal{}
				}
				user[id][k] = optVal{v: v, pos: s.OptionPos[k]}
			}
		}
		exceptions = append(exceptions, r.Exceptions...)
	}
	top := opts.Ruleset
	if top == nil {
		top = &config.Ruleset{Extends: []config.Extend{{Name: "recommended", Builtin: "recommended"}}}
	}
	apply(top)

	plan := &Plan{Exceptions: exceptions}
	for _, r := range rs {
		m := metas[r.Meta().ID]
		c := Configured{Rule: r, Meta: m, Severity: sev[m.ID], Options: m.Defaults(), Promote: promote[m.ID]}
		for _, name := range slices.Sorted(maps.Keys(user[m.ID])) {
			u := user[m.ID][name]
			decl, ok := findOption(m, name)
			if !ok {
				if len(m.Options) == 0 {
					fail(u.pos, "rule %s has no options", m.ID)
					continue
				}
				msg := fmt.Sprintf("unknown option %q for rule %s", name, m.ID)
				names := optionNames(m)
				if s := config.Suggest(name, names); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				} else {
					msg += " (options: " + strings.Join(names, ", ") + ")"
				}
				fail(u.pos, "%s", msg)
				continue
			}
			v, err := convertOption(decl.Default, u.v)
			if err != "" {
				fail(u.pos, "option %s of rule %s %s", name, m.ID, err)
				continue
			}
			c.Options[name] = v
		}
		plan.Rules = append(plan.Rules, c)
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b error) int {
			pa, pb := errPos(a), errPos(b)
			return cmp.Or(strings.Compare(pa.File, pb.File), cmp.Compare(pa.Line, pb.Line), cmp.Compare(pa.Col, pb.Col))
		})
		return plan, spec.Errors(errs)
	}
	return plan, nil
}

func errPos(err error) spec.Position {
	if e, ok := err.(*spec.Error); ok {
		return e.Pos
	}
	return spec.Position{}
}

func findOption(m rule.Meta, name string) (rule.Option, bool) {
	for _, o := range m.Options {
		if o.Name == name {
			return o, true
		}
	}
	return rule.Option{}, false
}

func optionNames(m rule.Meta) []string {
	out := make([]string, len(m.Options))
	for i, o := range m.Options {
		out[i] = o.Name
	}
	return out
}

// defaultBuiltin mirrors the rules package's rulesets for callers that do
// not pass one: recommended is every rule's default severity; strict
// promotes warn to error and info to warn.
func defaultBuiltin(rs []rule.Rule) func(string) (map[string]rule.Severity, bool) {
	return func(name string) (map[string]rule.Severity, bool) {
		out := map[string]rule.Severity{}
		for _, r := range rs {
			m := r.Meta()
			s := m.Severity
			switch name {
			case "recommended":
			case "strict":
				switch s {
				case rule.Warn:
					s = rule.Error
				case rule.Info:
					s = rule.Warn
				}
			default:
				return nil, false
			}
			out[m.ID] = s
		}
		return out, true
	}
}

// convertOption checks a user value against the type of the option's default
// and converts it to that type. It returns a message ("must be …") when the
// value does not fit.
func convertOption(def, v any) (any, string) {
	switch def.(type) {
	case string:
		if s, ok := v.(string); ok {
			return s, ""
		}
		return nil, "must be a string, got " + describe(v)
	case bool:
		if b, ok := v.(bool); ok {
			return b, ""
		}
		return nil, "must be true or false, got " + describe(v)
	case int, int64:
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return int(i), ""
			}
		}
		return nil, "must be a whole number, got " + describe(v)
	case float64:
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return f, ""
			}
		}
		return nil, "must be a number, got " + describe(v)
	case []string:
		l, ok := v.([]any)
		if !ok {
			return nil, "must be a list of strings, got " + describe(v)
		}
		out := make([]string, 0, len(l))
		for _, x := range l {
			s, ok := x.(string)
			if !ok {
				return nil, "must be a list of strings, got an item " + describe(x)
			}
			out = append(out, s)
		}
		return out, ""
	case map[string]any:
		if m, ok := v.(map[string]any); ok {
			return plain(m), ""
		}
		return nil, "must be a mapping, got " + describe(v)
	case []any:
		if l, ok := v.([]any); ok {
			return plain(l), ""
		}
		return nil, "must be a list, got " + describe(v)
	}
	return plain(v), ""
}

// plain turns json.Numbers into int (when whole) or float64, recursively, so
// rules see the types Options' accessors expect.
func plain(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", x)
	case bool:
		return fmt.Sprint(x)
	case json.Number:
		return "the number " + x.String()
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%v", v)
}
