// Package web holds Ratify's page templates and static assets, embedded in
// the binary so that the service works offline: no CDN, no build step.
package web

import (
	"embed"
	"io/fs"
)

//go:embed templates static
var files embed.FS

// Templates is the tree of page templates (*.html under templates/).
var Templates, _ = fs.Sub(files, "templates")

// Static is the tree of static assets served under /static/.
var Static, _ = fs.Sub(files, "static")
