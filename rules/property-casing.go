package rules

import (
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// PropertyCasingID is the id of the JSON property naming rule.
const PropertyCasingID = "property-casing"

type propertyCasing struct{}

func (propertyCasing) Meta() rule.Meta {
	return rule.Meta{
		ID:       PropertyCasingID,
		Summary:  "Properties of every schema reachable from the paths are camelCase, with acronyms written as words (customerUrl)",
		Severity: rule.Error,
		Family:   "naming",
		Options: []rule.Option{
			{Name: "style", Default: "camel", Description: "casing of property names: camel, snake (the zalando preset), kebab or pascal"},
			{Name: "acronymStyle", Default: acronymWord, Description: "word: userId, httpUrl; twoLetterUpper: also IP and IO upper case (clientIP); upper: any upper-case acronym (userID)"},
			{Name: "acronyms", Default: []string{}, Description: "acronyms always accepted in upper case, whatever acronymStyle says (e.g. IP)"},
			{Name: "unitSuffixes", Default: []string{"KB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB"}, Description: "unit suffixes accepted as written at the end of a name (diskGB)"},
			{Name: "allow", Default: []string{"_links", "_embedded", "$schema", "@type", "@id", "@context"}, Description: "names accepted as written (HAL and JSON-LD members)"},
			{Name: "componentNames", Default: "off", Description: "also check components.schemas names: PascalCase (acronyms allowed) or off"},
		},
		Fix: "Rename the property in the schema (and its producers): user_id → userId, CreatedAt → createdAt, customerURL → customerUrl. Digits are fine (address2), as is a single trailing capital (coordinateX).",
	}
}

func (propertyCasing) Check(ctx *rule.Context) {
	o := ctx.Options
	w := &propertyWalker{
		ctx:   ctx,
		set:   ctx.Set,
		namer: namerFromOptions(o.String("style"), styleCamel, o.String("acronymStyle"), o.Strings("acronyms"), o.Strings("unitSuffixes")),
		allow: stringSet(o.Strings("allow")),
		seen:  map[*spec.Node]bool{},
	}
	for _, op := range ctx.Doc.Operations {
		for _, p := range op.Params {
			w.parameter(p.Node)
		}
		w.operation(op.Node, false)
	}
	// Webhooks (3.1) are reachable API surface too.
	ctx.Doc.Root.Get("webhooks").Each(func(_ string, _, item *spec.Node) { w.pathItem(item) })

	if s, ok := parseStyle(o.String("componentNames")); ok && s == stylePascal {
		pascal := newNamer(stylePascal, acronymUpper, nil, nil)
		ctx.Doc.Root.Path("components", "schemas").Each(func(name string, key, _ *spec.Node) {
			if !pascal.ok(name) {
				ctx.Report(key, "schema name %q is not PascalCase: use %q", name, pascal.suggest(name))
			}
		})
	}
}

// propertyWalker visits each schema, response, body and callback once per
// document: a shared component used by a thousand operations is walked (and
// reported) once, and cycles end.
type propertyWalker struct {
	ctx   *rule.Context
	set   *spec.Set
	namer namer
	allow map[string]bool
	seen  map[*spec.Node]bool
}

// first marks n visited and reports whether this is the first visit.
func (w *propertyWalker) first(n *spec.Node) bool {
	if n == nil || w.seen[n] {
		return false
	}
	w.seen[n] = true
	return true
}

// pathItem walks the operations of a (callback or webhook) path item.
func (w *propertyWalker) pathItem(raw *spec.Node) {
	item := w.set.Deref(raw)
	if !item.IsMap() || !w.first(item) {
		return
	}
	for _, p := range item.Get("parameters").Items() {
		w.parameter(w.set.Deref(p))
	}
	item.Each(func(method string, _, op *spec.Node) {
		if spec.IsMethod(method) {
			w.operation(op, true)
		}
	})
}

// operation walks bodies, responses and callbacks; withParams also walks the
// operation's own parameters (Document.Operations already merged them).
func (w *propertyWalker) operation(op *spec.Node, withParams bool) {
	if !op.IsMap() {
		return
	}
	if withParams {
		for _, p := range op.Get("parameters").Items() {
			w.parameter(w.set.Deref(p))
		}
	}
	if rb := w.set.Deref(op.Get("requestBody")); w.first(rb) {
		w.content(rb.Get("content"))
	}
	op.Get("responses").Each(func(_ string, _, raw *spec.Node) {
		resp := w.set.Deref(raw)
		if !w.first(resp) {
			return
		}
		w.content(resp.Get("content"))
		resp.Get("headers").Each(func(_ string, _, h *spec.Node) { w.parameter(w.set.Deref(h)) })
	})
	op.Get("callbacks").Each(func(_ string, _, raw *spec.Node) {
		cb := w.set.Deref(raw)
		if !w.first(cb) {
			return
		}
		cb.Each(func(_ string, _, item *spec.Node) { w.pathItem(item) })
	})
}

// parameter walks a parameter's or header's schema and content.
func (w *propertyWalker) parameter(p *spec.Node) {
	if !w.first(p) {
		return
	}
	w.schema(p.Get("schema"))
	w.content(p.Get("content"))
}

func (w *propertyWalker) content(c *spec.Node) {
	c.Each(func(_ string, _, mt *spec.Node) { w.schema(mt.Get("schema")) })
}

// Schema keywords whose value is a schema, a list of schemas, or a map of
// schemas. Examples, defaults and enums are data, not schemas.
var (
	subSchemaKeys     = []string{"items", "additionalProperties", "unevaluatedProperties", "additionalItems", "unevaluatedItems", "contains", "not", "if", "then", "else"}
	subSchemaListKeys = []string{"allOf", "oneOf", "anyOf", "prefixItems"}
	subSchemaMapKeys  = []string{"patternProperties", "dependentSchemas"}
)

// schema checks a schema's property names and walks its subschemas. A 3.1
// schema with $ref and siblings is walked on both sides.
func (w *propertyWalker) schema(n *spec.Node) {
	for n.IsMap() {
		ref := spec.Ref(n)
		if ref != "" && n.Len() == 1 {
			n = w.set.Deref(n) // a plain reference: go straight to the target
			continue
		}
		if !w.first(n) {
			return
		}
		n.Get("properties").Each(func(name string, key, sub *spec.Node) {
			if !w.allow[name] && !w.namer.ok(name) {
				w.ctx.Report(key, "property %q is not %s%s: use %q", name, w.namer.style, w.namer.why(name), w.namer.suggest(name))
			}
			w.schema(sub)
		})
		for _, k := range subSchemaKeys {
			if sub := n.Get(k); sub != nil {
				if sub.IsSeq() { // items as a list (draft 4 tuples)
					for _, it := range sub.Items() {
						w.schema(it)
					}
				} else {
					w.schema(sub)
				}
			}
		}
		for _, k := range subSchemaListKeys {
			for _, it := range n.Get(k).Items() {
				w.schema(it)
			}
		}
		for _, k := range subSchemaMapKeys {
			n.Get(k).Each(func(_ string, _, sub *spec.Node) { w.schema(sub) })
		}
		if ref == "" {
			return
		}
		n = w.set.Deref(n)
	}
}
