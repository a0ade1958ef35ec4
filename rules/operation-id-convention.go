package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// OperationIDConventionID is the id of the operation-id-convention rule.
const OperationIDConventionID = "operation-id-convention"

type operationIDConvention struct{}

// Operation kinds, derived from method and path structure only (never from
// the operationId itself, catalogue §11).
const (
	kindGet     = "get"     // GET /orders/{orderId}, GET /me
	kindList    = "list"    // GET /orders returning a collection
	kindCreate  = "create"  // POST /orders next to /orders/{orderId}
	kindReplace = "replace" // PUT
	kindUpdate  = "update"  // PATCH
	kindDelete  = "delete"  // DELETE
	kindAction  = "action"  // POST /orders/{orderId}:cancel, /actions/cancel, /orders/{orderId}/cancel
)

var defaultVerbMap = map[string]any{
	kindGet: []string{"get"}, kindList: []string{"list"}, kindCreate: []string{"create"},
	kindReplace: []string{"replace", "update"}, kindUpdate: []string{"update"}, kindDelete: []string{"delete"},
}

func (operationIDConvention) Meta() rule.Meta {
	return rule.Meta{
		ID:       OperationIDConventionID,
		Summary:  "operationIds follow the naming style and start with the verb the method and path imply (getOrder, listOrders, cancelOrder)",
		Severity: rule.Error,
		Family:   "metadata",
		Options: []rule.Option{
			{Name: "style", Default: "camel", Description: "casing of operationIds: camel, pascal, snake or kebab (casing findings are errors)"},
			{Name: "acronymStyle", Default: "word", Description: "acronyms in camel/pascal ids: word (getUserId), twoLetterUpper, upper (getUserID)"},
			{Name: "verbMap", Default: defaultVerbMap, Description: "accepted leading verbs per operation kind: get (item or singleton GET), list (collection GET), create (POST to a collection), replace (PUT), update (PATCH), delete; a POST action must start with its action name (verb findings are warnings)"},
			{Name: "strict", Default: false, Description: "also require the rest of the id to be the resource name from the path, singular or plural (listOrders, getOrder)"},
		},
		Fix: "Rename the operationId to verb + resource in camelCase: GET /orders → listOrders, GET /orders/{orderId} → getOrder, POST /orders → createOrder, PATCH → updateOrder, DELETE → deleteOrder, POST /orders/{orderId}:cancel → cancelOrder.",
	}
}

func (operationIDConvention) Check(ctx *rule.Context) {
	o := ctx.Options
	style, ok := parseStyle(o.String("style"))
	if !ok {
		style = styleCamel
	}
	nm := namerFromOptions(o.String("style"), styleCamel, o.String("acronymStyle"), nil, nil)
	verbs := map[string][]string{}
	for k, v := range o.Map("verbMap") {
		verbs[k] = toStringList(v)
	}
	strict := o.Bool("strict")
	shapes := newPathShapes(ctx.Doc)

	for _, op := range ctx.Doc.Operations {
		v := op.Node.Get("operationId")
		id := op.ID()
		if id == "" {
			continue // operation-id-valid-unique
		}
		k := classifyOperation(op, shapes)
		if !nm.ok(id) {
			sug := nm.suggest(id)
			if !nm.ok(sug) {
				sug = joinWords(splitWords(suggestOperationID(op, shapes)), style)
			}
			ctx.Report(v, "operationId %q is not %s: rename it to `%s`", id, style, sug)
		}
		if k.kind == "" {
			continue
		}
		allowed := verbs[k.kind]
		switch {
		case k.kind == kindAction:
			allowed = []string{lowerCamelWords(splitWords(k.action))}
			if k.orCreate {
				allowed = append(allowed, verbs[kindCreate]...)
			}
		case k.either:
			other := kindGet
			if k.kind == kindGet {
				other = kindList
			}
			allowed = append(append([]string(nil), verbs[k.kind]...), verbs[other]...)
		}
		if len(allowed) == 0 {
			continue
		}
		words := lowerAll(splitWords(id))
		verb, rest := matchVerb(words, allowed)
		if verb == "" {
			sug := suggestFor(k, allowed[0], style)
			if k.kind == kindAction && k.resource == k.action {
				sug = joinWords(splitWords(suggestOperationID(op, shapes)), style)
			}
			ctx.ReportSeverity(rule.Warn, v, "operationId %q should start with %s for %s (%s): e.g. `%s`", id, orList(allowed), opLabel(op), k.describe(), sug)
			continue
		}
		if strict && k.resource != "" && !strings.EqualFold(verb, lowerCamelWords(splitWords(k.resource))) {
			r := strings.Join(rest, "")
			sing := strings.ToLower(strings.Join(splitWords(singularWord(k.resource)), ""))
			plur := strings.ToLower(strings.Join(splitWords(k.resource), ""))
			if r != sing && r != plur {
				ctx.ReportSeverity(rule.Warn, v, "operationId %q should name the resource of %s after the verb: e.g. `%s`", id, opLabel(op), suggestFor(k, verb, style))
			}
		}
	}
}

