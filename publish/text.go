package publish

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ANSI colours; used only when the caller says the stream is a colour TTY.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

var kindStyle = map[Kind]struct {
	mark, title, color string
}{
	Exposed:          {"+", "newly exposed", ansiYellow + ansiBold},
	AuthWeakened:     {"!", "auth removed or weakened", ansiRed + ansiBold},
	Removed:          {"-", "removed (unlisted, will be removed)", ansiRed},
	Changed:          {"~", "changed", ansiCyan},
	AuthStrengthened: {"^", "auth strengthened", ansiGreen},
}

// WriteText writes the plan for people: a headline, then one section per
// kind in risk order, then the unchanged count and any blocking conflicts.
func (p *Plan) WriteText(w io.Writer, color bool) error {
	paint := func(c, s string) string {
		if !color || c == "" {
			return s
		}
		return c + s + ansiReset
	}
	var b strings.Builder
	base := p.Base
	if base == "" {
		base = "empty"
	}
	fmt.Fprintf(&b, "%s owner %s against revision %s: %s\n", paint(ansiBold, "Plan:"), p.Owner, base, p.Summary())
	width := 0
	for _, c := range p.Changes {
		width = max(width, len(c.Method))
	}
	for _, k := range Kinds {
		st := kindStyle[k]
		first := true
		for _, c := range p.Changes {
			if c.Kind != k {
				continue
			}
			if first {
				fmt.Fprintf(&b, "\n%s\n", paint(st.color, st.title))
				first = false
			}
			fmt.Fprintf(&b, "  %s %-*s %s", paint(st.color, st.mark), width, c.Method, c.Path)
			if c.Source != "" {
				fmt.Fprintf(&b, "  (%s)", c.Source)
			}
			b.WriteByte('\n')
			for _, d := range c.Details {
				fmt.Fprintf(&b, "      %s\n", d)
			}
		}
	}
	if len(p.Other) > 0 {
		fmt.Fprintf(&b, "\n%s\n", paint(ansiCyan, "owner settings"))
		for _, o := range p.Other {
			fmt.Fprintf(&b, "  ~ %s\n", o)
		}
	}
	if !p.HasChanges() {
		fmt.Fprintf(&b, "\nNo changes: the gateway already serves what the specs describe (%d endpoints).\n", p.Unchanged)
	} else if p.Unchanged > 0 {
		fmt.Fprintf(&b, "\n%d %s unchanged.\n", p.Unchanged, plural(p.Unchanged, "endpoint", "endpoints"))
	}
	if len(p.Conflicts) > 0 {
		fmt.Fprintf(&b, "\n%s\n", paint(ansiRed+ansiBold, "conflicts (blocking: another owner serves these routes)"))
		for _, c := range p.Conflicts {
			fmt.Fprintf(&b, "  %s %s %s is claimed by owner %q as %s", paint(ansiRed, "x"), c.Method, c.Path, c.Owner, c.OtherPath)
			if c.Source != "" {
				fmt.Fprintf(&b, "  (%s)", c.Source)
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the plan as indented JSON (stable field order).
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
