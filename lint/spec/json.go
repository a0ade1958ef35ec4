package spec

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonParser reads strict JSON (RFC 8259) straight into nodes. It exists
// because JSON is the common format of large generated specs: going through
// a YAML parser costs several times the time and memory, and YAML's flow
// syntax is lenient (`{"a": }` reads as a null) where a JSON file should be
// refused. Unescaped strings — nearly all of them — share the file's text.
type jsonParser struct {
	b        *builder
	src      string
	pos      int
	line     int
	lineAt   int // offset where the current line starts
	cont     int // UTF-8 continuation bytes between lineAt and pos
	depth    int
	maxDepth int
	stack    []*Node // children of the collections still open
	buf      []byte  // scratch for strings with escapes
	err      *Error
}

// parseJSON parses src as one JSON document into f.
func parseJSON(f *File, src string, maxDepth int) error {
	p := &jsonParser{b: newBuilder(f, len(src)), src: src, line: 1, maxDepth: maxDepth}
	p.stack = make([]*Node, 0, 64)
	p.space()
	root, ok := p.value()
	if ok {
		p.space()
		if p.pos < len(p.src) {
			p.fail(p.pos, "unexpected %s after the top-level value", p.found())
			ok = false
		}
	}
	if !ok {
		return p.err
	}
	f.Root = root
	f.Format = "json"
	return nil
}

// col is the 1-based column of p.pos in characters.
func (p *jsonParser) col() int { return p.pos - p.lineAt - p.cont + 1 }

// fail records a syntax error at byte offset off.
func (p *jsonParser) fail(off int, format string, args ...any) {
	if p.err != nil {
		return
	}
	line, col := lineCol(p.src, off)
	p.err = &Error{Pos: Position{File: p.b.file.Name, Line: line, Col: col}, Msg: "invalid JSON: " + fmt.Sprintf(format, args...)}
}

// found describes what is at p.pos, for messages.
func (p *jsonParser) found() string {
	if p.pos >= len(p.src) {
		return "end of file"
	}
	return describeByte(p.src, p.pos)
}

func describeByte(s string, off int) string {
	r, size := utf8.DecodeRuneInString(s[off:])
	switch {
	case r == utf8.RuneError && size <= 1:
		return fmt.Sprintf("byte 0x%02x (not UTF-8 text)", s[off])
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf("control character %U", r)
	}
	return fmt.Sprintf("%q", r)
}

func (p *jsonParser) space() {
	s := p.src
	i := p.pos
	for i < len(s) {
		switch s[i] {
		case ' ', '\t':
			i++
		case '\n':
			i++
			p.line, p.lineAt, p.cont = p.line+1, i, 0
			// Indentation: the common case in pretty-printed JSON.
			for i < len(s) && s[i] == ' ' {
				i++
			}
		case '\r':
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
			p.line, p.lineAt, p.cont = p.line+1, i, 0
		default:
			p.pos = i
			return
		}
	}
	p.pos = i
}

func (p *jsonParser) value() (*Node, bool) {
	if p.pos >= len(p.src) {
		p.fail(p.pos, "unexpected end of file, expected a value")
		return nil, false
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		n := p.b.node(ScalarNode, "!!str", p.line, p.col())
		s, ok := p.str()
		n.Value = s
		return n, ok
	case c == 't':
		return p.literal("true", "!!bool")
	case c == 'f':
		return p.literal("false", "!!bool")
	case c == 'n':
		return p.literal("null", "!!null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	p.fail(p.pos, "%s where a value should start", p.found())
	return nil, false
}

func (p *jsonParser) enter() bool {
	p.depth++
	if p.depth > p.maxDepth {
		if p.err == nil {
			line, col := lineCol(p.src, p.pos)
			p.err = &Error{Pos: Position{File: p.b.file.Name, Line: line, Col: col}, Msg: fmt.Sprintf("document nests deeper than %d levels", p.maxDepth)}
		}
		return false
	}
	return true
}

func (p *jsonParser) object() (*Node, bool) {
	n := p.b.node(MappingNode, "!!map", p.line, p.col())
	if !p.enter() {
		return nil, false
	}
	p.pos++
	base := len(p.stack)
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		p.depth--
		return n, true
	}
	for {
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			if p.pos < len(p.src) && p.src[p.pos] == '}' {
				p.fail(p.pos, "trailing comma before '}'")
			} else {
				p.fail(p.pos, "expected a double-quoted key, found %s", p.found())
			}
			return nil, false
		}
		k := p.b.node(ScalarNode, "!!str", p.line, p.col())
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		k.Value = s
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			p.fail(p.pos, "expected ':' after key %q, found %s", s, p.found())
			return nil, false
		}
		p.pos++
		p.space()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		if s == "$ref" && v.Kind == ScalarNode {
			p.b.file.refs = append(p.b.file.refs, v)
		}
		p.stack = append(p.stack, k, v)
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			p.space()
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			p.pos++
			break
		}
		p.fail(p.pos, "expected ',' or '}' after the value of %q, found %s", s, p.found())
		return nil, false
	}
	n.Keys, n.Values = p.b.carvePairs(n, p.stack[base:])
	p.stack = p.stack[:base]
	if dup, first := p.b.indexKeys(n); dup >= 0 {
		p.err = dupKeyError(n.Keys[dup], n.Keys[first])
		return nil, false
	}
	p.depth--
	return n, true
}