// opClass is how an operation is classified for naming.
type opClass struct {
	kind     string
	action   string // kindAction: the action name as written (cancel, bulk-delete)
	orCreate bool   // a POST action on /…/literal that may also be a create
	either   bool   // a GET that may be a get or a list
	resource string // the last resource segment, as written (shipment-items)
}

func (k opClass) describe() string {
	if k.either {
		return "it reads a resource or lists a collection"
	}
	switch k.kind {
	case kindGet:
		return "it reads one resource"
	case kindList:
		return "it lists a collection"
	case kindCreate:
		return "it creates in a collection"
	case kindReplace:
		return "it replaces a resource"
	case kindUpdate:
		return "it updates a resource"
	case kindDelete:
		return "it deletes"
	}
	return "its action is `" + k.action + "`"
}

// classifyOperation derives an operation's kind from its method and path.
func classifyOperation(op *spec.Operation, shapes pathShapes) opClass {
	p := parsePath(op.Path)
	k := opClass{resource: resourceSegment(p)}
	if a := actionName(p); a != "" {
		k.kind, k.action = kindAction, a
		return k
	}
	switch op.Method {
	case "get":
		k.kind = kindGet
		switch {
		case pathEndsInParam(op.Path):
		case detectList(op, "items", "page") != nil:
			k.kind = kindList
		case successSchema(op) == nil:
			// No body to tell a collection from a singleton: accept both,
			// suggest by the look of the segment (/orders → list).
			k.either = true
			if singularWord(k.resource) != k.resource {
				k.kind = kindList
			}
		}
	case "post":
		k.kind = kindCreate
		if shapes.postKind(op) == kindAction {
			n := len(p.Segments)
			if n == 0 || !p.Segments[n-1].Literal() || p.Segments[n-1].Text == "" {
				k.kind = "" // POST on an item: no convention to check against
				return k
			}
			// POST /orders/{orderId}/cancel, /login, or /orders without an
			// /orders/{orderId} sibling: the last segment is the action, or
			// it is a create after all.
			k.kind, k.action, k.orCreate = kindAction, p.Segments[n-1].Text, true
			k.resource = resourceSegment(parsedPath{Segments: p.Segments[:n-1]})
			if n == 1 {
				k.resource = p.Segments[0].Text
			}
		}
	case "put":
		k.kind = kindReplace
	case "patch":
		k.kind = kindUpdate
	case "delete":
		k.kind = kindDelete
	}
	return k
}

// resourceSegment is the last literal segment of a path that names a
// resource: not a version, not /actions, without a `:action` suffix.
func resourceSegment(p parsedPath) string {
	for i := len(p.Segments) - 1; i >= 0; i-- {
		s := p.Segments[i]
		if !s.Literal() {
			continue
		}
		t, _, _ := strings.Cut(s.Text, ":")
		if t == "" || t == "actions" || looseVersionRE.MatchString(t) || (i > 0 && p.Segments[i-1].Text == "actions") {
			continue
		}
		return t
	}
	return ""
}

// matchVerb returns the allowed verb the id's words start with, and the
// remaining words.
func matchVerb(words, allowed []string) (string, []string) {
	for _, a := range allowed {
		aw := lowerAll(splitWords(a))
		if len(aw) == 0 || len(aw) > len(words) {
			continue
		}
		match := true
		for i := range aw {
			if words[i] != aw[i] {
				match = false
				break
			}
		}
		if match {
			return a, words[len(aw):]
		}
	}
	return "", nil
}

func lowerAll(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = strings.ToLower(w)
	}
	return out
}

func orList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = "`" + v + "`"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// suggestFor builds verb + resource in a style: listOrders, getOrder.
func suggestFor(k opClass, verb string, style caseStyle) string {
	words := splitWords(verb)
	res := k.resource
	if k.kind != kindList {
		res = singularWord(res)
	}
	words = append(words, splitWords(res)...)
	if len(words) == 0 {
		return verb
	}
	return joinWords(words, style)
}

// suggestOperationID proposes an operationId for an operation, following
// the default convention.
func suggestOperationID(op *spec.Operation, shapes pathShapes) string {
	if shapes == nil {
		shapes = newPathShapes(op.Doc)
	}
	k := classifyOperation(op, shapes)
	verb := k.kind
	switch k.kind {
	case "":
		verb = op.Method
	case kindAction:
		verb = lowerCamelWords(splitWords(k.action))
		if k.resource == k.action {
			if k.orCreate && singularWord(k.resource) != k.resource {
				// POST /orders without an item path: most likely a create
				return suggestFor(opClass{kind: kindCreate, resource: k.resource}, kindCreate, styleCamel)
			}
			return verb // POST /login → login
		}
	}
	return suggestFor(k, verb, styleCamel)
}

// successSchema returns the resolved schema of an operation's 200 (or first
// 2xx) JSON body, or nil.
func successSchema(op *spec.Operation) *spec.Node {
	body := op.Response("200")
	if body == nil {
		eachResponse(op, func(code string, _, resp *spec.Node) {
			if body == nil && isSuccessCode(code) {
				body = resp
			}
		})
	}
	_, media := jsonMedia(body)
	return op.Doc.Set.Deref(media.Get("schema"))
}
