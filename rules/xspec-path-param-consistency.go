package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// XspecPathParamConsistencyID is the id of the xspec-path-param-consistency rule.
const XspecPathParamConsistencyID = "xspec-path-param-consistency"

type xspecPathParamConsistency struct{}

func (xspecPathParamConsistency) Meta() rule.Meta {
	return rule.Meta{
		ID:       XspecPathParamConsistencyID,
		Summary:  "The parameter after a collection segment has one name and one schema in every spec (/orders/{orderId}, string/uuid)",
		Severity: rule.Warn,
		Family:   "xspec",
		Scope:    rule.ScopeSet,
		Options: []rule.Option{
			{Name: "canonical", Default: map[string]any{}, Description: "the expected parameter per collection segment: a name (orders: orderId) or {name, type, format} (orders: {name: orderId, type: string, format: uuid}); other segments follow the majority"},
			{Name: "minServices", Default: 1, Description: "compare a collection only when at least this many services use it (1 also checks within one spec; 2 only across specs)"},
		},
		Fix: "Name the identifier of a collection the same in every path and service (/orders/{orderId}, also under /customers/{customerId}/orders/{orderId}) and give it the same schema; set `canonical` when there is no clear majority.",
	}
}

// xsParamUse is one collection-identifier occurrence: the template
// expression after a literal segment in one path key.
type xsParamUse struct {
	doc    *spec.Document
	key    *spec.Node // the path key
	name   string
	param  *spec.Param // the declared path parameter (nil when undeclared)
	schema string      // "type/format" of its schema ("" when unknown)
}

// xsVariant is one name (or one schema) used after a segment.
type xsVariant struct {
	value    string
	services map[string]bool
	uses     int
	first    *xsParamUse
}

func (xspecPathParamConsistency) Check(ctx *rule.Context) {
	set := ctx.Set
	bySeg := map[string][]*xsParamUse{}
	var segOrder []string
	for _, d := range set.Docs {
		// The operations of each path key, for the declared parameter.
		opsOf := map[*spec.Node][]*spec.Operation{}
		for _, op := range d.Operations {
			opsOf[op.PathKey] = append(opsOf[op.PathKey], op)
		}
		pathKeys(d, func(path string, key *spec.Node) {
			segs := parsePath(path).Segments
			for i := 1; i < len(segs); i++ {
				prev := segs[i-1]
				if !segs[i].Whole() || !prev.Literal() || prev.Text == "" || looseVersionRE.MatchString(prev.Text) {
					continue
				}
				u := &xsParamUse{doc: d, key: key, name: templateName(segs[i].Parts[0].Text)}
				for _, op := range opsOf[key] {
					if p := op.Param(u.name, "path"); p != nil {
						u.param = p
						u.schema = xsParamSchema(set, p)
						break
					}
				}
				if _, ok := bySeg[prev.Text]; !ok {
					segOrder = append(segOrder, prev.Text)
				}
				bySeg[prev.Text] = append(bySeg[prev.Text], u)
			}
		})
	}

	canonical := ctx.Options.Map("canonical")
	minServices := max(ctx.Options.Int("minServices"), 1)
	for _, seg := range segOrder {
		uses := bySeg[seg]
		services := map[string]bool{}
		for _, u := range uses {
			services[u.doc.Service] = true
		}
		if len(services) < minServices {
			continue
		}
		wantName, wantSchema := xsCanonicalParam(canonical[seg])
		xsCheckNames(ctx, seg, uses, wantName)
		xsCheckSchemas(ctx, seg, uses, wantSchema)
	}
}

// xsCanonicalParam reads one `canonical` entry: a name, or {name, type, format}.
func xsCanonicalParam(v any) (name, schema string) {
	switch c := v.(type) {
	case string:
		return c, ""
	case map[string]any:
		name, _ = c["name"].(string)
		typ, _ := c["type"].(string)
		format, _ := c["format"].(string)
		if typ != "" {
			schema = typ
			if format != "" {
				schema += "/" + format
			}
		}
	}
	return name, schema
}

// xsParamSchema describes a parameter's schema as "type/format" (string/uuid,
// integer/int64, string); "" when it declares no type.
func xsParamSchema(set *spec.Set, p *spec.Param) string {
	s := p.Schema(set)
	types := schemaTypeList(s)
	if len(types) == 0 {
		return ""
	}
	t := strings.Join(types, "|")
	if f := s.Str("format"); f != "" {
		t += "/" + f
	}
	return t
}

// xsSchemaCompatible reports whether two "type/format" descriptions agree:
// the same types, and the same format unless one of them has none (integer
// and integer/int64 agree; string/uuid and integer do not).
func xsSchemaCompatible(a, b string) bool {
	at, af, _ := strings.Cut(a, "/")
	bt, bf, _ := strings.Cut(b, "/")
	return at == bt && (af == bf || af == "" || bf == "")
}

