package spec

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

var errNotLoaded = errors.New("file not loaded")

// maxRefHops bounds a chain of $ref → $ref → … that does not repeat itself.
const maxRefHops = 64

// Ref returns the $ref string of a reference object, or "".
func Ref(n *Node) string {
	if n == nil || n.Kind != MappingNode {
		return ""
	}
	return n.Str("$ref")
}

// Resolve follows n's $ref (and chains of them) to the target node. A node
// without $ref resolves to itself. Each $ref is read relative to the file it
// is written in. Cycles through pure references and missing targets are
// errors; cycles through schemas (a property referring back to its parent)
// are fine because Resolve only follows one node's chain.
func (s *Set) Resolve(n *Node) (*Node, error) {
	start := n
	for hops := 0; ; hops++ {
		ref := Ref(n)
		if ref == "" {
			return n, nil
		}
		if hops >= maxRefHops {
			if c := s.cycle(start); c != nil {
				return nil, &RefError{Pos: start.Get("$ref").Pos(), Ref: Ref(start), Msg: cycleMsg(c)}
			}
			return nil, &RefError{Pos: start.Get("$ref").Pos(), Ref: Ref(start), Msg: fmt.Sprintf("a chain of more than %d references", maxRefHops)}
		}
		t, err := s.lookup(n.file, ref)
		if err != nil {
			return nil, &RefError{Pos: n.Get("$ref").Pos(), Ref: ref, Msg: err.Error()}
		}
		n = t
	}
}

// Deref is Resolve for readers that treat an unresolvable reference as
// absent: it returns nil when the chain cannot be followed. Load already
// reported every broken $ref, so rules can use Deref freely.
func (s *Set) Deref(n *Node) *Node {
	if n == nil {
		return nil
	}
	t, err := s.Resolve(n)
	if err != nil {
		return nil
	}
	return t
}

// cycle returns the reference objects of the cycle that n's chain runs
// into, in chain order starting where it closes, or nil if the chain ends.
func (s *Set) cycle(n *Node) []*Node {
	var chain []*Node
	for len(chain) <= maxRefHops {
		ref := Ref(n)
		if ref == "" {
			return nil
		}
		for i, c := range chain {
			if c == n {
				return chain[i:]
			}
		}
		chain = append(chain, n)
		t, err := s.lookup(n.file, ref)
		if err != nil {
			return nil
		}
		n = t
	}
	return nil
}

// firstInCycle says whether n is the cycle member that comes first by
// position, where the cycle is reported.
func firstInCycle(n *Node, cycle []*Node) bool {
	first := cycle[0]
	for _, c := range cycle[1:] {
		a, b := c.Pos(), first.Pos()
		if a.File < b.File || (a.File == b.File && (a.Line < b.Line || (a.Line == b.Line && a.Col < b.Col))) {
			first = c
		}
	}
	return first == n
}

func cycleMsg(cycle []*Node) string {
	var b strings.Builder
	b.WriteString("reference cycle (no value at the end of the chain): ")
	for _, c := range cycle {
		b.WriteString(locate(c))
		b.WriteString(" → ")
	}
	b.WriteString(locate(cycle[0]))
	return b.String()
}

// locate names a node as file#pointer.
func locate(n *Node) string {
	name := ""
	if n.file != nil {
		name = n.file.Name
	}
	return name + "#" + n.Pointer()
}

// lookup returns the node a $ref string points at, as seen from file f.
func (s *Set) lookup(f *File, ref string) (*Node, error) {
	loc, frag := splitRef(ref)
	target := f
	if loc != "" {
		key, err := refKey(f, loc)
		if err != nil {
			return nil, err
		}
		t, ok := s.files[key]
		if !ok {
			return nil, fmt.Errorf("%w: %s", errNotLoaded, loc)
		}
		target = t
	}
	if target == nil {
		return nil, fmt.Errorf("no file for reference")
	}
	// The fragment is a URI fragment: %-decoded first, then a JSON pointer.
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	n, err := walkPointer(target.Root, frag)
	if err != nil && loc != "" {
		return nil, fmt.Errorf("in %s: %v", target.Name, err)
	}
	return n, err
}

func splitRef(ref string) (loc, frag string) {
	if i := strings.IndexByte(ref, '#'); i >= 0 {
		return ref[:i], ref[i+1:]
	}
	return ref, ""
}

// isRemote reports an http(s) reference location.
func isRemote(loc string) bool {
	l := strings.ToLower(loc)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// refKey turns a reference location into the key of the file it names: an
// absolute path for local files (relative to the referring file), a URL for
// remote ones. Local locations are URI references: %-escapes are decoded.
func refKey(from *File, loc string) (string, error) {
	if isRemote(loc) {
		return loc, nil
	}
	if from != nil && isRemote(from.Path) {
		base, err := url.Parse(from.Path)
		if err != nil {
			return "", err
		}
		u, err := base.Parse(loc)
		if err != nil {
			return "", err
		}
		return u.String(), nil
	}
	if strings.Contains(loc, "://") {
		return "", fmt.Errorf("unsupported reference scheme in %q", loc)
	}
	p, err := url.PathUnescape(loc)
	if err != nil {
		return "", fmt.Errorf("invalid %%-escape in %q", loc)
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p), nil
	}
	dir := "."
	if from != nil {
		dir = filepath.Dir(from.Path)
	}
	return filepath.Join(dir, filepath.FromSlash(path.Clean(p))), nil
}

// walkPointer follows an RFC 6901 pointer: split at "/", then ~1 → "/"
// and ~0 → "~" in each token.
func walkPointer(root *Node, frag string) (*Node, error) {
	if frag == "" {
		return root, nil
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, fmt.Errorf("fragment %q is not a JSON pointer (named anchors are not supported)", frag)
	}
	n := root
	for rest := frag[1:]; ; {
		raw, more, found := strings.Cut(rest, "/")
		rest = more
		tok := raw
		if strings.IndexByte(raw, '~') >= 0 {
			tok = strings.ReplaceAll(strings.ReplaceAll(raw, "~1", "/"), "~0", "~")
		}
		switch {
		case n.IsMap():
			next := n.Get(tok)
			if next == nil {
				return nil, fmt.Errorf("no %q in %s", tok, describe(n))
			}
			n = next
		case n.IsSeq():
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Values) || (len(tok) > 1 && tok[0] == '0') {
				return nil, fmt.Errorf("no item %q in the sequence at %s", tok, describe(n))
			}
			n = n.Values[i]
		default:
			return nil, fmt.Errorf("cannot descend into %q at %s, a scalar", tok, describe(n))
		}
		if !found {
			return n, nil
		}
	}
}

func describe(n *Node) string {
	p := n.Pointer()
	if p == "" {
		return "the document root"
	}
	return p
}
