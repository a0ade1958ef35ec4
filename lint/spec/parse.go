package spec

import (
	"fmt"
	"path/filepath"
	"strings"
)

// parseText parses the text of one file into f.Root. The format follows the
// file name: .json is strict JSON; .yaml and .yml are YAML (read through the
// fast JSON parser when the text is JSON); any other name is JSON when the
// text starts with { or [, YAML otherwise.
func parseText(f *File, src string, maxDepth int) error {
	src, err := checkEncoding(f.Name, src)
	if err != nil {
		return err
	}
	if strings.TrimSpace(src) == "" {
		return &Error{Pos: Position{File: f.Name}, Msg: "file is empty"}
	}
	f.Lines = strings.Count(src, "\n") + 1
	ext := strings.ToLower(filepath.Ext(f.Path))
	first := strings.TrimLeft(src, " \t\r\n")[0]
	switch {
	case ext == ".json":
		return parseJSON(f, src, maxDepth)
	case ext == ".yaml" || ext == ".yml":
		if first == '{' && parseJSON(f, src, maxDepth) == nil {
			return nil
		}
		f.refs, f.index = nil, nil // what the JSON attempt saw
		return parseYAML(f, src, maxDepth)
	case first == '{' || first == '[':
		return parseJSON(f, src, maxDepth)
	}
	return parseYAML(f, src, maxDepth)
}

// checkEncoding drops a UTF-8 byte order mark and refuses other encodings
// and binary files up front, with a message that says so.
func checkEncoding(name, src string) (string, error) {
	switch {
	case strings.HasPrefix(src, "\xef\xbb\xbf"):
		return src[3:], nil
	case strings.HasPrefix(src, "\x00\x00\xfe\xff"), strings.HasPrefix(src, "\xff\xfe\x00\x00"):
		return "", &Error{Pos: Position{File: name, Line: 1, Col: 1}, Msg: "file is UTF-32 encoded; save it as UTF-8"}
	case strings.HasPrefix(src, "\xfe\xff"), strings.HasPrefix(src, "\xff\xfe"):
		return "", &Error{Pos: Position{File: name, Line: 1, Col: 1}, Msg: "file is UTF-16 encoded; save it as UTF-8"}
	}
	if i := strings.IndexByte(src[:min(len(src), 8192)], 0); i >= 0 {
		line, col := lineCol(src, i)
		return "", &Error{Pos: Position{File: name, Line: line, Col: col}, Msg: "binary file (a NUL byte), not YAML or JSON text"}
	}
	return src, nil
}

// checkOpenAPI refuses files that are not OpenAPI 3.x documents, saying what
// they are instead.
func checkOpenAPI(f *File) error {
	r := f.Root
	at := func(n *Node, msg string) error {
		p := n.Pos()
		if p.Line == 0 {
			p = Position{File: f.Name, Line: 1, Col: 1}
		}
		return &Error{Pos: p, Msg: msg}
	}
	if !r.IsMap() {
		return at(r, "not an OpenAPI document: the top level must be a mapping with an `openapi` field")
	}
	if v := r.Get("swagger"); v != nil {
		return at(v, fmt.Sprintf("Swagger %s (OpenAPI 2.0) is not supported; convert it to OpenAPI 3 (for example with swagger2openapi)", v.Value))
	}
	v := r.Get("openapi")
	if v == nil {
		if r.Has("asyncapi") {
			return at(r.KeyNode("asyncapi"), "an AsyncAPI document, not OpenAPI; gwctl reads OpenAPI 3.0 and 3.1")
		}
		return at(r, "not an OpenAPI document: no `openapi` field at the top level")
	}
	if !v.IsScalar() || !(strings.HasPrefix(v.Value, "3.0") || strings.HasPrefix(v.Value, "3.1") || strings.HasPrefix(v.Value, "3.2")) {
		return at(v, fmt.Sprintf("unsupported OpenAPI version %q: gwctl reads 3.0 and 3.1", v.Value))
	}
	return nil
}

// ParseYAML parses any YAML or JSON text (a config file, say) into a
// positioned node tree, with the same bounds and errors as spec files:
// duplicate keys, alias bombs and documents nested deeper than 256 levels
// are refused. name is used in positions and errors, and its extension
// picks the format as for spec files.
func ParseYAML(name string, data []byte) (*Node, error) {
	if int64(len(data)) > defaultMaxFileSize {
		return nil, &Error{Pos: Position{File: name}, Msg: fmt.Sprintf("file is larger than the %s limit", sizeText(defaultMaxFileSize))}
	}
	f := &File{Name: name, Path: name}
	if err := parseText(f, string(data), defaultMaxDepth); err != nil {
		return nil, err
	}
	return f.Root, nil
}
