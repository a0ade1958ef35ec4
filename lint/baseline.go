package lint

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// Baselines.
//
// A baseline records the findings a project has today so that they stay
// quiet while new ones fail: `gwctl lint --write-baseline FILE` writes it,
// `gwctl lint --baseline FILE` hides every finding it lists and counts the
// entries that no longer occur (fixed findings), so the file only ever
// shrinks.
//
// A finding is identified by its key: the rule id, the file (relative to the
// baseline file's directory, slash-separated), the JSON pointer of the node
// and a short hash of the node's content. Line numbers play no part, so
// edits elsewhere in a file (or above the finding) leave the key alone.
// The content hash is of the node the finding points at: for a mapping key
// the key text, for a scalar its value, for a mapping or sequence its
// subtree rendered as canonical JSON (sorted keys). Change what a finding is
// about and it becomes a new finding; change anything else and it stays
// known. Findings of the same rule on the same node share a key; the entry
// counts them.
//
// The file is JSON, sorted by file, pointer, rule and hash, 2-space
// indented, with a trailing newline, so it diffs well and is byte-identical
// wherever it is written:
//
//	{
//	  "version": 1,
//	  "findings": [
//	    {
//	      "rule": "path-segments-kebab-case",
//	      "file": "specs/billing.yaml",
//	      "pointer": "/paths/~1get_invoices",
//	      "hash": "5d41402abc4b",
//	      "count": 1,
//	      "message": "…"          // for people reading the file; not matched
//	    }
//	  ]
//	}

// BaselineVersion is the format version written and understood.
const BaselineVersion = 1

// Baseline is a set of known findings.
type Baseline struct {
	Version  int             `json:"version"`
	Findings []BaselineEntry `json:"findings"`
	// Dir is the directory entry files are relative to: the baseline file's
	// directory (absolute).
	Dir string `json:"-"`
	// Name is how to name the file in messages.
	Name string `json:"-"`
}

// BaselineEntry is one known finding (Count of them).
type BaselineEntry struct {
	BaselineKey
	Count   int    `json:"count"`
	Message string `json:"message,omitempty"`
}

// BaselineKey identifies a finding across edits.
type BaselineKey struct {
	Rule    string `json:"rule"`
	File    string `json:"file"`
	Pointer string `json:"pointer"`
	Hash    string `json:"hash"`
}

// String is a stable one-line form of the key.
func (k BaselineKey) String() string {
	return k.Rule + " " + k.File + "#" + k.Pointer + " " + k.Hash
}

// Fingerprint is a fixed-length digest of the key, for tools that track
// results across runs (SARIF partialFingerprints).
func (k BaselineKey) Fingerprint() string {
	sum := sha256.Sum256([]byte(k.Rule + "\x00" + k.File + "\x00" + k.Pointer + "\x00" + k.Hash))
	return hex.EncodeToString(sum[:16])
}

// KeyOf returns the baseline key of f, its file made relative to dir (an
// absolute directory; "" means the working directory).
func KeyOf(f rule.Finding, dir string) BaselineKey {
	return BaselineKey{Rule: f.Rule, File: relTo(dir, findingPath(f)), Pointer: f.Pointer, Hash: ContentHash(f)}
}

// findingPath is the absolute path of the file a finding is in.
func findingPath(f rule.Finding) string {
	if f.Node != nil && f.Node.File() != nil && f.Node.File().Path != "" {
		return f.Node.File().Path
	}
	abs, err := filepath.Abs(filepath.FromSlash(f.Pos.File))
	if err != nil {
		return f.Pos.File
	}
	return abs
}

