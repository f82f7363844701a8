package api

import "net/http"

// routes is the API's route table. The API document (openapi/openapi.json)
// describes exactly these operations; TestDocumentMatchesRoutes holds the
// two together.
var routes = []Route{
	{Method: http.MethodPost, Pattern: "/v2/partners/indirect-partners/query", OperationID: "ListIndirectPartners", Handle: listIndirectPartners},
}
