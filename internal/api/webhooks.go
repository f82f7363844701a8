package api

// webhookRoutes are the API operations of this file's extension.
var webhookRoutes = []Route{}