func (p *jsonParser) array() (*Node, bool) {
	n := p.b.node(SequenceNode, "!!seq", p.line, p.col())
	if !p.enter() {
		return nil, false
	}
	p.pos++
	base := len(p.stack)
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		p.depth--
		return n, true
	}
	for {
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, v)
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			p.space()
			if p.pos < len(p.src) && p.src[p.pos] == ']' {
				p.fail(p.pos, "trailing comma before ']'")
				return nil, false
			}
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			p.pos++
			break
		}
		p.fail(p.pos, "expected ',' or ']' after an array item, found %s", p.found())
		return nil, false
	}
	n.Values = p.b.carve(n, p.stack[base:])
	p.stack = p.stack[:base]
	p.depth--
	return n, true
}

func (p *jsonParser) literal(word, tag string) (*Node, bool) {
	if len(p.src)-p.pos < len(word) || p.src[p.pos:p.pos+len(word)] != word {
		p.fail(p.pos, "%s where a value should start", p.found())
		return nil, false
	}
	n := p.b.node(ScalarNode, tag, p.line, p.col())
	n.Value = word
	p.pos += len(word)
	return n, true
}

func (p *jsonParser) number() (*Node, bool) {
	start := p.pos
	i := p.pos
	s := p.src
	digits := func() bool {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > j
	}
	if s[i] == '-' {
		i++
	}
	tag := "!!int"
	switch {
	case i < len(s) && s[i] == '0':
		i++
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			p.fail(start, "number with a leading zero")
			return nil, false
		}
	case !digits():
		p.fail(start, "invalid number")
		return nil, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		tag = "!!float"
		if !digits() {
			p.fail(start, "invalid number: digits must follow the decimal point")
			return nil, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		tag = "!!float"
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			p.fail(start, "invalid number: digits must follow the exponent")
			return nil, false
		}
	}
	n := p.b.node(ScalarNode, tag, p.line, p.col())
	n.Value = s[start:i]
	p.pos = i
	return n, true
}

// str reads a string at p.pos (the opening quote). Strings without escapes
// are slices of the source.
func (p *jsonParser) str() (string, bool) {
	s := p.src
	start := p.pos + 1
	i := start
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return s[start:i], true
		case c == '\\':
			return p.escaped(start, i)
		case c < 0x20:
			p.pos = i
			p.fail(i, "%s in a string (control characters must be escaped)", describeByte(s, i))
			return "", false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				p.fail(i, "invalid UTF-8 byte 0x%02x in a string", c)
				return "", false
			}
			p.cont += size - 1
			i += size
		default:
			i++
		}
	}
	p.fail(p.pos, "unterminated string")
	return "", false
}

// escaped finishes a string that has escapes: start is after the opening
// quote, i at the first backslash.
func (p *jsonParser) escaped(start, i int) (string, bool) {
	s := p.src
	buf := append(p.buf[:0], s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			p.pos = i + 1
			p.buf = buf
			return string(buf), true
		case c == '\\':
			if i+1 >= len(s) {
				p.fail(i, "unterminated string")
				return "", false
			}
			e := s[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(s, i)
				if !ok {
					p.fail(i-2, `invalid \u escape (want four hex digits)`)
					return "", false
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2, ok := rune(0), false
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						r2, ok = hex4(s, i+2)
					}
					if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
						r = d
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				p.fail(i-2, "invalid escape %q in a string", `\`+string(rune(e)))
				return "", false
			}
		case c < 0x20:
			p.fail(i, "%s in a string (control characters must be escaped)", describeByte(s, i))
			return "", false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				p.fail(i, "invalid UTF-8 byte 0x%02x in a string", c)
				return "", false
			}
			p.cont += size - 1
			buf = append(buf, s[i:i+size]...)
			i += size
		default:
			buf = append(buf, c)
			i++
		}
	}
	p.fail(start-1, "unterminated string")
	return "", false
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s[i:i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(v), true
}

// lineCol turns a byte offset into a 1-based line and a column counted in
// characters. A lone CR ends a line too, as in the JSON parser.
func lineCol(s string, off int) (line, col int) {
	off = min(max(off, 0), len(s))
	line, start := 1, 0
	for i := 0; i < off; i++ {
		switch s[i] {
		case '\n':
			line, start = line+1, i+1
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				continue
			}
			line, start = line+1, i+1
		}
	}
	return line, utf8.RuneCountInString(s[start:off]) + 1
}
