package api

// accessRoutes are the API operations of this file's extension.
var accessRoutes = []Route{}
