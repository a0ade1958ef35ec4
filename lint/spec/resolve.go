package spec

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// maxRefHops bounds a chain of $ref → $ref → … so a cycle of pure references
// ends in an error rather than a hang.
const maxRefHops = 64

// RefError is a $ref that cannot be followed.
type RefError struct {
	Pos Position
	Ref string
	Msg string
}

func (e *RefError) Error() string {
	return fmt.Sprintf("%s: $ref %q: %s", e.Pos, e.Ref, e.Msg)
}

// Ref returns the $ref string of a reference object, or "".
func Ref(n *Node) string {
	if n == nil || n.Kind != MappingNode {
		return ""
	}
	return n.Str("$ref")
}

// Resolve follows n's $ref (and chains of them) to the target node. A node
// without $ref resolves to itself. Cycles through pure references and missing
// targets are errors; cycles through schemas (a property referring back to its
// parent) are fine because Resolve only follows one node's chain.
func (s *Set) Resolve(n *Node) (*Node, error) {
	for hops := 0; ; hops++ {
		ref := Ref(n)
		if ref == "" {
			return n, nil
		}
		if hops >= maxRefHops {
			return nil, &RefError{Pos: n.Get("$ref").Pos(), Ref: ref, Msg: "reference cycle (a $ref chain that never reaches a value)"}
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

// RefTarget returns the node a $ref string points at, as seen from file f.
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
			return nil, fmt.Errorf("file %s was not loaded", loc)
		}
		target = t
	}
	if target == nil {
		return nil, fmt.Errorf("no file for reference")
	}
	return walkPointer(target.Root, frag)
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
// remote ones.
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
		p = loc
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

// walkPointer follows an RFC 6901 pointer (the fragment of a $ref).
func walkPointer(root *Node, frag string) (*Node, error) {
	if frag == "" {
		return root, nil
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, fmt.Errorf("fragment %q is not a JSON pointer", frag)
	}
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	n := root
	for _, raw := range strings.Split(frag[1:], "/") {
		tok := strings.ReplaceAll(strings.ReplaceAll(raw, "~1", "/"), "~0", "~")
		switch {
		case n.IsMap():
			next := n.Get(tok)
			if next == nil {
				return nil, fmt.Errorf("no %q in %s", tok, describe(n))
			}
			n = next
		case n.IsSeq():
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Values) {
				return nil, fmt.Errorf("no item %q in sequence %s", tok, describe(n))
			}
			n = n.Values[i]
		default:
			return nil, fmt.Errorf("cannot descend into %q at %s", tok, describe(n))
		}
	}
	return n, nil
}

func describe(n *Node) string {
	p := n.Pointer()
	if p == "" {
		return "the document root"
	}
	return p
}
