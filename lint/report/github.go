package report

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/gwctl/gwctl/lint"
	"github.com/gwctl/gwctl/lint/rule"
)

// GitHub writes one GitHub Actions workflow command per finding, which the
// runner turns into an annotation on the file and line:
//
//	::error file=specs/billing.yaml,line=12,col=5,title=path-segments-kebab-case::path segment "get_invoices" …
//
// error → ::error, warn → ::warning, info and hint → ::notice. Related
// places follow the message. Values are escaped as the runner expects: in
// the message % CR LF become %25 %0D %0A; in properties also : and , become
// %3A and %2C. A finding without a line (about a whole file) has no line or
// col property.
func GitHub(w io.Writer, res *lint.Result, opts Options) error {
	bw := bufio.NewWriter(w)
	for _, f := range shown(res, opts.Min) {
		bw.WriteString("::" + githubCommand(f.Severity) + " ")
		bw.WriteString("file=" + escapeProperty(f.Pos.File))
		if f.Pos.Line > 0 {
			bw.WriteString(",line=" + strconv.Itoa(f.Pos.Line))
			if f.Pos.Col > 0 {
				bw.WriteString(",col=" + strconv.Itoa(f.Pos.Col))
			}
		}
		bw.WriteString(",title=" + escapeProperty(f.Rule))
		msg := f.Message
		if len(f.Related) > 0 {
			places := make([]string, len(f.Related))
			for i, r := range f.Related {
				places[i] = r.String()
			}
			msg += " (related: " + strings.Join(places, ", ") + ")"
		}
		bw.WriteString("::" + escapeData(msg) + "\n")
	}
	return bw.Flush()
}

func githubCommand(s rule.Severity) string {
	switch s {
	case rule.Error:
		return "error"
	case rule.Warn:
		return "warning"
	}
	return "notice"
}

// escapeData escapes a workflow command's message.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
