package rules

import (
	"strings"
)

// Casing: the word splitter, style checks and suggestions shared by the
// naming rules (path segments, path and query parameters, properties).
//
// A name is checked without allocating; only a failing name is split into
// words to build the suggestion shown in the message.

// caseStyle is a naming convention.
type caseStyle int

const (
	styleCamel      caseStyle = iota + 1 // orderId
	styleSnake                           // order_id
	styleKebab                           // order-id
	stylePascal                          // OrderId
	styleUpperSnake                      // ORDER_ID
)

// parseStyle reads a style option. It accepts the short names used in
// gwctl.yaml (camel, snake, kebab, pascal, upper-snake) and the long ones
// (camelCase, snake_case, kebab-case, PascalCase, UPPER_SNAKE_CASE).
func parseStyle(s string) (caseStyle, bool) {
	switch strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(s)) {
	case "camel", "camelcase", "lowercamel", "lowercamelcase":
		return styleCamel, true
	case "snake", "snakecase":
		return styleSnake, true
	case "kebab", "kebabcase":
		return styleKebab, true
	case "pascal", "pascalcase", "uppercamel", "uppercamelcase":
		return stylePascal, true
	case "uppersnake", "uppersnakecase", "screamingsnake", "screamingsnakecase", "constant", "constantcase":
		return styleUpperSnake, true
	}
	return 0, false
}

func (s caseStyle) String() string {
	switch s {
	case styleCamel:
		return "camelCase"
	case styleSnake:
		return "snake_case"
	case styleKebab:
		return "kebab-case"
	case stylePascal:
		return "PascalCase"
	case styleUpperSnake:
		return "UPPER_SNAKE_CASE"
	}
	return "unknown"
}

// Acronym styles for camelCase and PascalCase names.
const (
	acronymWord           = "word"           // userId, httpUrl, ipAddress
	acronymTwoLetterUpper = "twoLetterUpper" // also ipAddress→IPAddress, ioStats→IOStats; not URL
	acronymUpper          = "upper"          // also userID, customerURL
)

// namer checks names against one style. The acronym settings apply to
// camelCase and PascalCase only.
type namer struct {
	style       caseStyle
	acronymMode string          // acronymWord (default), acronymTwoLetterUpper, acronymUpper
	acronyms    map[string]bool // upper-case acronyms always accepted, e.g. IP
	units       []string        // suffixes accepted as written, e.g. GB in diskGB
}

func newNamer(style caseStyle, acronymMode string, acronyms, units []string) namer {
	n := namer{style: style, acronymMode: acronymMode, units: units}
	if len(acronyms) > 0 {
		n.acronyms = make(map[string]bool, len(acronyms))
		for _, a := range acronyms {
			n.acronyms[a] = true
		}
	}
	return n
}

// ok reports whether name follows the style.
func (n namer) ok(name string) bool {
	switch n.style {
	case styleKebab:
		return isDelimited(name, '-', false)
	case styleSnake:
		return isDelimited(name, '_', false)
	case styleUpperSnake:
		return isDelimited(name, '_', true)
	case styleCamel, stylePascal:
		for _, u := range n.units {
			if len(name) > len(u) && strings.HasSuffix(name, u) {
				name = name[:len(name)-len(u)]
				break
			}
		}
		return n.humpsOK(name)
	}
	return true
}

// isDelimited checks ^[a-z][a-z0-9]*(SEP[a-z0-9]+)*$ (upper case letters
// instead of lower for UPPER_SNAKE).
func isDelimited(s string, sep byte, upper bool) bool {
	if s == "" {
		return false
	}
	letter := func(c byte) bool {
		if upper {
			return c >= 'A' && c <= 'Z'
		}
		return c >= 'a' && c <= 'z'
	}
	if !letter(s[0]) {
		return false
	}
	prevSep := false
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == sep:
			if prevSep {
				return false
			}
			prevSep = true
		case letter(c) || isDigit(c):
			prevSep = false
		default:
			return false
		}
	}
	return !prevSep
}

