package api

// invoiceRoutes are the API operations of this file's extension.
var invoiceRoutes = []Route{}
