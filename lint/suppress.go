package lint

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gwctl/gwctl/lint/config"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// IgnoreRuleID is the rule id of findings about malformed x-lint-ignore
// entries. They are always errors and cannot themselves be suppressed.
const IgnoreRuleID = "lint-ignore"

// Inline suppressions.
//
// Any mapping in a spec may carry `x-lint-ignore`, which silences findings of
// the listed rules at that mapping or anywhere below it (a finding on a
// mapping key counts as being on the key's value, so an ignore inside a path
// item also covers findings reported on the path key). Every entry needs a
// reason. Two spellings are accepted:
//
//	x-lint-ignore:
//	  - rule: path-no-http-verbs
//	    reason: kept for old clients until v2
//	  - rule: path-segments-kebab-case
//	    reason: kept for old clients until v2
//
//	x-lint-ignore: [path-no-http-verbs, path-segments-kebab-case]
//	x-lint-ignore-reason: kept for old clients until v2
//
// (In the first form an entry without its own reason falls back to
// x-lint-ignore-reason.) Suppression follows the document's structure, not
// $refs: an ignore next to a `$ref` does not reach into the referenced
// component; put it in the component. A malformed entry (not a list, no
// reason, an unknown rule id, unknown keys) is reported as an error finding
// of rule `lint-ignore`; the well-formed entries next to it still apply.
const (
	ignoreKey       = "x-lint-ignore"
	ignoreReasonKey = "x-lint-ignore-reason"
)

type ignoreEntry struct {
	rule   string
	reason string
	at     spec.Position
}

type ignores struct {
	byNode   map[*spec.Node][]ignoreEntry
	files    map[string]*spec.File
	problems []rule.Finding
}

// collectIgnores walks every loaded file for x-lint-ignore.
func collectIgnores(set *spec.Set, known map[string]bool) *ignores {
	ig := &ignores{byNode: map[*spec.Node][]ignoreEntry{}, files: map[string]*spec.File{}}
	ids := slices.Sorted(maps.Keys(known))
	for _, f := range set.Files() {
		ig.files[f.Name] = f
		walkMaps(f.Root, func(m *spec.Node) { ig.parse(m, known, ids) })
	}
	return ig
}

func walkMaps(n *spec.Node, fn func(*spec.Node)) {
	if n == nil {
		return
	}
	if n.IsMap() {
		fn(n)
	}
	for _, v := range n.Values {
		if v.IsMap() || v.IsSeq() {
			walkMaps(v, fn)
		}
	}
}

func (ig *ignores) problem(n *spec.Node, format string, args ...any) {
	ig.problems = append(ig.problems, rule.Finding{
		Rule: IgnoreRuleID, Severity: rule.Error, Message: fmt.Sprintf(format, args...),
		Pos: n.Pos(), Pointer: n.Pointer(), Node: n,
	})
}

const ignoreShape = "write x-lint-ignore as a list of {rule: ID, reason: WHY} (or a list of rule ids with x-lint-ignore-reason: WHY)"

func (ig *ignores) parse(m *spec.Node, known map[string]bool, ids []string) {
	v := m.Get(ignoreKey)
	rn := m.Get(ignoreReasonKey)
	if v == nil {
		if rn != nil {
			ig.problem(m.KeyNode(ignoreReasonKey), "x-lint-ignore-reason without x-lint-ignore: it has nothing to explain")
		}
		return
	}
	shared := ""
	if rn != nil {
		if !rn.IsScalar() || strings.TrimSpace(rn.Value) == "" || rn.IsNull() {
			ig.problem(rn, "x-lint-ignore-reason must be a non-empty text")
		} else {
			shared = strings.TrimSpace(rn.Value)
		}
	}
	if !v.IsSeq() {
		ig.problem(m.KeyNode(ignoreKey), "x-lint-ignore must be a list: %s", ignoreShape)
		return
	}
	if v.Len() == 0 {
		ig.problem(m.KeyNode(ignoreKey), "x-lint-ignore is empty: list the rules to ignore here, or remove it")
		return
	}
	checkID := func(n *spec.Node, id string) bool {
		if known[id] {
			return true
		}
		msg := fmt.Sprintf("unknown rule %q in x-lint-ignore", id)
		if s := config.Suggest(id, ids); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		ig.problem(n, "%s", msg)
		return false
	}
	for _, it := range v.Items() {
		switch {
		case it.IsScalar() && !it.IsNull():
			id := strings.TrimSpace(it.Value)
			if !checkID(it, id) {
				continue
			}
			if shared == "" {
				ig.problem(it, "x-lint-ignore of %s has no reason: write {rule: %s, reason: WHY} or add x-lint-ignore-reason", id, id)
				continue
			}
			ig.byNode[m] = append(ig.byNode[m], ignoreEntry{rule: id, reason: shared, at: it.Pos()})
		case it.IsMap():
			ok := true
			it.Each(func(key string, k, _ *spec.Node) {
				if key != "rule" && key != "reason" {
					ig.problem(k, "unknown key %q in an x-lint-ignore entry (want rule and reason)", key)
					ok = false
				}
			})
			rv := it.Get("rule")
			if rv == nil || !rv.IsScalar() || strings.TrimSpace(rv.Value) == "" {
				ig.problem(it, "x-lint-ignore entry without a rule id: %s", ignoreShape)
				continue
			}
			id := strings.TrimSpace(rv.Value)
			if !checkID(rv, id) {
				continue
			}
			reason := ""
			if r := it.Get("reason"); r.IsScalar() && !r.IsNull() {
				reason = strings.TrimSpace(r.Value)
			}
			if reason == "" {
				reason = shared
			}
			if reason == "" {
				ig.problem(it, "x-lint-ignore of %s has no reason: add reason: WHY", id)
				continue
			}
			if ok {
				ig.byNode[m] = append(ig.byNode[m], ignoreEntry{rule: id, reason: reason, at: it.Pos()})
			}
		default:
			ig.problem(it, "x-lint-ignore entries must be rule ids or {rule, reason} mappings: %s", ignoreShape)
		}
	}
}

