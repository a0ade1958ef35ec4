package config

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/gwctl/gwctl/lint/spec"
)

// Schema is the JSON Schema (draft 2020-12) of gwctl.yaml, as shipped.
//
//go:embed schema.json
var Schema []byte

const schemaURL = "https://gwctl.dev/schema/gwctl.yaml.json"

type compiled struct {
	project *jsonschema.Schema
	ruleset *jsonschema.Schema
	raw     map[string]any
}

var loadSchema = sync.OnceValues(func() (*compiled, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource(schemaURL, bytes.NewReader(Schema)); err != nil {
		return nil, err
	}
	project, err := c.Compile(schemaURL)
	if err != nil {
		return nil, err
	}
	ruleset, err := c.Compile(schemaURL + "#/$defs/ruleset")
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := json.Unmarshal(Schema, &raw); err != nil {
		return nil, err
	}
	return &compiled{project: project, ruleset: ruleset, raw: raw}, nil
})

// validate checks root against the project schema (or the ruleset schema for
// a ruleset file) and returns every violation at its position.
func validate(root *spec.Node, rulesetFile bool) []error {
	c, err := loadSchema()
	if err != nil {
		// The schema is ours and compiled in tests; this cannot happen in a
		// released binary.
		panic(fmt.Sprintf("gwctl.yaml schema: %v", err))
	}
	sch := c.project
	if rulesetFile {
		sch = c.ruleset
	}
	err = sch.Validate(root.Interface())
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []error{&spec.Error{Pos: root.Pos(), Msg: err.Error()}}
	}
	m := &mapper{root: root, raw: c.raw, rulesetFile: rulesetFile}
	m.walk(ve)
	return m.errs
}

// mapper turns a jsonschema error tree into positioned messages.
type mapper struct {
	root        *spec.Node
	raw         map[string]any
	rulesetFile bool
	errs        []error
}

func (m *mapper) add(n *spec.Node, format string, args ...any) {
	m.errs = append(m.errs, &spec.Error{Pos: nodePos(n, m.root), Msg: fmt.Sprintf(format, args...)})
}

// nodePos is n's position, falling back to the file's first line.
func nodePos(n, root *spec.Node) spec.Position {
	p := n.Pos()
	if p.Line == 0 {
		p = root.Pos()
		if p.Line == 0 {
			p.Line, p.Col = 1, 1
		}
	}
	return p
}

func (m *mapper) walk(ve *jsonschema.ValidationError) {
	kw := lastToken(ve.KeywordLocation)
	n := instanceAt(m.root, ve.InstanceLocation)
	where := m.describe(ve.InstanceLocation)
	parent := m.schemaAt(parentPtr(ve.AbsoluteKeywordLocation))

	switch kw {
	case "oneOf", "anyOf":
		// A mapping is judged against the object branch, so an unknown key
		// inside {severity, options} is reported as such; anything else
		// gets the schema's own message.
		if n.IsMap() {
			var objCauses []*jsonschema.ValidationError
			for _, c := range ve.Causes {
				if !onlyTypeErrors(c, ve.InstanceLocation) {
					objCauses = append(objCauses, c)
				}
			}
			if len(objCauses) > 0 {
				for _, c := range objCauses {
					m.walk(c)
				}
				return
			}
		}
		if msg, ok := parent["x-message"].(string); ok {
			m.add(n, "%s %s, got %s", where, msg, describeValue(n))
			return
		}
	case "additionalProperties", "properties", "items", "$ref", "allOf", "prefixItems", "":
		if len(ve.Causes) > 0 {
			for _, c := range ve.Causes {
				m.walk(c)
			}
			return
		}
	}
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			m.walk(c)
		}
		return
	}

	// A leaf: say what is wrong in our words.
	if msg, ok := parent["x-message"].(string); ok && kw != "additionalProperties" && kw != "required" {
		m.add(n, "%s %s, got %s", where, msg, describeValue(n))
		return
	}
	switch kw {
	case "additionalProperties":
		allowed := keysOf(parent["properties"])
		n.Each(func(key string, k, _ *spec.Node) {
			if slices.Contains(allowed, key) {
				return
			}
			msg := fmt.Sprintf("unknown key %s in %s", quote(key), m.container(ve.InstanceLocation))
			if hint := unknownKeyHint(ve.InstanceLocation, key); hint != "" {
				msg += "; " + hint
			} else if s := Suggest(key, allowed); s != "" {
				msg += "; did you mean " + quote(s) + "?"
			} else if len(allowed) > 0 {
				msg += " (known keys: " + strings.Join(allowed, ", ") + ")"
			}
			m.add(k, "%s", msg)
		})
	case "required":
		for _, key := range stringsOf(parent["required"]) {
			if !n.Has(key) {
				msg := fmt.Sprintf("missing required key %s in %s", quote(key), m.container(ve.InstanceLocation))
				if key == "reason" {
					msg += ": every exception must say why it exists"
				}
				m.add(n, "%s", msg)
			}
		}
	case "type":
		m.add(n, "%s must be %s, got %s", where, describeTypes(parent["type"]), describeValue(n))
	case "enum":
		m.add(n, "%s must be one of %s, got %s", where, joinAny(parent["enum"]), describeValue(n))
	case "const":
		m.add(n, "%s must be %v, got %s", where, parent["const"], describeValue(n))
	case "minLength":
		m.add(n, "%s must not be empty", where)
	case "minItems":
		m.add(n, "%s must not be empty", where)
	case "minimum":
		m.add(n, "%s must be at least %v, got %s", where, parent["minimum"], describeValue(n))
	case "pattern":
		m.add(n, "%s has an invalid value %s", where, describeValue(n))
	default:
		m.add(n, "%s: %s", where, ve.Message)
	}
}

