package api

// solutionRoutes are the API operations of this file's extension.
var solutionRoutes = []Route{}