// node finds the node a finding is about.
func (ig *ignores) node(f rule.Finding) *spec.Node {
	if f.Node != nil {
		return f.Node
	}
	file := ig.files[f.Pos.File]
	if file == nil {
		return nil
	}
	return atPointer(file.Root, f.Pointer)
}

func (ig *ignores) match(f rule.Finding) (ignoreEntry, bool) {
	if len(ig.byNode) == 0 {
		return ignoreEntry{}, false
	}
	n := ig.node(f)
	if n == nil {
		return ignoreEntry{}, false
	}
	// A key node stands for its value.
	if p := n.Parent(); p.IsMap() {
		if k, kn := n.Key(); kn == n {
			if e, ok := ig.at(p.Get(k), f.Rule); ok {
				return e, true
			}
		}
	}
	for a := n; a != nil; a = a.Parent() {
		if e, ok := ig.at(a, f.Rule); ok {
			return e, true
		}
	}
	return ignoreEntry{}, false
}

func (ig *ignores) at(n *spec.Node, id string) (ignoreEntry, bool) {
	for _, e := range ig.byNode[n] {
		if e.rule == id {
			return e, true
		}
	}
	return ignoreEntry{}, false
}

// atPointer follows an RFC 6901 pointer from root ("" is root itself).
func atPointer(root *spec.Node, ptr string) *spec.Node {
	n := root
	if ptr == "" {
		return n
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch {
		case n.IsMap():
			n = n.Get(tok)
		case n.IsSeq():
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= n.Len() {
				return nil
			}
			n = n.Items()[i]
		default:
			return nil
		}
		if n == nil {
			return nil
		}
	}
	return n
}

// exceptions match findings against gwctl.yaml's per-file/per-path
// exceptions.
type exceptions struct {
	list []config.Exception
	dir  string
}

func newExceptions(list []config.Exception, dir string) *exceptions {
	return &exceptions{list: list, dir: dir}
}

func (x *exceptions) match(f rule.Finding) (config.Exception, bool) {
	for _, e := range x.list {
		if !slices.Contains(e.Rules, f.Rule) {
			continue
		}
		if len(e.Files) > 0 && !anyMatch(e.Files, x.relFile(f)) {
			continue
		}
		if len(e.Paths) > 0 {
			p, ok := apiPath(f.Pointer)
			if !ok || !anyMatch(e.Paths, p) {
				continue
			}
		}
		return e, true
	}
	return config.Exception{}, false
}

// relFile is the finding's file relative to the project directory,
// slash-separated.
func (x *exceptions) relFile(f rule.Finding) string {
	abs := ""
	if f.Node != nil && f.Node.File() != nil {
		abs = f.Node.File().Path
	}
	if abs == "" {
		var err error
		if abs, err = filepath.Abs(filepath.FromSlash(f.Pos.File)); err != nil {
			return f.Pos.File
		}
	}
	rel, err := filepath.Rel(x.dir, abs)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(rel)
}

// apiPath returns the path key a pointer is under (/paths/~1v1~1orders/get →
// /v1/orders).
func apiPath(ptr string) (string, bool) {
	rest, ok := strings.CutPrefix(ptr, "/paths/")
	if !ok {
		return "", false
	}
	tok, _, _ := strings.Cut(rest, "/")
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~"), true
}

func anyMatch(globs []string, name string) bool {
	for _, g := range globs {
		if config.Match(g, name) {
			return true
		}
	}
	return false
}
