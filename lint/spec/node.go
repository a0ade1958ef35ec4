// Package spec is THE loader and model shared by lint, rules and publish.
// Every node carries its file, line, column and JSON pointer. A Set is parsed
// once per run and is read-only afterwards, so rules may read it from many
// goroutines.
//
// It is the only package that imports the pb33f OpenAPI libraries: YAML is
// read with pb33f/go-yaml (the parser libopenapi itself uses), JSON with a
// strict parser of its own that builds nodes directly (see json.go).
// libopenapi's document model is not built: on a large spec it costs many
// times the whole lint run.
package spec

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Kind is the shape of a node.
type Kind uint8

const (
	ScalarNode Kind = iota + 1
	MappingNode
	SequenceNode
)

// Position is where a node starts in its file: 1-based line and column, the
// column counted in characters (Unicode code points, a tab is one), as YAML
// parsers and most editors count them. Line 0 means the position is unknown
// (an error about a whole file).
type Position struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"column"`
}

func (p Position) String() string {
	return p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

// Node is one YAML/JSON value with its position. Mapping nodes keep their keys
// in source order: Keys[i] is the key node of Values[i]. Sequence nodes keep
// their items in Values. Nodes are never mutated after loading.
//
// Key nodes are always scalars tagged !!str (a YAML key `200:` reads as the
// string "200"). A YAML alias is expanded: the copy carries the positions of
// the anchored original, and its pointer is where the alias sits. Keys merged
// in with `<<:` come after the mapping's own keys and never override them.
type Node struct {
	Kind  Kind
	index int32  // position in parent.Values
	Tag   string // for scalars: !!str, !!int, !!float, !!bool, !!null; !!map, !!seq
	Value string // scalar value; for key nodes, the key text
	Line  int
	Col   int

	Keys   []*Node // mapping keys (scalars)
	Values []*Node // mapping values or sequence items

	file   *File
	parent *Node
}

// File is the loaded file a node belongs to.
func (n *Node) File() *File {
	if n == nil {
		return nil
	}
	return n.file
}

// Pos returns the node's position.
func (n *Node) Pos() Position {
	if n == nil {
		return Position{}
	}
	name := ""
	if n.file != nil {
		name = n.file.Name
	}
	return Position{File: name, Line: n.Line, Col: n.Col}
}

// Parent returns the containing mapping or sequence, nil at the root.
func (n *Node) Parent() *Node {
	if n == nil {
		return nil
	}
	return n.parent
}

// Key returns the mapping key under which this node sits in its parent, and
// the key node; for sequence items it returns the index as text and nil.
func (n *Node) Key() (string, *Node) {
	if n == nil || n.parent == nil {
		return "", nil
	}
	if n.parent.Kind == MappingNode {
		k := n.parent.Keys[n.index]
		return k.Value, k
	}
	return strconv.Itoa(int(n.index)), nil
}

// Pointer returns the RFC 6901 JSON pointer of the node inside its file
// ("" for the root).
func (n *Node) Pointer() string {
	if n == nil {
		return ""
	}
	var parts []string
	for c := n; c.parent != nil; c = c.parent {
		k, _ := c.Key()
		parts = append(parts, escapePointer(k))
	}
	if len(parts) == 0 {
		return ""
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String()
}

func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// IsMap, IsSeq and IsScalar report the node kind; all are false for nil.
func (n *Node) IsMap() bool    { return n != nil && n.Kind == MappingNode }
func (n *Node) IsSeq() bool    { return n != nil && n.Kind == SequenceNode }
func (n *Node) IsScalar() bool { return n != nil && n.Kind == ScalarNode }

// IsNull reports an explicit null or a missing node.
func (n *Node) IsNull() bool { return n == nil || (n.Kind == ScalarNode && n.Tag == "!!null") }

// Get returns the value under key in a mapping, or nil. Large mappings
// (paths, components/schemas) are looked up through an index built at load.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != MappingNode {
		return nil
	}
	if len(n.Keys) > smallMap && n.file != nil {
		if idx := n.file.index[n]; idx != nil {
			if i, ok := idx[key]; ok {
				return n.Values[i]
			}
			return nil
		}
	}
	for i, k := range n.Keys {
		if k.Value == key {
			return n.Values[i]
		}
	}
	return nil
}

// KeyNode returns the key node for key in a mapping, or nil. Findings about a
// map entry usually point at its key.
func (n *Node) KeyNode(key string) *Node {
	if n == nil || n.Kind != MappingNode {
		return nil
	}
	if len(n.Keys) > smallMap && n.file != nil {
		if idx := n.file.index[n]; idx != nil {
			if i, ok := idx[key]; ok {
				return n.Keys[i]
			}
			return nil
		}
	}
	for _, k := range n.Keys {
		if k.Value == key {
			return k
		}
	}
	return nil
}

// Has reports whether a mapping has key.
func (n *Node) Has(key string) bool { return n.KeyNode(key) != nil }

// Path follows keys through nested mappings.
func (n *Node) Path(keys ...string) *Node {
	for _, k := range keys {
		n = n.Get(k)
		if n == nil {
			return nil
		}
	}
	return n
}

// Str returns the scalar value under key ("" if missing or not a scalar).
func (n *Node) Str(key string) string {
	v := n.Get(key)
	if v == nil || v.Kind != ScalarNode || v.Tag == "!!null" {
		return ""
	}
	return v.Value
}

// Bool returns the boolean value under key (false if missing).
func (n *Node) Bool(key string) bool {
	v := n.Get(key)
	return v != nil && v.Kind == ScalarNode && v.Tag == "!!bool" && (v.Value == "true" || v.Value == "True" || v.Value == "TRUE")
}

// Len is the number of entries or items.
func (n *Node) Len() int {
	if n == nil {
		return 0
	}
	return len(n.Values)
}

// Each calls fn for each mapping entry in source order.
func (n *Node) Each(fn func(key string, keyNode, value *Node)) {
	if n == nil || n.Kind != MappingNode {
		return
	}
	for i, k := range n.Keys {
		fn(k.Value, k, n.Values[i])
	}
}

// Items returns the items of a sequence (nil for other kinds).
func (n *Node) Items() []*Node {
	if n == nil || n.Kind != SequenceNode {
		return nil
	}
	return n.Values
}

// Strings returns a sequence of scalars as strings.
func (n *Node) Strings() []string {
	var out []string
	for _, it := range n.Items() {
		if it.Kind == ScalarNode {
			out = append(out, it.Value)
		}
	}
	return out
}

// Interface converts the node to plain Go values as encoding/json would
// decode them (map[string]any, []any, string, float64/json.Number, bool, nil).
// $refs are not followed. Integers become json.Number so that large values
// survive; this is the form jsonschema validators accept.
func (n *Node) Interface() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case MappingNode:
		m := make(map[string]any, len(n.Keys))
		for i, k := range n.Keys {
			m[k.Value] = n.Values[i].Interface()
		}
		return m
	case SequenceNode:
		s := make([]any, len(n.Values))
		for i, v := range n.Values {
			s[i] = v.Interface()
		}
		return s
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err == nil {
			return b
		}
	case "!!int", "!!float":
		v := strings.ReplaceAll(n.Value, "_", "")
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return json.Number(v)
		}
		if i, err := strconv.ParseInt(v, 0, 64); err == nil {
			return json.Number(strconv.FormatInt(i, 10))
		}
	}
	return n.Value
}