func relTo(dir, abs string) string {
	if dir == "" {
		dir, _ = os.Getwd()
	}
	if strings.Contains(abs, "://") {
		return abs // a remote file keeps its URL
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(rel)
}

// positionText matches file:line(:col) and line:col references inside
// messages, whose numbers move with unrelated edits.
var positionText = regexp.MustCompile(`:\d+(:\d+)?`)

// ContentHash is the short hash of what a finding is about: the content of
// its node (see the package comment on baselines), or, for a finding without
// a node, its message with positions taken out.
func ContentHash(f rule.Finding) string {
	h := sha256.New()
	n := f.Node
	switch {
	case n == nil:
		io.WriteString(h, "m\x00"+positionText.ReplaceAllString(f.Message, ""))
	case isKeyNode(n):
		io.WriteString(h, "k\x00"+n.Value)
	case n.IsScalar():
		io.WriteString(h, "s\x00"+n.Value)
	default:
		b, err := json.Marshal(n.Interface())
		if err != nil {
			b = []byte(n.Pointer())
		}
		io.WriteString(h, "j\x00")
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// isKeyNode reports whether n is the key node of a mapping entry.
func isKeyNode(n *spec.Node) bool {
	if !n.IsScalar() || !n.Parent().IsMap() {
		return false
	}
	_, kn := n.Key()
	return kn == n
}

// NewBaseline records findings, their files relative to dir (the directory
// the baseline file will be written to).
func NewBaseline(findings []rule.Finding, dir string) *Baseline {
	b := &Baseline{Version: BaselineVersion, Dir: dir}
	idx := map[BaselineKey]int{}
	for _, f := range findings {
		k := KeyOf(f, dir)
		if i, ok := idx[k]; ok {
			b.Findings[i].Count++
			continue
		}
		idx[k] = len(b.Findings)
		b.Findings = append(b.Findings, BaselineEntry{BaselineKey: k, Count: 1, Message: oneLineMessage(f.Message)})
	}
	b.sort()
	return b
}

func oneLineMessage(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func (b *Baseline) sort() {
	slices.SortFunc(b.Findings, func(x, y BaselineEntry) int {
		return cmp.Or(
			strings.Compare(x.File, y.File),
			strings.Compare(x.Pointer, y.Pointer),
			strings.Compare(x.Rule, y.Rule),
			strings.Compare(x.Hash, y.Hash),
		)
	})
}

// Len is the number of findings the baseline holds (counts summed).
func (b *Baseline) Len() int {
	n := 0
	for _, e := range b.Findings {
		n += e.Count
	}
	return n
}

// Files is the number of distinct files the baseline has findings in.
func (b *Baseline) Files() int {
	seen := map[string]bool{}
	for _, e := range b.Findings {
		seen[e.File] = true
	}
	return len(seen)
}

// WriteTo writes the baseline as JSON (see the format above).
func (b *Baseline) WriteTo(w io.Writer) (int64, error) {
	out := struct {
		Version  int             `json:"version"`
		Findings []BaselineEntry `json:"findings"`
	}{BaselineVersion, b.Findings}
	if out.Findings == nil {
		out.Findings = []BaselineEntry{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return 0, err
	}
	n, err := w.Write(buf.Bytes())
	return int64(n), err
}

// WriteFile writes the baseline to path atomically (a temporary file in the
// same directory, then rename), so a failed write never leaves half a
// baseline behind.
func (b *Baseline) WriteFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".baseline-*.json")
	if err != nil {
		return fmt.Errorf("write baseline %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := b.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write baseline %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write baseline %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write baseline %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write baseline %s: %w", path, err)
	}
	return nil
}

// ReadBaseline reads a baseline file. Problems are reported as spec.Errors
// positioned in the file (name is how to call it in messages).
func ReadBaseline(path, name string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", unwrapPath(err, name))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	b, err := ParseBaseline(data, name)
	if err != nil {
		return nil, err
	}
	b.Dir = filepath.Dir(abs)
	return b, nil
}

func unwrapPath(err error, name string) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", name, pe.Err)
	}
	return err
}

// ParseBaseline decodes a baseline document; Dir is left empty.
func ParseBaseline(data []byte, name string) (*Baseline, error) {
	at := func(off int64, format string, args ...any) error {
		line, col := lineCol(data, off)
		return spec.Errors{&spec.Error{Pos: spec.Position{File: name, Line: line, Col: col}, Msg: fmt.Sprintf(format, args...)}}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b Baseline
	if err := dec.Decode(&b); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, at(max(se.Offset-1, 0), "invalid baseline JSON: %v", se)
		case errors.As(err, &te):
			field := strings.ReplaceAll(te.Field, "BaselineKey.", "")
			return nil, at(te.Offset, "invalid baseline: %s must be a %s, not a %s", field, te.Type, te.Value)
		case errors.Is(err, io.EOF):
			return nil, at(0, "empty baseline file: write one with gwctl lint --write-baseline %s", name)
		}
		return nil, at(dec.InputOffset(), "invalid baseline: %v", err)
	}
	if b.Version != BaselineVersion {
		return nil, at(0, "baseline version %d is not supported (want %d): write it again with gwctl lint --write-baseline %s", b.Version, BaselineVersion, name)
	}
	for i, e := range b.Findings {
		if e.Rule == "" || e.File == "" || e.Hash == "" {
			return nil, at(0, "baseline finding %d lacks rule, file or hash", i+1)
		}
		if e.Count <= 0 {
			b.Findings[i].Count = 1
		}
	}
	b.Name = name
	return &b, nil
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, c := range string(data[:off]) {
		if c == '\n' {
			line, col = line+1, 1
			continue
		}
		col++
	}
	return line, col
}