// unknownKeyHint explains the keys people most often get wrong.
func unknownKeyHint(loc, key string) string {
	lk := strings.ToLower(key)
	if strings.HasSuffix(loc, "gateway") && (lk == "token" || lk == "admintoken" || lk == "secret") {
		return "tokens are never written in gwctl.yaml: name the environment variable that holds it with tokenEnv"
	}
	if lk == "secret" || lk == "password" {
		return "secrets are never written in gwctl.yaml: name an environment variable (secretEnv)"
	}
	return ""
}

// onlyTypeErrors reports an error tree whose leaves are all type or enum
// mismatches of the instance itself: a oneOf branch for another kind of value.
func onlyTypeErrors(ve *jsonschema.ValidationError, inst string) bool {
	if len(ve.Causes) == 0 {
		kw := lastToken(ve.KeywordLocation)
		return ve.InstanceLocation == inst && (kw == "type" || kw == "enum" || kw == "const")
	}
	for _, c := range ve.Causes {
		if !onlyTypeErrors(c, inst) {
			return false
		}
	}
	return true
}

// schemaAt returns the raw subschema at an absolute keyword location.
func (m *mapper) schemaAt(abs string) map[string]any {
	_, frag, _ := strings.Cut(abs, "#")
	var cur any = m.raw
	if frag != "" {
		for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
			tok = unescapeToken(tok)
			switch c := cur.(type) {
			case map[string]any:
				cur = c[tok]
			case []any:
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(c) {
					return nil
				}
				cur = c[i]
			default:
				return nil
			}
		}
	}
	s, _ := cur.(map[string]any)
	return s
}

func parentPtr(abs string) string {
	i := strings.LastIndexByte(abs, '/')
	if i < 0 || !strings.Contains(abs[:i+1], "#") {
		return abs
	}
	return abs[:i]
}

func lastToken(ptr string) string {
	if i := strings.LastIndexByte(ptr, '/'); i >= 0 {
		return ptr[i+1:]
	}
	return ptr
}

func unescapeToken(t string) string {
	if u, err := url.PathUnescape(t); err == nil {
		t = u
	}
	return strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
}

// instanceAt follows a JSON pointer into our node tree, stopping at the
// deepest node that exists.
func instanceAt(root *spec.Node, ptr string) *spec.Node {
	n := root
	if ptr == "" {
		return n
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		var next *spec.Node
		switch {
		case n.IsMap():
			next = n.Get(tok)
		case n.IsSeq():
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < n.Len() {
				next = n.Items()[i]
			}
		}
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

// describe names an instance location for messages: `ruleset.rules.x`,
// `ruleset.exceptions[0].reason`.
func (m *mapper) describe(ptr string) string {
	if ptr == "" {
		if m.rulesetFile {
			return "the ruleset file"
		}
		return "the top level"
	}
	var b strings.Builder
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func (m *mapper) container(ptr string) string {
	if ptr == "" {
		if m.rulesetFile {
			return "the ruleset file"
		}
		return FileName
	}
	return m.describe(ptr)
}

func describeValue(n *spec.Node) string {
	switch {
	case n == nil:
		return "nothing"
	case n.IsMap():
		return "a mapping"
	case n.IsSeq():
		return "a list"
	case n.IsNull():
		return "null"
	}
	switch n.Tag {
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return n.Value
	}
	return quote(n.Value)
}

func describeTypes(v any) string {
	var names []string
	for _, t := range stringsOf(v) {
		names = append(names, typeName(t))
	}
	if s, ok := v.(string); ok {
		names = append(names, typeName(s))
	}
	return strings.Join(names, " or ")
}

func typeName(t string) string {
	switch t {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "string":
		return "a string"
	case "integer":
		return "a whole number"
	case "number":
		return "a number"
	case "boolean":
		return "true or false"
	case "null":
		return "null"
	}
	return t
}

func keysOf(v any) []string {
	m, _ := v.(map[string]any)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func stringsOf(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func joinAny(v any) string {
	l, _ := v.([]any)
	parts := make([]string, 0, len(l))
	for _, x := range l {
		parts = append(parts, fmt.Sprint(x))
	}
	return strings.Join(parts, ", ")
}

func quote(s string) string { return strconv.Quote(s) }

func joinQuoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return strings.Join(q, ", ")
}

// Suggest returns the candidate closest to s when it is close enough to be a
// likely typo, or "".
func Suggest(s string, candidates []string) string {
	best, bestD := "", 0
	limit := max(2, len(s)/3)
	for _, c := range candidates {
		d := distance(strings.ToLower(s), strings.ToLower(c))
		if d <= limit && (best == "" || d < bestD) {
			best, bestD = c, d
		}
	}
	if best != "" {
		return best
	}
	// A substring, or every word of a hyphenated name, is a good hint too:
	// path-kebab → path-segments-kebab-case.
	words := strings.Split(strings.ToLower(s), "-")
	bestExtra := 0
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if len(s) >= 4 && strings.Contains(lc, strings.ToLower(s)) {
			return c
		}
		if len(words) < 2 {
			continue
		}
		cw := strings.Split(lc, "-")
		all := true
		for _, w := range words {
			if w == "" || !slices.Contains(cw, w) {
				all = false
				break
			}
		}
		if all && (best == "" || len(cw)-len(words) < bestExtra) {
			best, bestExtra = c, len(cw)-len(words)
		}
	}
	return best
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