// xsVariants groups uses by key(u) in first-seen order, skipping "".
func xsVariants(uses []*xsParamUse, key func(*xsParamUse) string) []*xsVariant {
	var out []*xsVariant
	idx := map[string]*xsVariant{}
	for _, u := range uses {
		k := key(u)
		if k == "" {
			continue
		}
		v := idx[k]
		if v == nil {
			v = &xsVariant{value: k, services: map[string]bool{}, first: u}
			idx[k] = v
			out = append(out, v)
		}
		v.services[u.doc.Service] = true
		v.uses++
	}
	return out
}

// xsMajority orders variants by services, then uses (stable: first seen
// first) and returns the winner, or nil when the top two tie. A configured
// want wins instead, represented by the first variant that agrees with it.
func xsMajority(vs []*xsVariant, want string, agree func(a, b string) bool) *xsVariant {
	if want != "" {
		for _, v := range vs {
			if agree(v.value, want) {
				return &xsVariant{value: want, services: v.services, uses: v.uses, first: v.first}
			}
		}
		return &xsVariant{value: want} // nobody uses it yet: everyone deviates
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if len(vs[i].services) != len(vs[j].services) {
			return len(vs[i].services) > len(vs[j].services)
		}
		return vs[i].uses > vs[j].uses
	})
	if len(vs) > 1 && len(vs[0].services) == len(vs[1].services) && vs[0].uses == vs[1].uses {
		return nil
	}
	return vs[0]
}

func xsShare(v *xsVariant) string {
	return fmt.Sprintf("%s, %s", xsPlural(len(v.services), "service"), xsPlural(v.uses, "path"))
}

// xsCheckNames reports every name other than the canonical one, once per
// document: at the first path key that uses it there.
func xsCheckNames(ctx *rule.Context, seg string, uses []*xsParamUse, want string) {
	vs := xsVariants(uses, func(u *xsParamUse) string { return u.name })
	if len(vs) < 2 && (want == "" || len(vs) == 0 || vs[0].value == want) {
		return
	}
	order := append([]*xsVariant(nil), vs...)
	best := xsMajority(vs, want, func(a, b string) bool { return a == b })
	reported := map[string]bool{}
	for _, u := range uses {
		rk := u.doc.File.Name + "\x00" + u.name
		if reported[rk] {
			continue
		}
		switch {
		case best != nil && u.name == best.value:
			continue
		case best == nil && u.name == order[0].value:
			continue // a tie: the first name seen is the reference
		}
		reported[rk] = true
		n := 0
		for _, o := range uses {
			if o.doc == u.doc && o.name == u.name {
				n++
			}
		}
		more := ""
		if n > 1 {
			more = fmt.Sprintf(" (%s in this spec)", xsPlural(n, "path"))
		}
		switch {
		case best == nil:
			ref := order[0]
			ctx.ReportRelated(u.key, []*spec.Node{ref.first.key},
				"the parameter after /%s/ is {%s} here%s but {%s} in %s, also declared at %s; neither is the majority: pick one name for every spec (option canonical)",
				seg, u.name, more, ref.value, ref.first.key.Value, xsLoc(ref.first.key))
		case best.first == nil:
			ctx.Report(u.key, "the parameter after /%s/ is {%s} here%s: the configured name is {%s}", seg, u.name, more, best.value)
		default:
			ctx.ReportRelated(u.key, []*spec.Node{best.first.key},
				"the parameter after /%s/ is {%s} here%s but {%s} elsewhere (%s), also declared at %s: name the same identifier the same in every spec, e.g. /%s/{%s}",
				seg, u.name, more, best.value, xsShare(best), xsLoc(best.first.key), seg, best.value)
		}
	}
}

// xsCheckSchemas reports identifiers whose schema differs from the
// canonical or majority one, once per parameter definition.
func xsCheckSchemas(ctx *rule.Context, seg string, uses []*xsParamUse, want string) {
	vs := xsVariants(uses, func(u *xsParamUse) string { return u.schema })
	if len(vs) == 0 || (len(vs) == 1 && (want == "" || xsSchemaCompatible(vs[0].value, want))) {
		return
	}
	best := xsMajority(vs, want, xsSchemaCompatible)
	if best == nil {
		best = vs[0] // a tie: the first schema seen is the reference
	}
	reported := map[*spec.Node]bool{}
	for _, u := range uses {
		if u.schema == "" || xsSchemaCompatible(u.schema, best.value) || reported[u.param.Node] {
			continue
		}
		reported[u.param.Node] = true
		at := u.param.Node.Get("schema")
		if at == nil {
			at = paramNameNode(u.param)
		}
		if best.first == nil {
			ctx.Report(at, "{%s} after /%s/ is %s: the configured schema is %s", u.name, seg, u.schema, best.value)
			continue
		}
		ref := best.first.param.Node.Get("schema")
		if ref == nil {
			ref = best.first.key
		}
		ctx.ReportRelated(at, []*spec.Node{ref},
			"{%s} after /%s/ is %s here but %s elsewhere (%s), also declared at %s: give the identifier of one collection one schema in every spec",
			u.name, seg, u.schema, best.value, xsShare(best), xsLoc(ref))
	}
}
