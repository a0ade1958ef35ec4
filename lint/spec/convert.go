package spec

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/go-yaml/plugin/limit"
)

// minAliasNodes is how many nodes YAML aliases may add to any file; on top
// of it they may add a quarter of the file's size in bytes. A real spec that
// reuses a few responses through anchors stays far below; an alias bomb
// (billion laughs) of a few hundred bytes that would expand to billions of
// nodes stops here, with memory bounded by the file's size.
const minAliasNodes = 100_000

// parseYAML parses src as one YAML document into f.
func parseYAML(f *File, src string, maxDepth int) error {
	// The parser's own nesting limit (flow and block separately) stops deep
	// documents before any recursion; the converter then checks the total.
	deep := false
	depthCheck := func(depth int, _ *yaml.DepthContext) error {
		if depth > maxDepth {
			deep = true
			return fmt.Errorf("document nests deeper than %d levels", maxDepth)
		}
		return nil
	}
	ld, err := yaml.NewLoader(strings.NewReader(src), yaml.WithV3Defaults(), yaml.WithPlugin(limit.New(limit.DepthFunc(depthCheck))))
	if err != nil {
		return &Error{Pos: Position{File: f.Name}, Msg: err.Error()}
	}
	var doc yaml.Node
	if err := ld.Load(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &Error{Pos: Position{File: f.Name}, Msg: "file holds no YAML document (only comments?)"}
		}
		return yamlError(f.Name, src, err, deep)
	}
	var next yaml.Node
	switch err := ld.Load(&next); {
	case err == nil:
		line, col := next.Line, next.Column
		if len(next.Content) > 0 {
			line, col = next.Content[0].Line, next.Content[0].Column
		}
		return &Error{Pos: Position{File: f.Name, Line: line, Col: col}, Msg: "a second YAML document starts here; a spec file must hold exactly one"}
	case !errors.Is(err, io.EOF):
		return yamlError(f.Name, src, err, deep)
	}
	y := &doc
	if y.Kind == yaml.DocumentNode {
		if len(y.Content) == 0 {
			return &Error{Pos: Position{File: f.Name}, Msg: "file holds no YAML document (only comments?)"}
		}
		y = y.Content[0]
	}
	c := &converter{
		b:        newBuilder(f, len(src)),
		maxDepth: maxDepth,
		limit:    minAliasNodes + len(src)/4,
		stack:    make([]*Node, 0, 64),
	}
	c.budget = c.limit
	root, err := c.convert(y, 0)
	if err != nil {
		return err
	}
	f.Root = root
	f.Format = "yaml"
	return nil
}

// yamlError turns the parser's error into file:line:col: message.
func yamlError(name, src string, err error, deep bool) error {
	var le *yaml.LoadError
	if !errors.As(err, &le) {
		return &Error{Pos: Position{File: name, Line: 1, Col: 1}, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	pos := Position{File: name, Line: le.Mark.Line, Col: le.Mark.Column}
	msg := strings.TrimPrefix(le.Message, "yaml: ")
	switch {
	case deep:
		return &Error{Pos: pos, Msg: msg}
	case le.Stage == yaml.ReaderStage || pos.Line == 0:
		// Encoding problems come without a position: find the byte.
		if off, what := badByte(src); off >= 0 {
			line, col := lineCol(src, off)
			return &Error{Pos: Position{File: name, Line: line, Col: col}, Msg: "invalid YAML: " + what}
		}
		if pos.Line == 0 {
			pos.Line, pos.Col = 1, 1
		}
	case le.ContextMsg != "" && le.ContextMark.Line > 0 && le.ContextMark != le.Mark:
		msg = fmt.Sprintf("%s (%s at line %d, column %d)", msg, le.ContextMsg, le.ContextMark.Line, le.ContextMark.Column)
	case le.ContextMsg != "":
		msg = fmt.Sprintf("%s (%s)", msg, le.ContextMsg)
	}
	return &Error{Pos: pos, Msg: "invalid YAML: " + msg}
}

// badByte finds the first byte that cannot be in a YAML text: invalid UTF-8
// or a control character other than tab, LF and CR. It returns -1 if none.
func badByte(s string) (int, string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				return i, fmt.Sprintf("byte 0x%02x is not UTF-8 text (is this a binary file?)", c)
			}
			i += size
			continue
		}
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return i, fmt.Sprintf("control character %U (is this a binary file?)", rune(c))
		}
		i++
	}
	return -1, ""
}

// converter turns the parser's tree into ours. It is where hostile input is
// bounded: nodes that aliases add are charged to a budget proportional to
// the file's size (see minAliasNodes), an alias inside its own anchor is
// refused, and nesting (aliases expanded) is capped at maxDepth.
type converter struct {
	b         *builder
	maxDepth  int
	budget    int          // nodes aliases may still add
	limit     int          // the budget at the start
	aliasAt   *yaml.Node   // the outermost alias being expanded
	expanding []*yaml.Node // anchors being expanded, innermost last
	stack     []*Node      // children of the collections still open
}

func (c *converter) fail(y *yaml.Node, format string, args ...any) error {
	return &Error{Pos: Position{File: c.b.file.Name, Line: y.Line, Col: y.Column}, Msg: fmt.Sprintf(format, args...)}
}

