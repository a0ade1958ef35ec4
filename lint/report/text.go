package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gwctl/gwctl/lint"
	"github.com/gwctl/gwctl/lint/rule"
)

// Text writes one line per finding, grouped by file (a blank line between
// files), columns aligned within a file:
//
//	legacy/billing.yaml:12:5  error  path-segments-kebab-case  path segment "get_invoices" is not kebab-case …
//	legacy/billing.yaml:40:11 warn   path-no-http-verbs        …
//
// Related places (cross-spec findings) follow on indented lines. A clean
// result writes nothing.
func Text(w io.Writer, res *lint.Result, opts Options) error {
	p := painter(opts.Color)
	bw := bufio.NewWriter(w)
	fs := shown(res, opts.Min)
	for start := 0; start < len(fs); {
		end := start
		for end < len(fs) && fs[end].Pos.File == fs[start].Pos.File {
			end++
		}
		group := fs[start:end]
		posW, ruleW := 0, 0
		for _, f := range group {
			posW = max(posW, len(posText(f)))
			ruleW = max(ruleW, utf8.RuneCountInString(f.Rule))
		}
		if start > 0 {
			bw.WriteByte('\n')
		}
		for _, f := range group {
			pos := posText(f)
			sev := f.Severity.String()
			fmt.Fprintf(bw, "%s%s %s%s %s%s %s\n",
				p.paint(bold, pos), pad(pos, posW),
				p.paint(sevStyle(f.Severity), sev), pad(sev, 5),
				p.paint(dim, f.Rule), pad(f.Rule, ruleW),
				oneLine(f.Message))
			for _, r := range f.Related {
				fmt.Fprintf(bw, "  %s %s\n", p.paint(dim, "related:"), r.String())
			}
		}
		start = end
	}
	return bw.Flush()
}

func posText(f rule.Finding) string {
	if f.Pos.Line == 0 {
		return f.Pos.File
	}
	return f.Pos.File + ":" + strconv.Itoa(f.Pos.Line) + ":" + strconv.Itoa(f.Pos.Col)
}

func pad(s string, w int) string {
	n := w - utf8.RuneCountInString(s)
	if n <= 0 {
		return ""
	}
	return strings.Repeat(" ", n)
}

// oneLine keeps a finding on its line whatever the message holds.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// Summary writes the one-line human summary, for stderr:
//
//	✖ 12 problems (3 errors, 9 warnings) in 2 files, 31 operations; 3 suppressed (2 by x-lint-ignore, 1 by exceptions)
//	✔ no problems in 2 files, 31 operations
func Summary(w io.Writer, res *lint.Result, opts Options) error {
	p := painter(opts.Color)
	s := res.Summary
	var b strings.Builder
	scope := fmt.Sprintf("in %s, %s", plural(s.Files, "file", "files"), plural(s.Operations, "operation", "operations"))
	if n := s.Problems(); n > 0 {
		style := yellow
		if s.Errors > 0 {
			style = red
		}
		counts := []string{plural(s.Errors, "error", "errors"), plural(s.Warnings, "warning", "warnings")}
		if s.Infos > 0 {
			counts = append(counts, plural(s.Infos, "info", "infos"))
		}
		if s.Hints > 0 {
			counts = append(counts, plural(s.Hints, "hint", "hints"))
		}
		b.WriteString(p.paint(bold+style, "✖ "+plural(n, "problem", "problems")))
		b.WriteString(" (" + strings.Join(counts, ", ") + ") " + scope)
	} else {
		b.WriteString(p.paint(green, "✔ no problems"))
		b.WriteString(" " + scope)
	}
	if sup := s.Ignored + s.Excepted + s.Baselined; sup > 0 {
		var parts []string
		if s.Ignored > 0 {
			parts = append(parts, fmt.Sprintf("%d by x-lint-ignore", s.Ignored))
		}
		if s.Excepted > 0 {
			parts = append(parts, fmt.Sprintf("%d by exceptions", s.Excepted))
		}
		if s.Baselined > 0 {
			parts = append(parts, fmt.Sprintf("%d by the baseline", s.Baselined))
		}
		b.WriteString(p.paint(dim, fmt.Sprintf("; %d suppressed (%s)", sup, strings.Join(parts, ", "))))
	}
	if s.Unchanged > 0 {
		b.WriteString(p.paint(dim, fmt.Sprintf("; %d outside the changes", s.Unchanged)))
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
