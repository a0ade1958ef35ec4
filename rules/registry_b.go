package rules

import "github.com/gwctl/gwctl/lint/rule"

// groupB: error responses, shapes, metadata, security, examples.
func groupB() []rule.Rule {
	return []rule.Rule{
		errorResponsesDocumented{},
		errorResponseProblemJSON{},
		responseTopLevelObject{},
		collectionEnvelope{},
		paginationParams{},
		operationIDValidUnique{},
		operationIDConvention{},
		infoMetadata{},
		securityDefined{},
		securityRefsValid{},
		securitySchemeGatewaySupported{},
		security401403Documented{},
		noCredentialsInParams{},
		examplesValid{},
	}
}
