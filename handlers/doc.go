// Package handlers is Ratify's HTTP layer on Fiber v2: it parses and
// validates requests, makes one call into a domain package, and renders JSON
// or HTML. It is the only package that imports Fiber. Handlers depend on
// small interfaces declared here, not on the domain packages' stores.
package handlers
