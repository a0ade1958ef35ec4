package rules

import "github.com/gwctl/gwctl/lint/rule"

// groupA: URL naming, parameters, status codes, property casing.
func groupA() []rule.Rule {
	return []rule.Rule{
		// URL naming
		pathSegmentsKebabCase{},
		pathNormalized{},
		pathNoQueryOrFragment{},
		pathTemplateWellFormed{},
		pathVersionSegment{},
		// parameters
		pathParamsDefined{},
		pathParamCasing{},
		queryParamCasing{},
		// status codes
		operationSuccessResponse{},
		statusCodeRegistered{},
		statusCodesPerMethod{},
		responseBodyByStatus{},
		requestBodyMethodSemantics{},
		// naming
		propertyCasing{},
	}
}
