package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/gwctl/gwctl/lint"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// SARIF constants.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// InformationURI is where gwctl lives; SARIF viewers link to it.
	InformationURI = "https://github.com/gwctl/gwctl"
	// SRCROOT is the uriBaseId of every location: the directory gwctl ran
	// in (the repository root in CI). Consumers such as GitHub code
	// scanning resolve it to the checkout.
	SRCROOT = "SRCROOT"
	// FingerprintKey names gwctl's entry in partialFingerprints: the
	// baseline key's digest, which survives edits elsewhere in the file.
	FingerprintKey = "gwctlFindingKey/v1"
)

// SARIF writes the result as a SARIF 2.1.0 log (one run, 2-space indented,
// trailing newline), the format code-scanning services ingest:
//
//   - tool.driver: name gwctl, version, informationUri, and rules[] with
//     every rule given in opts.Tool.Rules (plus lint-ignore): id, name,
//     shortDescription (the summary), fullDescription (the fix), help (the
//     fix, and in markdown the failing and passing examples),
//     defaultConfiguration.level (error → error, warn → warning, info and
//     hint → note) and properties.tags (the rule family);
//   - results: ruleId, ruleIndex, level, message, one physical location
//     (uri relative to SRCROOT, region startLine/startColumn in Unicode code
//     points: columnKind unicodeCodePoints), relatedLocations for findings
//     about several places, partialFingerprints from the baseline key and
//     properties.pointer (the JSON pointer of the node).
//
// Output is deterministic: no timestamps, no absolute paths.
func SARIF(w io.Writer, res *lint.Result, opts Options) error {
	metas := opts.Tool.Rules
	index := map[string]int{}
	var rules []sarifRule
	addRule := func(m rule.Meta) {
		if _, ok := index[m.ID]; ok {
			return
		}
		index[m.ID] = len(rules)
		rules = append(rules, sarifRuleOf(m, opts.Tool.Examples))
	}
	for _, m := range metas {
		addRule(m)
	}
	addRule(rule.Meta{ID: lint.IgnoreRuleID, Summary: "x-lint-ignore entries are well-formed: known rule ids, each with a reason",
		Severity: rule.Error, Family: "lint",
		Fix: "Write x-lint-ignore as a list of {rule: ID, reason: WHY} (or a list of rule ids with x-lint-ignore-reason: WHY)."})

	results := []sarifResult{}
	for _, f := range shown(res, opts.Min) {
		if _, ok := index[f.Rule]; !ok {
			// A rule the caller did not describe (tests, plugins): describe
			// it by id so that ruleIndex stays valid.
			addRule(rule.Meta{ID: f.Rule, Severity: f.Severity})
		}
		r := sarifResult{
			RuleID:    f.Rule,
			RuleIndex: index[f.Rule],
			Level:     sarifLevel(f.Severity),
			Message:   sarifMessage{Text: f.Message},
			Locations: []sarifLocation{sarifLocationOf(f.Pos, "")},
			PartialFingerprints: map[string]string{
				FingerprintKey: lint.KeyOf(f, "").Fingerprint(),
			},
		}
		for i, p := range f.Related {
			loc := sarifLocationOf(p, "related place")
			loc.ID = i + 1
			r.RelatedLocations = append(r.RelatedLocations, loc)
		}
		if f.Pointer != "" {
			r.Properties = &sarifResultProps{Pointer: f.Pointer}
		}
		results = append(results, r)
	}

	version := opts.Tool.Version
	if version == "" {
		version = "dev"
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name:           "gwctl",
				Version:        version,
				InformationURI: InformationURI,
				Rules:          rules,
			}},
			ColumnKind: "unicodeCodePoints",
			Results:    results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func sarifLevel(s rule.Severity) string {
	switch s {
	case rule.Error:
		return "error"
	case rule.Warn:
		return "warning"
	case rule.Info, rule.Hint:
		return "note"
	}
	return "none"
}

