package rules

import (
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// CollectionEnvelopeID is the id of the collection-envelope rule.
const CollectionEnvelopeID = "collection-envelope"

type collectionEnvelope struct{}

func (collectionEnvelope) Meta() rule.Meta {
	return rule.Meta{
		ID:       CollectionEnvelopeID,
		Summary:  "List operations return the collection under `items` with a `page` object",
		Severity: rule.Error,
		Family:   "shapes",
		Options: []rule.Option{
			{Name: "itemsProperty", Default: "items", Description: "the array member of a list envelope (azure preset: value; jsonapi preset: data)"},
			{Name: "pageProperty", Default: "page", Description: "the paging object member of a list envelope; empty for none (azure preset: nextLink at the top level)"},
			{Name: "listDetection", Default: "auto", Description: "auto: a GET on /…/literal whose object body has an array named items, a common collection name (data, results, value…) or after the path segment, or the only array next to paging members; path: every GET on /…/literal with a JSON object body"},
		},
		Fix: "Return lists as `{items: [...], page: {next: \"…\"}}`: rename the array member to `items` and add a `page` object holding the cursor of the next page.",
	}
}

func (collectionEnvelope) Check(ctx *rule.Context) {
	itemsProp := ctx.Options.String("itemsProperty")
	pageProp := ctx.Options.String("pageProperty")
	byPath := ctx.Options.String("listDetection") == "path"
	seen := map[*spec.Node]bool{}
	for _, op := range ctx.Doc.Operations {
		li := detectList(op, itemsProp, pageProp)
		if li == nil && byPath {
			li = pathOnlyList(op, itemsProp)
		}
		if li == nil || li.TopArray || seen[li.Schema] {
			continue // top-level arrays are response-top-level-object's finding
		}
		seen[li.Schema] = true
		at := li.SchemaUse
		if spec.Ref(at) != "" {
			at = declSite(li.Schema)
		} else {
			at = declSite(at)
		}
		if itemsProp != "" {
			switch {
			case li.Array != nil && li.Array.Name != itemsProp:
				ctx.Report(li.Array.Key, "%s is a list: put the collection under `%s`, not `%s`", opLabel(op), itemsProp, li.Array.Name)
			case li.Array == nil:
				ctx.Report(at, "%s is a list: return its items as an array member `%s`", opLabel(op), itemsProp)
			}
			for _, a := range li.Arrays {
				if a.Name != itemsProp && collectionNames[a.Name] && (li.Array == nil || a.Name != li.Array.Name) {
					ctx.Report(a.Key, "%s returns a second collection array `%s`: a list envelope has one array, `%s`", opLabel(op), a.Name, itemsProp)
				}
			}
		}
		if pageProp == "" {
			continue
		}
		p := findProp(li.Props, pageProp)
		if p == nil {
			ctx.Report(at, "%s is a list: add a `%s` object with the cursor of the next page (`%s: {next: \"…\"}`)", opLabel(op), pageProp, pageProp)
			continue
		}
		if bad, what := nonObject(ctx.Set, p.Schema); bad != nil {
			ctx.Report(p.Key, "`%s` must be an object holding the paging cursors, not %s", pageProp, what)
		}
	}
}

// pathOnlyList is listDetection: path — a GET on /…/literal with a JSON
// object body is a list even without a recognisable array member.
func pathOnlyList(op *spec.Operation, itemsProp string) *listInfo {
	if op.Method != "get" {
		return nil
	}
	p := parsePath(op.Path)
	if len(p.Segments) == 0 || actionName(p) != "" {
		return nil
	}
	if last := p.Segments[len(p.Segments)-1]; !last.Literal() || last.Text == "" {
		return nil
	}
	r := op.Response("200")
	_, media := jsonMedia(r)
	use := media.Get("schema")
	set := op.Doc.Set
	s := set.Deref(use)
	if !s.IsMap() {
		return nil
	}
	if bad, _ := nonObject(set, use); bad != nil {
		return nil
	}
	li := &listInfo{SchemaUse: use, Schema: s, Props: mergedProps(set, s)}
	for i, pr := range li.Props {
		if schemaHasType(set.Deref(pr.Schema), "array") {
			li.Arrays = append(li.Arrays, li.Props[i])
			if li.Array == nil || pr.Name == itemsProp {
				li.Array = &li.Arrays[len(li.Arrays)-1]
			}
		}
	}
	return li
}
