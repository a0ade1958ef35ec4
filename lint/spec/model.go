package spec

import "strings"

// File is one loaded YAML or JSON file: a root spec or a file reached
// through a $ref.
type File struct {
	Name string // display name: relative to the working directory, slash-separated
	Path string // absolute path, or URL for remote files
	Root *Node  // the top-level value
	// Lines is the number of lines, for reporters that need it.
	Lines int
	// Format is "json" or "yaml": how the file was parsed.
	Format string

	index map[*Node]map[string]int32 // key index of large mappings, for Get
	refs  []*Node                    // every $ref value node, in source order
}

// Set is everything loaded in one run: the root spec documents (sorted by
// file name) and every file they reference. It is read-only after Load.
type Set struct {
	Docs  []*Document
	files map[string]*File // by absolute path or URL
	list  []*File          // files sorted by name
}

// Files returns every loaded file (roots and referenced), sorted by name.
func (s *Set) Files() []*File {
	return append([]*File(nil), s.list...)
}

// Document is one OpenAPI 3.x description (a root spec file).
type Document struct {
	Set     *Set
	File    *File
	Root    *Node
	Version string // the `openapi` field, e.g. "3.0.3" or "3.1.0"
	// Service is info.x-service, or the file's base name without extensions.
	Service string
	// Operations in source order (path order, then method order as written).
	Operations []*Operation
}

// Is31 reports an OpenAPI 3.1 (or later) document: JSON Schema 2020-12.
func (d *Document) Is31() bool { return !strings.HasPrefix(d.Version, "3.0") }

// Methods are the HTTP methods an OpenAPI path item can hold, lower case.
var Methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// IsMethod reports whether key is an operation key of a path item.
func IsMethod(key string) bool {
	for _, m := range Methods {
		if m == key {
			return true
		}
	}
	return false
}

// Operation is one method under one path, with the inherited parts of its
// path item already merged in.
type Operation struct {
	Doc       *Document
	Path      string // the path key as written, e.g. /v1/orders/{orderId}
	PathKey   *Node  // the key node under `paths` (for positions)
	PathItem  *Node  // the path item, $ref resolved
	Method    string // lower case: get, post, …
	MethodKey *Node  // the key node of the method
	Node      *Node  // the operation object

	// Params are the effective parameters: path-item parameters overridden
	// by operation parameters with the same name and location, $refs resolved.
	Params []*Param

	// Security is the effective security requirement list: the operation's
	// `security` if present, else the document's root `security`, else nil.
	// SecurityFromRoot says which.
	Security         *Node
	SecurityFromRoot bool
}

// ID returns the operationId ("" if missing).
func (o *Operation) ID() string { return o.Node.Str("operationId") }

// Responses returns the responses mapping (nil if missing).
func (o *Operation) Responses() *Node { return o.Doc.Set.Deref(o.Node.Get("responses")) }

// Response returns the response object for a status key, $ref resolved.
func (o *Operation) Response(code string) *Node {
	return o.Doc.Set.Deref(o.Responses().Get(code))
}

// RequestBody returns the request body object, $ref resolved (nil if none).
func (o *Operation) RequestBody() *Node { return o.Doc.Set.Deref(o.Node.Get("requestBody")) }

// Param returns the effective parameter with name and location, or nil.
func (o *Operation) Param(name, in string) *Param {
	for _, p := range o.Params {
		if p.Name == name && p.In == in {
			return p
		}
	}
	return nil
}

// Requirement is one alternative of a security requirement list: all its
// schemes must be satisfied together (AND); the list is an OR.
type Requirement struct {
	Node    *Node
	Schemes []SchemeUse
}

// SchemeUse names a security scheme and the scopes a requirement asks of it.
type SchemeUse struct {
	Name    string
	KeyNode *Node
	Scopes  []string
}

// Requirements decodes the effective security list. An empty slice with
// IsPublic()==true means `security: []` (or `[{}]`).
func (o *Operation) Requirements() []Requirement {
	var out []Requirement
	for _, alt := range o.Security.Items() {
		r := Requirement{Node: alt}
		alt.Each(func(name string, k, v *Node) {
			r.Schemes = append(r.Schemes, SchemeUse{Name: name, KeyNode: k, Scopes: v.Strings()})
		})
		out = append(out, r)
	}
	return out
}

// IsPublic reports an effective security that is explicitly empty: `[]` or
// a list whose only alternatives are empty objects (`[{}]`). An operation
// with no security at all (nil) is not "public", it is unsecured.
func (o *Operation) IsPublic() bool {
	if o.Security == nil || !o.Security.IsSeq() {
		return false
	}
	for _, alt := range o.Security.Items() {
		if alt.Len() > 0 {
			return false
		}
	}
	return true
}

// Param is an effective parameter of an operation.
type Param struct {
	Name     string
	In       string // path, query, header, cookie
	Required bool
	Node     *Node // the parameter object, $ref resolved
	// Use is where the parameter is listed (the $ref or inline object in the
	// operation's or path item's `parameters`); findings point here.
	Use *Node
}

// Schema returns the parameter's schema, $ref resolved (nil if none).
func (p *Param) Schema(s *Set) *Node { return s.Deref(p.Node.Get("schema")) }

// SecurityScheme returns components.securitySchemes[name] of the document,
// $ref resolved, or nil.
func (d *Document) SecurityScheme(name string) *Node {
	return d.Set.Deref(d.Root.Path("components", "securitySchemes", name))
}
