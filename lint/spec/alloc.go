package spec

// builder allocates the nodes of one file from slabs: a large spec has
// hundreds of thousands of nodes, and one allocation per node would dominate
// both load time and garbage-collector work. The Keys and Values slices of
// collections are carved from a shared slab of pointers with their capacity
// equal to their length, so they never grow into a neighbour.
type builder struct {
	file  *File
	nodes []Node
	ptrs  []*Node
	chunk int // nodes per slab
}

func newBuilder(f *File, size int) *builder {
	// About one node per 25 bytes of JSON and per 15 of YAML; a slab of
	// nodes is sized so that a small config file does not reserve much and a
	// large spec needs few slabs.
	chunk := min(max(size/32, 32), 1<<14)
	return &builder{file: f, chunk: chunk}
}

func (b *builder) node(kind Kind, tag string, line, col int) *Node {
	if len(b.nodes) == cap(b.nodes) {
		b.nodes = make([]Node, 0, b.chunk)
	}
	b.nodes = append(b.nodes, Node{Kind: kind, Tag: tag, Line: line, Col: col, file: b.file})
	return &b.nodes[len(b.nodes)-1]
}

// carve copies children into an exactly sized slice from the pointer slab
// and adopts them (sets their parent and index).
func (b *builder) carve(parent *Node, children []*Node) []*Node {
	n := len(children)
	if n == 0 {
		return nil
	}
	if cap(b.ptrs)-len(b.ptrs) < n {
		b.ptrs = make([]*Node, 0, max(b.chunk, n))
	}
	start := len(b.ptrs)
	b.ptrs = append(b.ptrs, children...)
	out := b.ptrs[start : start+n : start+n]
	for i, c := range out {
		c.parent, c.index = parent, int32(i)
	}
	return out
}

// carvePairs splits a stack of key, value, key, value… into a mapping's
// Keys and Values and adopts them.
func (b *builder) carvePairs(parent *Node, pairs []*Node) (keys, values []*Node) {
	n := len(pairs) / 2
	if n == 0 {
		return nil, nil
	}
	if cap(b.ptrs)-len(b.ptrs) < 2*n {
		b.ptrs = make([]*Node, 0, max(b.chunk, 2*n))
	}
	start := len(b.ptrs)
	for i := 0; i < len(pairs); i += 2 {
		b.ptrs = append(b.ptrs, pairs[i])
	}
	for i := 1; i < len(pairs); i += 2 {
		b.ptrs = append(b.ptrs, pairs[i])
	}
	keys = b.ptrs[start : start+n : start+n]
	values = b.ptrs[start+n : start+2*n : start+2*n]
	for i := range keys {
		keys[i].parent, keys[i].index = parent, int32(i)
		values[i].parent, values[i].index = parent, int32(i)
	}
	return keys, values
}

// smallMap is the size up to which mapping keys are compared pairwise;
// larger mappings get a hash index, which Node.Get uses too.
const smallMap = 24

// indexKeys finds the first duplicate key of a mapping (dup < 0 if none; first
// is the earlier occurrence) and, for large mappings, records an index of the
// keys in the file for Node.Get.
func (b *builder) indexKeys(n *Node) (dup, first int) {
	keys := n.Keys
	if len(keys) <= smallMap {
		for i := 1; i < len(keys); i++ {
			for j := 0; j < i; j++ {
				if keys[i].Value == keys[j].Value {
					return i, j
				}
			}
		}
		return -1, -1
	}
	idx := make(map[string]int32, len(keys))
	for i, k := range keys {
		if j, ok := idx[k.Value]; ok {
			return i, int(j)
		}
		idx[k.Value] = int32(i)
	}
	if b.file.index == nil {
		b.file.index = map[*Node]map[string]int32{}
	}
	b.file.index[n] = idx
	return -1, -1
}
