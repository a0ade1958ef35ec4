package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/spec"
)

// Schemas: resolution and walking helpers shared by the error, shape,
// security and example rules. They read the positioned model only and never
// expand a $ref graph recursively without a visited set, so recursive
// schemas are safe.

// schemaTypeList returns a schema's declared types: `type: object` (OAS 3.0
// and 3.1) or `type: [object, "null"]` (3.1). nil when there is no type.
func schemaTypeList(n *spec.Node) []string {
	t := n.Get("type")
	switch {
	case t.IsScalar() && !t.IsNull():
		return []string{t.Value}
	case t.IsSeq():
		return t.Strings()
	}
	return nil
}

// schemaHasType reports whether a schema declares type t (alone or in a list).
func schemaHasType(n *spec.Node, t string) bool {
	for _, x := range schemaTypeList(n) {
		if x == t {
			return true
		}
	}
	return false
}

// mediaEssence is a media type without parameters, lower case:
// "Application/JSON; charset=utf-8" → "application/json".
func mediaEssence(mt string) string {
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// mediaIsJSON reports application/json and every structured-syntax +json type
// (application/problem+json, application/merge-patch+json, vendor types).
func mediaIsJSON(mt string) bool {
	e := mediaEssence(mt)
	return e == "application/json" || strings.HasSuffix(e, "+json")
}

// mediaMatches reports whether mt matches one of patterns: an exact media
// type, "*+json" for any structured JSON suffix, or "type/*".
func mediaMatches(mt string, patterns []string) bool {
	e := mediaEssence(mt)
	for _, p := range patterns {
		p = mediaEssence(p)
		switch {
		case p == e:
			return true
		case p == "*+json" && strings.HasSuffix(e, "+json"):
			return true
		case strings.HasSuffix(p, "/*") && strings.HasPrefix(e, strings.TrimSuffix(p, "*")):
			return true
		}
	}
	return false
}

// declSite is where a finding about a node should point: the key it is
// defined under when it is a mapping value (components.schemas.Order → the
// `Order` key), the node itself otherwise.
func declSite(n *spec.Node) *spec.Node {
	if _, k := n.Key(); k != nil {
		return k
	}
	return n
}

// schemaProp is one property a schema declares.
type schemaProp struct {
	Name   string
	Key    *spec.Node // the property name key node
	Schema *spec.Node // the property schema as written (may be a $ref)
}

// mergedProps returns the properties an object schema declares, including
// those of its allOf branches (resolved, recursively), in source order; the
// first declaration of a name wins.
func mergedProps(set *spec.Set, n *spec.Node) []schemaProp {
	var out []schemaProp
	seen := map[string]bool{}
	visited := map[*spec.Node]bool{}
	var walk func(n *spec.Node)
	walk = func(n *spec.Node) {
		n = set.Deref(n)
		if !n.IsMap() || visited[n] {
			return
		}
		visited[n] = true
		n.Get("properties").Each(func(name string, k, v *spec.Node) {
			if !seen[name] {
				seen[name] = true
				out = append(out, schemaProp{Name: name, Key: k, Schema: v})
			}
		})
		for _, b := range n.Get("allOf").Items() {
			walk(b)
		}
	}
	walk(n)
	return out
}

// findProp returns the property called name in mergedProps order, or nil.
func findProp(props []schemaProp, name string) *schemaProp {
	for i := range props {
		if props[i].Name == name {
			return &props[i]
		}
	}
	return nil
}

// nonObject explains why a resolved schema is certainly not a JSON object:
// it returns the node to report and a description ("an array", "type
// string"), or nil when the schema is an object or cannot be told. Every
// branch of allOf/oneOf/anyOf must be an object too.
func nonObject(set *spec.Set, n *spec.Node) (*spec.Node, string) {
	return nonObjectVisit(set, n, map[*spec.Node]bool{})
}

func nonObjectVisit(set *spec.Set, use *spec.Node, visited map[*spec.Node]bool) (*spec.Node, string) {
	n := set.Deref(use)
	if !n.IsMap() || visited[n] {
		return nil, ""
	}
	visited[n] = true
	if ts := schemaTypeList(n); len(ts) > 0 {
		for _, t := range ts {
			if t == "object" {
				return nil, ""
			}
		}
		nonNull := ts[:0:0]
		for _, t := range ts {
			if t != "null" {
				nonNull = append(nonNull, t)
			}
		}
		if len(nonNull) == 0 {
			return use, "type null"
		}
		if len(nonNull) == 1 {
			switch nonNull[0] {
			case "array", "integer":
				return use, "an " + nonNull[0]
			case "string", "number", "boolean":
				return use, "a " + nonNull[0]
			}
		}
		return use, "type " + strings.Join(nonNull, "|")
	}
	if n.Has("properties") || n.Has("additionalProperties") || n.Has("patternProperties") {
		return nil, ""
	}
	if n.Has("items") || n.Has("prefixItems") {
		return use, "an array"
	}
	for _, kw := range []string{"allOf", "oneOf", "anyOf"} {
		for _, b := range n.Get(kw).Items() {
			if bad, what := nonObjectVisit(set, b, visited); bad != nil {
				return bad, what
			}
		}
	}
	return nil, ""
}

// eachResponse calls fn for every status key of an operation's responses
// (extensions skipped), with the response $ref resolved.
func eachResponse(op *spec.Operation, fn func(code string, key, resp *spec.Node)) {
	op.Responses().Each(func(code string, k, v *spec.Node) {
		if strings.HasPrefix(code, "x-") {
			return
		}
		fn(code, k, op.Doc.Set.Deref(v))
	})
}

// isSuccessCode reports 2xx keys: "200", "2XX".
func isSuccessCode(code string) bool { return len(code) == 3 && code[0] == '2' }

// isErrorCode reports the keys an error body belongs to: 4xx, 5xx, 4XX, 5XX
// and default.
func isErrorCode(code string) bool {
	return code == "default" || (len(code) == 3 && (code[0] == '4' || code[0] == '5'))
}

// responseCovers reports whether responses documents code: exactly, or (when
// ranges is on) through its NXX range or `default`.
func responseCovers(responses *spec.Node, code string, ranges bool) bool {
	if responses.Has(code) {
		return true
	}
	if !ranges {
		return false
	}
	return responses.Has("default") || (len(code) == 3 && responses.Has(code[:1]+"XX"))
}

// jsonMedia returns the first JSON media type of a response or request body
// content map, with its key; nil if none.
func jsonMedia(body *spec.Node) (key, media *spec.Node) {
	body.Get("content").Each(func(mt string, k, v *spec.Node) {
		if key == nil && mediaIsJSON(mt) {
			key, media = k, v
		}
	})
	return key, media
}

// listInfo describes a list operation: a GET on a path whose last segment is
// a literal, returning a collection.
type listInfo struct {
	SchemaUse *spec.Node // the `schema` value of the JSON media type, as written
	Schema    *spec.Node // resolved
	TopArray  bool       // the body itself is an array
	Props     []schemaProp
	Array     *schemaProp // the collection array property (nil for TopArray)
	Arrays    []schemaProp
	// ArraySchema is the resolved array schema (of Array, or the body).
	ArraySchema *spec.Node
}

// collectionNames are the array properties other guides use for the items
// of a list envelope.
var collectionNames = map[string]bool{
	"items": true, "data": true, "results": true, "value": true, "values": true, "content": true,
	"records": true, "elements": true, "entries": true, "list": true, "rows": true, "hits": true,
}

// pagingHints are envelope members that mark a paginated collection.
var pagingHints = map[string]bool{
	"page": true, "paging": true, "pagination": true, "next": true, "nextLink": true, "nextCursor": true,
	"nextPageToken": true, "cursor": true, "links": true, "_links": true, "totalCount": true,
}

// detectList decides whether op is a list operation, and if so how its body
// is shaped. A GET on /…/literal is a list when its 2xx JSON body is an
// array, or an object with an array property that is named itemsProp, a
// well-known collection name or after the path segment (`orders` on
// /orders), or the only array next to paging members. A singleton with an
// array member (/orders/{orderId}/summary → {lines: […]}) is not a list.
func detectList(op *spec.Operation, itemsProp, pageProp string) *listInfo {
	if op.Method != "get" {
		return nil
	}
	p := parsePath(op.Path)
	if len(p.Segments) == 0 || actionName(p) != "" {
		return nil
	}
	last := p.Segments[len(p.Segments)-1]
	if !last.Literal() || last.Text == "" {
		return nil
	}
	set := op.Doc.Set
	var body *spec.Node
	if r := op.Response("200"); r != nil {
		body = r
	} else {
		eachResponse(op, func(code string, _, resp *spec.Node) {
			if body == nil && isSuccessCode(code) && code != "204" {
				body = resp
			}
		})
	}
	_, media := jsonMedia(body)
	use := media.Get("schema")
	s := set.Deref(use)
	if !s.IsMap() {
		return nil
	}
	li := &listInfo{SchemaUse: use, Schema: s}
	if bad, what := nonObject(set, use); bad != nil {
		if what == "an array" && set.Deref(bad) == s {
			li.TopArray, li.ArraySchema = true, s
			return li
		}
		return nil
	}
	li.Props = mergedProps(set, s)
	hints := 0
	for i, pr := range li.Props {
		ps := set.Deref(pr.Schema)
		if schemaHasType(ps, "array") || (ps.Has("items") && len(schemaTypeList(ps)) == 0) {
			li.Arrays = append(li.Arrays, li.Props[i])
		}
		if pagingHints[pr.Name] || pr.Name == pageProp {
			hints++
		}
	}
	segName := lowerCamelWords(splitWords(last.Text))
	pick := func(ok func(string) bool) bool {
		for i := range li.Arrays {
			if ok(li.Arrays[i].Name) {
				li.Array = &li.Arrays[i]
				return true
			}
		}
		return false
	}
	switch {
	case itemsProp != "" && pick(func(n string) bool { return n == itemsProp }):
	case pick(func(n string) bool { return collectionNames[n] || n == segName }):
	case len(li.Arrays) == 1 && hints > 0:
		li.Array = &li.Arrays[0]
	default:
		return nil
	}
	li.ArraySchema = set.Deref(li.Array.Schema)
	return li
}

// lowerCamelWords joins words as lowerCamelCase: [shipment items] → shipmentItems.
func lowerCamelWords(words []string) string {
	var b strings.Builder
	for i, w := range words {
		w = strings.ToLower(w)
		if i > 0 && w != "" {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
	}
	return b.String()
}

// singularWord is a small English singulariser for resource names in
// messages and operationId checks: orders → order, categories → category,
// addresses → address, boxes → box, news → news.
func singularWord(w string) string {
	lw := strings.ToLower(w)
	switch {
	case strings.HasSuffix(lw, "ies") && len(w) > 3:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(lw, "sses"), strings.HasSuffix(lw, "xes"), strings.HasSuffix(lw, "ches"),
		strings.HasSuffix(lw, "shes"), strings.HasSuffix(lw, "zzes"):
		return w[:len(w)-2]
	case strings.HasSuffix(lw, "ss"), strings.HasSuffix(lw, "us"), strings.HasSuffix(lw, "is"):
		return w
	case strings.HasSuffix(lw, "s") && len(w) > 1:
		return w[:len(w)-1]
	}
	return w
}

// toStringList reads an option value that should be a list of strings.
func toStringList(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		return []string{x}
	}
	return nil
}

// pathMatchesAny reports whether path equals one of patterns, or starts with
// a pattern ending in "/*" (/.well-known/* matches /.well-known/jwks.json).
func pathMatchesAny(path string, patterns []string) bool {
	for _, p := range patterns {
		if pre, ok := strings.CutSuffix(p, "/*"); ok {
			if path == pre || strings.HasPrefix(path, pre+"/") {
				return true
			}
		} else if path == p {
			return true
		}
	}
	return false
}
