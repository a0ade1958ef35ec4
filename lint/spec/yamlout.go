package spec

import (
	"bytes"
	"fmt"

	"github.com/pb33f/go-yaml"
)

// JSONToYAML re-encodes a JSON document as block-style YAML, keeping key
// order (JSON is YAML, so the parser reads it; only the styles change). It
// lives here so that this package stays the only one that touches the YAML
// library libopenapi brings.
func JSONToYAML(b []byte) ([]byte, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return nil, err
	}
	var plain func(*yaml.Node)
	plain = func(n *yaml.Node) {
		n.Style = 0
		for _, c := range n.Content {
			plain(c)
		}
	}
	plain(&n)
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, fmt.Errorf("encode yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
