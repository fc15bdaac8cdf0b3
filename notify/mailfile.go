package notify

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ratifyhq/ratify/errs"
)

// MailFile is one .eml file written in file mode.
type MailFile struct {
	Name     string    `json:"name"`
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
	To       string    `json:"to"`
	Subject  string    `json:"subject"`
}

// MailContent is a parsed .eml file, for the development mail viewer.
type MailContent struct {
	MailFile
	Headers     []MailHeader
	Text        string
	HTML        string
	Attachments []MailAttachment
	Raw         []byte
}

// MailHeader is one header line, decoded.
type MailHeader struct{ Name, Value string }

// MailAttachment is an attached part.
type MailAttachment struct {
	Name, ContentType string
	Body              string
}

var emlName = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]*\.eml$`)

// ListMailFiles lists the newest .eml files in dir, at most limit.
func ListMailFiles(dir string, limit int) ([]MailFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("notify: mail files: %w", err)
	}
	var out []MailFile
	for _, e := range ents {
		if e.IsDir() || !emlName.MatchString(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, MailFile{Name: e.Name(), Size: info.Size(), Modified: info.ModTime()})
	}
	slices.SortFunc(out, func(a, b MailFile) int {
		if c := b.Modified.Compare(a.Modified); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		if h, err := readHeader(filepath.Join(dir, out[i].Name)); err == nil {
			out[i].To, out[i].Subject = decodeWords(h.Get("To")), decodeWords(h.Get("Subject"))
		}
	}
	return out, nil
}

func readHeader(path string) (mail.Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := mail.ReadMessage(io.LimitReader(f, 64<<10))
	if err != nil {
		return nil, err
	}
	return m.Header, nil
}

// ReadMailFile parses one .eml file of dir. An unsafe or unknown name is
// a not-found error.
func ReadMailFile(dir, name string) (*MailContent, error) {
	if !emlName.MatchString(name) {
		return nil, errs.New(errs.NotFound, "no such mail file")
	}
	path := filepath.Join(dir, name)
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, errs.New(errs.NotFound, "no such mail file")
	}
	if err != nil {
		return nil, fmt.Errorf("notify: mail file: %w", err)
	}
	info, _ := os.Stat(path)
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("notify: mail file %s: %w", name, err)
	}
	c := &MailContent{Raw: raw}
	c.Name, c.Size = name, int64(len(raw))
	if info != nil {
		c.Modified = info.ModTime()
	}
	c.To, c.Subject = decodeWords(m.Header.Get("To")), decodeWords(m.Header.Get("Subject"))
	for _, k := range []string{"From", "To", "Reply-To", "Subject", "Date", "Message-ID", "Auto-Submitted", "X-Ratify-Campaign", "DKIM-Signature"} {
		if v := m.Header.Get(k); v != "" {
			c.Headers = append(c.Headers, MailHeader{k, decodeWords(v)})
		}
	}
	err = walkParts(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), "", m.Body, c)
	if err != nil {
		return nil, fmt.Errorf("notify: mail file %s: %w", name, err)
	}
	return c, nil
}

func walkParts(ct, cte, disp string, body io.Reader, c *MailContent) error {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkParts(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"),
				p.Header.Get("Content-Disposition"), p, c); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(cte) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(io.LimitReader(body, 4<<20))
	if err != nil {
		return err
	}
	_, dparams, _ := mime.ParseMediaType(disp)
	switch {
	case strings.HasPrefix(disp, "attachment"):
		c.Attachments = append(c.Attachments, MailAttachment{Name: dparams["filename"], ContentType: mt, Body: string(b)})
	case mt == "text/plain" && c.Text == "":
		c.Text = string(b)
	case mt == "text/html" && c.HTML == "":
		c.HTML = string(b)
	default:
		c.Attachments = append(c.Attachments, MailAttachment{Name: dparams["filename"], ContentType: mt, Body: string(b)})
	}
	return nil
}

func decodeWords(s string) string {
	if d, err := new(mime.WordDecoder).DecodeHeader(s); err == nil {
		return d
	}
	return s
}