// baselineMatcher hides known findings and tracks what is left over.
type baselineMatcher struct {
	b    *Baseline
	left map[BaselineKey]int
}

func newBaselineMatcher(b *Baseline) *baselineMatcher {
	m := &baselineMatcher{b: b, left: make(map[BaselineKey]int, len(b.Findings))}
	for _, e := range b.Findings {
		m.left[e.BaselineKey] += e.Count
	}
	return m
}

// match consumes one occurrence of f's key.
func (m *baselineMatcher) match(f rule.Finding) bool {
	k := KeyOf(f, m.b.Dir)
	if m.left[k] > 0 {
		m.left[k]--
		return true
	}
	return false
}

// stale counts the entries left over in files for which inScope is true
// (the files that were linted in full).
func (m *baselineMatcher) stale(inScope func(file string) bool) int {
	n := 0
	for k, c := range m.left {
		if c > 0 && inScope(k.File) {
			n += c
		}
	}
	return n
}

// narrow applies --baseline and then --changed-since to the sorted,
// deduplicated findings of res, moving baselined ones to res.Suppressed and
// counting both in res.Summary. It returns the findings left to report.
func narrow(res *Result, set *spec.Set, opts Options, touched func(*spec.Document) bool) []rule.Finding {
	if opts.Baseline == nil && opts.Changed == nil {
		return res.Findings
	}
	var bm *baselineMatcher
	if opts.Baseline != nil {
		bm = newBaselineMatcher(opts.Baseline)
	}
	var cf *changeFilter
	if opts.Changed != nil {
		cf = newChangeFilter(opts.Changed, set)
	}
	var out []rule.Finding
	for _, f := range res.Findings {
		if bm != nil && bm.match(f) {
			res.Suppressed = append(res.Suppressed, Suppressed{Finding: f, By: "baseline", At: spec.Position{File: opts.Baseline.Name}})
			res.Summary.Baselined++
			continue
		}
		if cf != nil && !cf.keep(f) {
			res.Summary.Unchanged++
			continue
		}
		out = append(out, f)
	}
	if bm != nil {
		res.Summary.BaselineStale = bm.stale(linted(set, opts.Baseline.Dir, touched))
	}
	return out
}

// linted reports, by baseline-relative name, the files whose findings this
// run produced in full: every loaded file, or with --changed-since only the
// root files of the documents whose rules ran.
func linted(set *spec.Set, dir string, touched func(*spec.Document) bool) func(string) bool {
	all := true
	for _, d := range set.Docs {
		if !touched(d) {
			all = false
		}
	}
	names := map[string]bool{}
	if all {
		for _, f := range set.Files() {
			names[relTo(dir, f.Path)] = true
		}
	} else {
		for _, d := range set.Docs {
			if touched(d) {
				names[relTo(dir, d.File.Path)] = true
			}
		}
	}
	return func(name string) bool { return names[name] }
}