func (c *converter) convert(y *yaml.Node, depth int) (*Node, error) {
	if depth > c.maxDepth {
		return nil, c.fail(y, "document nests deeper than %d levels", c.maxDepth)
	}
	if y.Kind == yaml.AliasNode {
		return c.alias(y, depth)
	}
	if c.aliasAt != nil {
		c.budget--
		if c.budget < 0 {
			return nil, c.fail(c.aliasAt, "YAML aliases expand to more than %d nodes, the limit for a file of this size (an alias bomb?)", c.limit)
		}
	}
	switch y.Kind {
	case yaml.MappingNode:
		return c.mapping(y, depth)
	case yaml.SequenceNode:
		n := c.b.node(SequenceNode, "!!seq", y.Line, y.Column)
		base := len(c.stack)
		for _, it := range y.Content {
			v, err := c.convert(it, depth+1)
			if err != nil {
				return nil, err
			}
			c.stack = append(c.stack, v)
		}
		n.Values = c.b.carve(n, c.stack[base:])
		c.stack = c.stack[:base]
		return n, nil
	case yaml.ScalarNode:
		tag := y.Tag
		if tag == "" || tag == "!" {
			tag = y.ShortTag()
		}
		n := c.b.node(ScalarNode, tag, y.Line, y.Column)
		n.Value = y.Value
		return n, nil
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			n := c.b.node(ScalarNode, "!!null", y.Line, y.Column)
			return n, nil
		}
		return c.convert(y.Content[0], depth)
	}
	return nil, c.fail(y, "unsupported YAML node kind %v", y.Kind)
}

// alias expands an alias in place.
func (c *converter) alias(y *yaml.Node, depth int) (*Node, error) {
	t := y.Alias
	if t == nil {
		return nil, c.fail(y, "YAML alias *%s has no anchor", y.Value)
	}
	for _, e := range c.expanding {
		if e == t {
			return nil, c.fail(y, "YAML alias *%s is inside its own anchor (a recursive alias)", y.Value)
		}
	}
	outer := c.aliasAt == nil
	if outer {
		c.aliasAt = y
	}
	c.expanding = append(c.expanding, t)
	n, err := c.convert(t, depth)
	c.expanding = c.expanding[:len(c.expanding)-1]
	if outer {
		c.aliasAt = nil
	}
	return n, err
}

// resolveAlias follows an alias to its anchored node.
func resolveAlias(y *yaml.Node) *yaml.Node {
	for i := 0; y != nil && y.Kind == yaml.AliasNode && i < 100; i++ {
		y = y.Alias
	}
	return y
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

func (c *converter) mapping(y *yaml.Node, depth int) (*Node, error) {
	n := c.b.node(MappingNode, "!!map", y.Line, y.Column)
	base := len(c.stack)
	var merges []*yaml.Node
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if isMergeKey(k) {
			merges = append(merges, v)
			continue
		}
		kk := resolveAlias(k)
		if kk == nil || kk.Kind != yaml.ScalarNode {
			return nil, c.fail(k, "mapping keys must be strings, not a %s", kindName(kk))
		}
		if c.aliasAt != nil {
			c.budget-- // the key node; its value is charged by convert
		}
		kn := c.b.node(ScalarNode, "!!str", k.Line, k.Column)
		kn.Value = kk.Value
		vn, err := c.convert(v, depth+1)
		if err != nil {
			return nil, err
		}
		if kn.Value == "$ref" && vn.Kind == ScalarNode {
			c.b.file.refs = append(c.b.file.refs, vn)
		}
		c.stack = append(c.stack, kn, vn)
	}
	if len(merges) > 0 {
		// Duplicates among the mapping's own keys are reported before the
		// merge hides them; merged keys never collide.
		if err := dupError(c.stack[base:]); err != nil {
			return nil, err
		}
		for _, m := range merges {
			if err := c.merge(m, base, depth); err != nil {
				return nil, err
			}
		}
	}
	n.Keys, n.Values = c.b.carvePairs(n, c.stack[base:])
	c.stack = c.stack[:base]
	if dup, first := c.b.indexKeys(n); dup >= 0 {
		return nil, dupKeyError(n.Keys[dup], n.Keys[first])
	}
	return n, nil
}

func dupKeyError(k, first *Node) *Error {
	return &Error{Pos: k.Pos(), Msg: fmt.Sprintf("duplicate key %q (first at line %d, column %d)", k.Value, first.Line, first.Col)}
}

// merge applies a YAML merge key (`<<: *anchor` or `<<: [*a, *b]`): the
// keys of the merged mappings that the mapping does not have yet are added
// after its own, earlier sources first.
func (c *converter) merge(v *yaml.Node, base, depth int) error {
	srcs := []*yaml.Node{v}
	if rv := resolveAlias(v); rv != nil && rv.Kind == yaml.SequenceNode {
		srcs = rv.Content
	}
	for _, s := range srcs {
		rs := resolveAlias(s)
		if rs == nil || rs.Kind != yaml.MappingNode {
			return c.fail(s, "a YAML merge key (<<) takes a mapping or a list of mappings, not a %s", kindName(rs))
		}
		tmp, err := c.convert(s, depth)
		if err != nil {
			return err
		}
		have := make(map[string]bool, (len(c.stack)-base)/2+len(tmp.Keys))
		for i := base; i < len(c.stack); i += 2 {
			have[c.stack[i].Value] = true
		}
		for i, k := range tmp.Keys {
			if !have[k.Value] {
				have[k.Value] = true
				c.stack = append(c.stack, k, tmp.Values[i])
			}
		}
	}
	return nil
}

// dupError reports the first repeated key in a key, value, key, value… list.
func dupError(pairs []*Node) error {
	seen := make(map[string]*Node, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k := pairs[i]
		if f, ok := seen[k.Value]; ok {
			return dupKeyError(k, f)
		}
		seen[k.Value] = k
	}
	return nil
}

func kindName(y *yaml.Node) string {
	if y == nil {
		return "missing node"
	}
	switch y.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}
