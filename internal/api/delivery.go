package api

// deliveryRoutes are the API operations of this file's extension.
var deliveryRoutes = []Route{}
