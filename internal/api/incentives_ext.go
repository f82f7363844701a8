package api

// incentiveRoutes are the API operations of this file's extension.
var incentiveRoutes = []Route{}