// humpsOK checks camelCase (or PascalCase): letters and digits only, the
// right first letter, and upper-case runs allowed by the acronym settings.
// A single capital is always a word start, so coordinateX passes.
func (n namer) humpsOK(s string) bool {
	if s == "" {
		return false
	}
	first := s[0]
	if n.style == styleCamel && !(first >= 'a' && first <= 'z') {
		return false
	}
	if n.style == stylePascal && !(first >= 'A' && first <= 'Z') {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if !isUpper(c) {
			if !isLower(c) && !isDigit(c) {
				return false
			}
			i++
			continue
		}
		j := i
		for j < len(s) && isUpper(s[j]) {
			j++
		}
		// The run s[i:j] is upper case. If a lower-case letter follows, its
		// last capital starts the next word: URLParser = URL + Parser.
		end := j
		if j < len(s) && isLower(s[j]) {
			end = j - 1
		}
		if end-i >= 2 && !n.acronymOK(s[i:end]) {
			return false
		}
		i = j
	}
	return true
}

func (n namer) acronymOK(a string) bool {
	if n.acronyms[a] {
		return true
	}
	switch n.acronymMode {
	case acronymUpper:
		return true
	case acronymTwoLetterUpper:
		return len(a) == 2
	}
	return false
}

// suggest rewrites name in the style, treating acronyms as words (the form
// every acronym mode accepts).
func (n namer) suggest(name string) string {
	var unit string
	if n.style == styleCamel || n.style == stylePascal {
		for _, u := range n.units {
			if len(name) > len(u) && strings.HasSuffix(name, u) {
				name, unit = name[:len(name)-len(u)], u
				break
			}
		}
	}
	return joinWords(splitWords(name), n.style) + unit
}

// splitWords splits a name into words: on any character that is not a
// letter or digit, and on case changes (orderID → order, ID; URLParser →
// URL, Parser). Digits stay with the word before them (oauth2, sha256).
func splitWords(s string) []string {
	var words []string
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			words = append(words, s[start:end])
		}
		start = -1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLower(c) && !isUpper(c) && !isDigit(c) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		prev := s[i-1]
		switch {
		case isUpper(c) && (isLower(prev) || isDigit(prev)):
			flush(i)
			start = i
		case isLower(c) && isUpper(prev) && i-1 > start:
			// end of an acronym run: the last capital begins this word
			flush(i - 1)
			start = i - 1
		}
	}
	flush(len(s))
	return words
}

// joinWords writes words in a style.
func joinWords(words []string, style caseStyle) string {
	var b strings.Builder
	for i, w := range words {
		switch style {
		case styleKebab, styleSnake, styleUpperSnake:
			if i > 0 {
				if style == styleKebab {
					b.WriteByte('-')
				} else {
					b.WriteByte('_')
				}
			}
			if style == styleUpperSnake {
				b.WriteString(strings.ToUpper(w))
			} else {
				b.WriteString(strings.ToLower(w))
			}
		case styleCamel, stylePascal:
			lw := strings.ToLower(w)
			if i == 0 && style == styleCamel {
				b.WriteString(lw)
				continue
			}
			b.WriteString(strings.ToUpper(lw[:1]))
			b.WriteString(lw[1:])
		}
	}
	return b.String()
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// namerFromOptions builds the namer for a rule's style/acronym options,
// falling back to def when the style is unknown (config validation reports
// bad values; a rule must not fail on them).
func namerFromOptions(style string, def caseStyle, acronymMode string, acronyms, units []string) namer {
	s, ok := parseStyle(style)
	if !ok {
		s = def
	}
	switch acronymMode {
	case acronymWord, acronymTwoLetterUpper, acronymUpper:
	default:
		acronymMode = acronymWord
	}
	return newNamer(s, acronymMode, acronyms, units)
}

// why explains a failing camelCase or PascalCase name whose problem is an
// upper-case acronym, for messages ("" otherwise).
func (n namer) why(name string) string {
	if n.style != styleCamel && n.style != stylePascal {
		return ""
	}
	for i := 1; i < len(name); i++ {
		if isUpper(name[i]) && isUpper(name[i-1]) {
			return " (acronyms are written as words)"
		}
	}
	return ""
}
