package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
)

// converter turns the parser's tree into ours. It is where hostile input is
// bounded: every node created (aliases expanded included) is charged to a
// budget proportional to the file size, so an alias bomb ends in an error
// instead of runaway memory, and nesting is capped.
type converter struct {
	file     *File
	budget   int
	maxDepth int
	errLine  int
	errCol   int
}

var errAliasBomb = errors.New("YAML aliases expand to far more nodes than the file holds (an alias bomb?); refusing to expand")

func (c *converter) convert(y *yaml.Node, parent *Node, index, depth int) (*Node, error) {
	if depth > c.maxDepth {
		c.errLine, c.errCol = y.Line, y.Column
		return nil, fmt.Errorf("document nests deeper than %d levels", c.maxDepth)
	}
	aliasDepth := 0
	for y.Kind == yaml.AliasNode {
		if y.Alias == nil || aliasDepth > 100 {
			c.errLine, c.errCol = y.Line, y.Column
			return nil, errors.New("unresolvable YAML alias")
		}
		y = y.Alias
		aliasDepth++
	}
	c.budget--
	if c.budget < 0 {
		c.errLine, c.errCol = y.Line, y.Column
		return nil, errAliasBomb
	}
	n := &Node{Line: y.Line, Col: y.Column, file: c.file, parent: parent, index: index}
	switch y.Kind {
	case yaml.MappingNode:
		n.Kind = MappingNode
		pairs := len(y.Content) / 2
		n.Keys = make([]*Node, 0, pairs)
		n.Values = make([]*Node, 0, pairs)
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag == "!!merge" {
				if err := c.merge(n, v, depth); err != nil {
					return nil, err
				}
				continue
			}
			kn := &Node{Kind: ScalarNode, Tag: "!!str", Value: k.Value, Line: k.Line, Col: k.Column, file: c.file, parent: n, index: len(n.Keys)}
			if k.Kind != yaml.ScalarNode {
				c.errLine, c.errCol = k.Line, k.Column
				return nil, errors.New("mapping keys must be scalars")
			}
			c.budget--
			vn, err := c.convert(v, n, len(n.Values), depth+1)
			if err != nil {
				return nil, err
			}
			n.Keys = append(n.Keys, kn)
			n.Values = append(n.Values, vn)
		}
	case yaml.SequenceNode:
		n.Kind = SequenceNode
		n.Values = make([]*Node, 0, len(y.Content))
		for i, it := range y.Content {
			vn, err := c.convert(it, n, i, depth+1)
			if err != nil {
				return nil, err
			}
			n.Values = append(n.Values, vn)
		}
	case yaml.ScalarNode:
		n.Kind = ScalarNode
		n.Tag = y.Tag
		if n.Tag == "" {
			n.Tag = y.ShortTag()
		}
		n.Value = y.Value
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			n.Kind, n.Tag = ScalarNode, "!!null"
			return n, nil
		}
		return c.convert(y.Content[0], parent, index, depth)
	default:
		c.errLine, c.errCol = y.Line, y.Column
		return nil, fmt.Errorf("unsupported YAML node kind %v", y.Kind)
	}
	return n, nil
}

// merge applies a YAML merge key (<<: *anchor or a list of them) to n,
// without overriding keys n already has.
func (c *converter) merge(n *Node, v *yaml.Node, depth int) error {
	for v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	srcs := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	}
	for _, s := range srcs {
		for s.Kind == yaml.AliasNode && s.Alias != nil {
			s = s.Alias
		}
		if s.Kind != yaml.MappingNode {
			c.errLine, c.errCol = s.Line, s.Column
			return errors.New("a YAML merge key (<<) needs a mapping")
		}
		tmp, err := c.convert(s, nil, 0, depth)
		if err != nil {
			return err
		}
		for i, k := range tmp.Keys {
			if n.Get(k.Value) != nil {
				continue
			}
			k.parent, k.index = n, len(n.Keys)
			val := tmp.Values[i]
			val.parent, val.index = n, len(n.Values)
			n.Keys = append(n.Keys, k)
			n.Values = append(n.Values, val)
		}
	}
	return nil
}

// tooDeep scans raw bytes for flow-style nesting ([ and {) deeper than max,
// before any parser recurses into it. Quoted strings are skipped. It returns
// the line and column where the limit was crossed.
func tooDeep(data []byte, max int) (line, col int, deep bool) {
	depth := 0
	line, col = 1, 0
	var quote byte
	for i := 0; i < len(data); i++ {
		b := data[i]
		col++
		if b == '\n' {
			line, col = line+1, 0
			continue
		}
		if quote != 0 {
			if b == '\\' && quote == '"' {
				i++
				col++
			} else if b == quote {
				quote = 0
			}
			continue
		}
		switch b {
		case '"':
			quote = b
		case '[', '{':
			depth++
			if depth > max {
				return line, col, true
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return 0, 0, false
}

var yamlLineRE = regexp.MustCompile(`(?:line (\d+)(?:, column (\d+))?|at L(\d+)\.C(\d+))`)

// parseFailed recognises libopenapi's stand-in for an unparsable document.
func parseFailed(root *yaml.Node, data []byte) bool {
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return false
	}
	c := root.Content[0]
	return c.Kind == yaml.ScalarNode && len(c.Value) == len(data) && c.Value == string(data)
}

// syntaxError re-parses data to report the parser's error as
// file:line:col: message. It returns nil when the data parses.
func syntaxError(name string, data []byte) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		var v any
		err := json.Unmarshal(data, &v)
		if err == nil {
			return nil
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := offsetToLineCol(data, int(se.Offset))
			return &Error{Pos: Position{File: name, Line: line, Col: col}, Msg: "invalid JSON: " + se.Error()}
		}
		return &Error{Pos: Position{File: name, Line: 1, Col: 1}, Msg: "invalid JSON: " + err.Error()}
	}
	var n yaml.Node
	err := yaml.Unmarshal(data, &n)
	if err == nil {
		return nil
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	pos := Position{File: name, Line: 1, Col: 1}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		l, c := m[1], m[2]
		if l == "" {
			l, c = m[3], m[4]
		}
		pos.Line, _ = strconv.Atoi(l)
		if c != "" {
			pos.Col, _ = strconv.Atoi(c)
		}
		msg = strings.TrimSpace(yamlLineRE.ReplaceAllString(msg, ""))
		msg = strings.TrimPrefix(msg, ": ")
	}
	return &Error{Pos: pos, Msg: "invalid YAML: " + msg}
}

func offsetToLineCol(data []byte, off int) (int, int) {
	if off > len(data) {
		off = len(data)
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
