package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// pages holds every page template, each parsed with the layout at start-up:
// a broken template stops the server from starting.
type pages struct {
	byName  map[string]*template.Template
	version map[string]string // static file -> content hash, for cache-busting URLs
}

func loadPages(tfs, static fs.FS) (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}, version: map[string]string{}}
	err := fs.WalkDir(static, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		p.version[name] = hex.EncodeToString(sum[:4])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("handlers: static: %w", err)
	}
	funcs := template.FuncMap{
		"static": func(name string) (string, error) {
			v, ok := p.version[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return "/static/" + name + "?v=" + v, nil
		},
		"upper": strings.ToUpper,
	}
	names, err := fs.Glob(tfs, "*.html")
	if err != nil {
		return nil, err
	}
	partials, err := fs.Glob(tfs, "partials/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == "layout.html" {
			continue
		}
		files := append([]string{"layout.html"}, partials...)
		t, err := template.New(n).Funcs(funcs).ParseFS(tfs, append(files, n)...)
		if err != nil {
			return nil, fmt.Errorf("handlers: template %s: %w", n, err)
		}
		p.byName[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return p, nil
}

// render writes the named page with the layout.
func (s *Server) render(c *fiber.Ctx, status int, name string, data any) error {
	t, ok := s.pages.byName[name]
	if !ok {
		return fmt.Errorf("handlers: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("handlers: render %s: %w", name, err)
	}
	c.Type("html", "utf-8")
	return c.Status(status).Send(buf.Bytes())
}

type errorPage struct {
	Title, Message, RequestID string
}

func (s *Server) renderErrorPage(c *fiber.Ctx, status int, body apiErrorBody) error {
	title := map[int]string{
		404: "Page not found",
		401: "Please sign in",
		403: "Not allowed",
		429: "Too many requests",
		500: "Something went wrong",
		503: "Temporarily unavailable",
	}[status]
	if title == "" {
		title = "That did not work"
	}
	msg := body.Message
	if status == fiber.StatusNotFound && body.Code != "not_found" {
		msg = "There is no page at this address."
	}
	if err := s.render(c, status, "error", errorPage{title, msg, body.RequestID}); err != nil {
		return c.Status(status).SendString(title + ". Reference: " + body.RequestID)
	}
	return nil
}
