package spec

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Servers returns the servers list that applies to an operation: the
// nearest non-empty one of the operation, its path item and the document,
// or nil.
func (o *Operation) Servers() *Node {
	for _, n := range []*Node{o.Node, o.PathItem, o.Doc.Root} {
		if s := n.Get("servers"); s.Len() > 0 {
			return s
		}
	}
	return nil
}

var serverVar = regexp.MustCompile(`\{[^{}]*\}`)

// ServerBasePath returns the path part of a server object's url, with its
// variables replaced by their defaults, without a trailing slash ("" for a
// bare host). publish uses it to build gateway paths and the cross-spec rules
// to compare them, so both agree. An error is about the server's url node.
func ServerBasePath(srv *Node) (string, error) {
	raw := srv.Str("url")
	vars := srv.Get("variables")
	var bad string
	expanded := serverVar.ReplaceAllStringFunc(raw, func(m string) string {
		name := m[1 : len(m)-1]
		v := vars.Get(name)
		if v == nil || !v.Has("default") {
			bad = name
			return m
		}
		return v.Str("default")
	})
	if bad != "" {
		return "", fmt.Errorf("server url %q: variable {%s} has no default", raw, bad)
	}
	p := expanded
	if strings.Contains(expanded, "://") {
		u, err := url.Parse(expanded)
		if err != nil {
			return "", fmt.Errorf("server url %q: %v", raw, err)
		}
		p = u.Path
	} else if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	p = strings.TrimPrefix(p, ".")
	if p != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return strings.TrimSuffix(p, "/"), nil
}
