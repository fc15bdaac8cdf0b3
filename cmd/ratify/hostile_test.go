package main

import (
	"bufio"
	"bytes"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratifyhq/ratify/notify"
)

// TestHostileMailHeadersAndMarkup goes through the real binary and its mail
// files: members whose names carry CR/LF with header lines after them, and
// markup, and a vote whose title does too, get invitations whose headers
// hold exactly one recipient, one subject and no injected header, and whose
// HTML shows the vote title's markup as text (members' names are not in the
// invitation's body; that they never hold a line break or reach a header
// is what is checked for them).
func TestHostileMailHeadersAndMarkup(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data, "RATIFY_BOOTSTRAP_ADMIN_EMAIL=chair@example.org", "RATIFY_BOOTSTRAP_ADMIN_PASSWORD=correct-horse-battery")
	officer := &client{t: t, base: "http://" + p.addr}
	var login struct{ Token string }
	if code := officer.json("POST", "/api/v1/auth/login", map[string]string{"email": "chair@example.org", "password": "correct-horse-battery"}, &login); code != 200 {
		t.Fatalf("login: %d", code)
	}
	officer.token = login.Token

	roster := "Employee ID,First Name,Last Name,Email,Membership Status\r\n" +
		"1,\"Di\r\nBcc: evil@example.org\",Quill,di@example.org,member\r\n" +
		"2,\"<b>Bo</b><script>alert(1)</script>\",\"B\rX-Evil: 1\",bo@example.org,member\r\n" +
		"3,Cy,\"C\nSubject: pwned\",cy@example.org,member\r\n"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("roster", "roster.csv")
	fw.Write([]byte(roster))
	mw.Close()
	if code, b := officer.do("POST", "/api/v1/members/import", mw.FormDataContentType(), &body); code != 200 {
		t.Fatalf("import: %d %s", code, b)
	}
	now := time.Now().UTC()
	var v struct{ ID, Status string }
	title := "Ratify <script>alert(2)</script>\r\nBcc: evil@example.org"
	code := officer.json("POST", "/api/v1/votes", map[string]any{"title": title, "opens_at": now, "closes_at": now.Add(time.Hour)}, &v)
	if code == 422 {
		// A title with a line break refused outright is fine too; keep
		// the markup, which must then come out escaped.
		title = "Ratify <script>alert(2)</script>"
		code = officer.json("POST", "/api/v1/votes", map[string]any{"title": title, "opens_at": now, "closes_at": now.Add(time.Hour)}, &v)
	}
	if code != 201 {
		t.Fatalf("create vote: %d", code)
	}
	if code := officer.json("POST", "/api/v1/votes/"+v.ID+"/open", nil, &v); code != 202 {
		t.Fatalf("open: %d", code)
	}
	dir := filepath.Join(data, "outbox")
	waitForLinks(t, dir, 3)

	want := map[string]bool{"di@example.org": true, "bo@example.org": true, "cy@example.org": true}
	files, err := notify.ListMailFiles(dir, 100)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
		h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(head, "\r\n\r\n"...)))).ReadMIMEHeader()
		if err != nil {
			t.Fatalf("%s: headers do not parse: %v\n%s", f.Name, err, head)
		}
		for _, bad := range []string{"Bcc", "Cc", "X-Evil"} {
			if _, ok := h[bad]; ok {
				t.Errorf("%s: injected header %s: %q", f.Name, bad, h[bad])
			}
		}
		if len(h["Subject"]) != 1 || len(h["To"]) != 1 {
			t.Errorf("%s: %d Subject and %d To headers\n%s", f.Name, len(h["Subject"]), len(h["To"]), head)
		}
		to, err := mail.ParseAddressList(h.Get("To"))
		if err != nil || len(to) != 1 || !want[to[0].Address] {
			t.Errorf("%s: To %q is not one member: %v %v", f.Name, h.Get("To"), to, err)
		}
		for i, line := range strings.Split(string(head), "\n") {
			if i > 0 && !strings.HasSuffix(strings.Split(string(head), "\n")[i-1], "\r") {
				t.Errorf("%s: a bare line feed in the headers before %q", f.Name, line)
			}
			if strings.Contains(line, "\r") && !strings.HasSuffix(line, "\r") {
				t.Errorf("%s: a bare carriage return in the header line %q", f.Name, line)
			}
			if l := strings.ToLower(strings.TrimSpace(line)); strings.HasPrefix(l, "subject: pwned") || strings.HasPrefix(l, "bcc:") || strings.HasPrefix(l, "x-evil:") {
				t.Errorf("%s: a member's name became a header line: %q", f.Name, line)
			}
		}
		m, err := notify.ReadMailFile(dir, f.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range []string{"<script>alert", "<b>Bo</b>"} {
			if strings.Contains(m.HTML, raw) {
				t.Errorf("%s: the HTML part has %q unescaped", f.Name, raw)
			}
		}
		if !strings.Contains(m.HTML, "&lt;script&gt;alert(2)&lt;/script&gt;") {
			t.Errorf("%s: the HTML part does not show the vote title's markup as text (so the check above proves nothing)", f.Name)
		}
		seen++
	}
	if seen < 3 {
		t.Fatalf("%d mail files, want 3", seen)
	}
}
