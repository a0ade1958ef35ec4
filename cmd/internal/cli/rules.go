package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	"github.com/gwctl/gwctl/lint/config"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/rules"
)

// RulesOptions holds what `gwctl rules` uses.
type RulesOptions struct {
	IO     *iostreams.IOStreams
	ID     string // explain this rule; empty lists them all
	Format string // text | json

	// Rules and Examples are the registry (rules.All, rules.Examples);
	// tests swap them.
	Rules    []rule.Rule
	Examples func(id string) (fail, pass []byte, err error)
}

// NewCmdRules builds `gwctl rules`.
func NewCmdRules(ios *iostreams.IOStreams, runF func(context.Context, *RulesOptions) error) *cobra.Command {
	opts := &RulesOptions{IO: ios, Rules: rules.All(), Examples: rules.Examples}
	cmd := &cobra.Command{
		Use:   "rules [ID]",
		Short: "List the built-in lint rules, or explain one",
		Long: `Without ID, list every built-in rule: its id, default severity, family and what
it wants. With ID, explain one rule: what it checks, its default severity, its
options with their defaults, how to fix a finding, and a failing and a passing
example (the same files the rule is tested with).`,
		Example: `  gwctl rules
  gwctl rules path-segments-kebab-case
  gwctl rules --format json | jq -r '.[].id'`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ID = args[0]
			}
			if opts.Format != "text" && opts.Format != "json" {
				return Usagef("invalid --format %q: want text or json", opts.Format)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRules(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "text", "output `FORMAT`: text or json")
	return cmd
}

func runRules(_ context.Context, opts *RulesOptions) error {
	if opts.ID == "" {
		if opts.Format == "json" {
			out := make([]ruleJSON, 0, len(opts.Rules))
			for _, r := range opts.Rules {
				out = append(out, toRuleJSON(r.Meta()))
			}
			return writeJSON(opts.IO.Out, out)
		}
		return listRules(opts)
	}
	var found rule.Rule
	ids := make([]string, 0, len(opts.Rules))
	for _, r := range opts.Rules {
		ids = append(ids, r.Meta().ID)
		if r.Meta().ID == opts.ID {
			found = r
		}
	}
	if found == nil {
		msg := fmt.Sprintf("unknown rule %q", opts.ID)
		if s := config.Suggest(opts.ID, ids); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return &InputError{Err: fmt.Errorf("%s\nRun 'gwctl rules' to list the built-in rules.", msg)}
	}
	m := found.Meta()
	fail, pass, err := opts.Examples(m.ID)
	if err != nil {
		// Every rule ships its examples (a test enforces it); say so rather
		// than print half a page.
		return fmt.Errorf("rule %s: examples missing from this build: %w", m.ID, err)
	}
	if opts.Format == "json" {
		j := toRuleJSON(m)
		j.Examples = &examplesJSON{Fail: string(fail), Pass: string(pass)}
		return writeJSON(opts.IO.Out, j)
	}
	return explainRule(opts.IO, m, fail, pass)
}

func listRules(opts *RulesOptions) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tFAMILY\tSUMMARY")
	for _, r := range opts.Rules {
		m := r.Meta()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.ID, m.Severity, m.Family, m.Summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	table := b.String()
	if opts.IO.ColorOut() {
		// Bold the header only after tabwriter measured it as plain text.
		head, rest, _ := strings.Cut(table, "\n")
		table = "\x1b[1m" + head + "\x1b[0m\n" + rest
	}
	if _, err := io.WriteString(opts.IO.Out, table); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%d rules. Run 'gwctl rules ID' for one rule's options and examples.\n", len(opts.Rules))
	return nil
}

func explainRule(ios *iostreams.IOStreams, m rule.Meta, fail, pass []byte) error {
	color := ios.ColorOut()
	h := func(s string) string {
		if color {
			return "\x1b[1m" + s + "\x1b[0m"
		}
		return s
	}
	w := bufio.NewWriter(ios.Out)
	scope := "per document"
	if m.Scope == rule.ScopeSet {
		scope = "across all specs"
	}
	fmt.Fprintf(w, "%s\n\n", h(m.ID))
	fmt.Fprintf(w, "  %s\n\n", m.Summary)
	fmt.Fprintf(w, "%s  %s\n", h("Severity:"), m.Severity)
	fmt.Fprintf(w, "%s    %s\n", h("Family:"), m.Family)
	fmt.Fprintf(w, "%s     %s\n", h("Scope:"), scope)

	fmt.Fprintf(w, "\n%s\n", h("Options:"))
	if len(m.Options) == 0 {
		fmt.Fprintln(w, "  none")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, o := range m.Options {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", o.Name, compactJSON(o.Default), o.Description)
		}
		tw.Flush()
	}
	if m.Fix != "" {
		fmt.Fprintf(w, "\n%s\n  %s\n", h("How to fix:"), m.Fix)
	}
	fmt.Fprintf(w, "\n%s\n", h("Configure in gwctl.yaml:"))
	fmt.Fprintf(w, "  ruleset:\n    rules:\n")
	if len(m.Options) == 0 {
		fmt.Fprintf(w, "      %s: %s   # error, warn, info, hint or off\n", m.ID, m.Severity)
	} else {
		o := m.Options[0]
		fmt.Fprintf(w, "      %s: {severity: %s, options: {%s: %s}}\n", m.ID, m.Severity, o.Name, compactJSON(o.Default))
	}

	fmt.Fprintf(w, "\n%s\n", h("Failing example:"))
	writeIndented(w, fail)
	fmt.Fprintf(w, "\n%s\n", h("Passing example:"))
	writeIndented(w, pass)
	return w.Flush()
}

func writeIndented(w io.Writer, b []byte) {
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			fmt.Fprintln(w)
			continue
		}
		fmt.Fprintf(w, "    %s\n", line)
	}
}

func compactJSON(v any) string {
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// ruleJSON is a rule's documentation as `gwctl rules --format json` prints it.
type ruleJSON struct {
	ID       string        `json:"id"`
	Summary  string        `json:"summary"`
	Severity string        `json:"severity"`
	Family   string        `json:"family"`
	Scope    string        `json:"scope"` // document | set
	Fix      string        `json:"fix,omitempty"`
	Options  []optionJSON  `json:"options"`
	Examples *examplesJSON `json:"examples,omitempty"`
}

type optionJSON struct {
	Name        string `json:"name"`
	Default     any    `json:"default"`
	Description string `json:"description"`
}

type examplesJSON struct {
	Fail string `json:"fail"`
	Pass string `json:"pass"`
}

func toRuleJSON(m rule.Meta) ruleJSON {
	j := ruleJSON{ID: m.ID, Summary: m.Summary, Severity: m.Severity.String(), Family: m.Family, Scope: "document", Fix: m.Fix, Options: []optionJSON{}}
	if m.Scope == rule.ScopeSet {
		j.Scope = "set"
	}
	for _, o := range m.Options {
		j.Options = append(j.Options, optionJSON{Name: o.Name, Default: o.Default, Description: o.Description})
	}
	return j
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