func sarifRuleOf(m rule.Meta, examples func(string) ([]byte, []byte, error)) sarifRule {
	summary := m.Summary
	if summary == "" {
		summary = m.ID
	}
	fix := m.Fix
	if fix == "" {
		fix = summary
	}
	r := sarifRule{
		ID:               m.ID,
		Name:             ruleName(m.ID),
		ShortDescription: sarifMultiformat{Text: summary},
		FullDescription:  sarifMultiformat{Text: fix},
		Help:             sarifMultiformat{Text: fix, Markdown: helpMarkdown(m, examples)},
		DefaultConfiguration: sarifConfig{
			Level: sarifLevel(m.Severity),
		},
	}
	if m.Severity == rule.Off {
		r.DefaultConfiguration.Enabled = new(bool)
	}
	if m.Family != "" {
		r.Properties = &sarifRuleProps{Tags: []string{m.Family}}
	}
	return r
}

// ruleName is the id in PascalCase, as SARIF's rule names are usually
// written (path-segments-kebab-case → PathSegmentsKebabCase).
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func helpMarkdown(m rule.Meta, examples func(string) ([]byte, []byte, error)) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n", mdEscape(firstNonEmpty(m.Summary, m.ID)))
	if m.Fix != "" {
		fmt.Fprintf(&b, "%s\n\n", mdEscape(m.Fix))
	}
	fmt.Fprintf(&b, "Default severity: `%s`", m.Severity)
	if m.Family != "" {
		fmt.Fprintf(&b, "; family: `%s`", m.Family)
	}
	b.WriteString(". Explain it locally with `gwctl rules " + m.ID + "`.\n")
	if len(m.Options) > 0 {
		b.WriteString("\n| option | default | description |\n| --- | --- | --- |\n")
		for _, o := range m.Options {
			def, _ := json.Marshal(o.Default)
			fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", o.Name, def, strings.ReplaceAll(mdEscape(o.Description), "|", `\|`))
		}
	}
	if examples != nil {
		if fail, pass, err := examples(m.ID); err == nil {
			fmt.Fprintf(&b, "\n#### Fails\n\n```yaml\n%s```\n\n#### Passes\n\n```yaml\n%s```\n", withNewline(fail), withNewline(pass))
		}
	}
	return b.String()
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func withNewline(b []byte) string {
	s := string(b)
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// mdEscape keeps rule texts from turning into markup by accident.
func mdEscape(s string) string {
	return strings.NewReplacer("*", `\*`, "_", `\_`, "<", "&lt;").Replace(s)
}

// sarifURI turns a slash-separated relative path into a URI reference:
// every segment percent-encoded, slashes kept.
func sarifURI(file string) string {
	parts := strings.Split(file, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

func sarifLocationOf(p spec.Position, msg string) sarifLocation {
	loc := sarifLocation{PhysicalLocation: sarifPhysical{
		ArtifactLocation: sarifArtifact{URI: sarifURI(p.File), URIBaseID: SRCROOT},
	}}
	if strings.Contains(p.File, "://") {
		loc.PhysicalLocation.ArtifactLocation = sarifArtifact{URI: p.File}
	}
	if p.Line > 0 {
		loc.PhysicalLocation.Region = &sarifRegion{StartLine: p.Line, StartColumn: max(p.Col, 1)}
	}
	if msg != "" {
		loc.Message = &sarifMessage{Text: msg}
	}
	return loc
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string           `json:"id"`
	Name                 string           `json:"name,omitempty"`
	ShortDescription     sarifMultiformat `json:"shortDescription"`
	FullDescription      sarifMultiformat `json:"fullDescription"`
	Help                 sarifMultiformat `json:"help"`
	DefaultConfiguration sarifConfig      `json:"defaultConfiguration"`
	Properties           *sarifRuleProps  `json:"properties,omitempty"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags,omitempty"`
}

type sarifConfig struct {
	Enabled *bool  `json:"enabled,omitempty"`
	Level   string `json:"level"`
}

type sarifMultiformat struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Properties          *sarifResultProps `json:"properties,omitempty"`
}

type sarifResultProps struct {
	Pointer string `json:"pointer"`
}

type sarifLocation struct {
	ID               int           `json:"id,omitempty"`
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
	Message          *sarifMessage `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
}
