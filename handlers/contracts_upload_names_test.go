package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/handlers"
)

// TestHostileContractUploadFileNames: an officer uploads agreement versions
// whose file names try to leave a directory (../, ..\, absolute paths,
// also behind a NUL) or carry NUL, CR or LF, as a multipart upload and as
// the ?name= of a text/markdown body. The name is never a path: the test
// runs the server in an empty directory tree, which stays empty, and no
// absolute target appears. Each answer is a 201, recording the name as
// data (its base name, without a path separator: the version's "source"
// and the audit entry's "file" agree, and pages show it escaped), or a
// 4xx for a file name the multipart parser refuses, with nothing
// published.
//
// The recorded names depend on sourceName (handlers/contracts_officer.go,
// `n = path.Base(strings.ReplaceAll(n, `\`, "/"))`): without that line
// they keep their directories and the checks on them fail; and on its
// strings.Map dropping control and bidirectional-formatting characters
// (NUL, CR/LF, U+202E): without it QueryNUL, QueryCRLF and
// QueryRightToLeftOverride keep them. That nothing
// is written depends on readContractSource reading the upload into memory
// (fh.Open, io.ReadAll) and on no code of the contracts path touching the
// file system; the empty tree would show a write.
func TestHostileContractUploadFileNames(t *testing.T) {
	e := newContractOfficerEnv(t)
	root := t.TempDir()
	work := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work) // relative names resolve inside root
	target := filepath.Join(root, "pwned.md")
	const absolute = "/ratify-test-abs/path.md"
	// fasthttp refuses some file names while reading the body, which
	// app.Test reports as its own error: send through a real listener.
	base := serveOnLoopback(t, e.srv)
	markup := `<img src=x onerror=alert(1)>.md`
	tests := []struct {
		name, via, file string
		status          int
		recorded        string // "" when only the general checks apply
	}{
		{"DotDotSlash", "multipart", "../../etc/passwd", 201, "passwd"},
		{"DotDotBackslash", "multipart", `..\..\x`, 201, "x"},
		{"Absolute", "multipart", absolute, 201, "path.md"},
		{"UpToTarget", "multipart", strings.Repeat("../", 16) + target, 201, "pwned.md"},
		{"AbsoluteTarget", "multipart", target, 201, "pwned.md"},
		{"BackslashTarget", "multipart", `..\..\..\pwned.md`, 201, "pwned.md"},
		{"EncodedDotDot", "multipart", "%2e%2e%2fpwned.md", 201, "%2e%2e%2fpwned.md"},
		{"DotDotOnly", "multipart", "..", 201, "upload.md"},
		{"Markup", "multipart", markup, 201, markup},
		{"ErrNUL", "multipart", "x\x00.md", 400, ""},
		{"ErrNULDir", "multipart", "..\x00/../pwned.md", 400, ""},
		{"ErrCR", "multipart", "a\rb.md", 400, ""},
		{"ErrLF", "multipart", "a\nb.md", 400, ""},
		{"ErrCRLFHeader", "multipart", "a\r\nX-Evil: 1.md", 422, ""},
		{"QueryDotDot", "query", "../../etc/passwd", 201, "passwd"},
		{"QueryBackslash", "query", `..\..\x`, 201, "x"},
		{"QueryAbsoluteTarget", "query", target, 201, "pwned.md"},
		{"QueryNULDir", "query", "..\x00/../" + target, 201, "pwned.md"},
		{"QueryNUL", "query", "x\x00.md", 201, "x.md"},
		{"QueryCRLF", "query", "a\r\nX-Evil: 1.md", 201, "aX-Evil: 1.md"},
		{"QueryRightToLeftOverride", "query", "invoice\u202egpj.md", 201, "invoicegpj.md"},
		{"QueryDotDotOnly", "query", "..", 201, "upload.md"},
		{"QueryLong", "query", strings.Repeat("../", 50) + strings.Repeat("é", 80), 201, ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("hostile-name-%02d", i)
			src := strings.Replace(demoAgreement, "demo-2024-2027", id, 1)
			var status int
			var body string
			if tc.via == "query" {
				status, body = postBearer(t, base+"/api/v1/contracts?name="+url.QueryEscape(tc.file), "text/markdown", src, e.officer)
			} else {
				status, body = postBearer(t, base+"/api/v1/contracts", "multipart/form-data; boundary=RATIFYBOUNDARY", rawSourceUpload(tc.file, src), e.officer)
			}
			if status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", status, tc.status, body)
			}
			entries, err := e.log.List(context.Background(), audit.Filter{Object: id, Action: "contract.publish"})
			if err != nil {
				t.Fatal(err)
			}
			got := contractCall(t, e.srv, "GET", "/api/v1/contracts/"+id, "", "")
			if status >= 400 {
				if got.StatusCode != 404 || len(entries) != 0 {
					t.Errorf("refused upload published %s (%d) or was audited (%d entries)", id, got.StatusCode, len(entries))
				}
				return
			}
			var doc struct{ Source string }
			if err := json.Unmarshal([]byte(got.Body), &doc); err != nil || got.StatusCode != 200 {
				t.Fatalf("GET %s: %d %v: %.300s", id, got.StatusCode, err, got.Body)
			}
			rec := doc.Source
			if len(entries) != 1 || entries[0].Detail["file"] != rec {
				t.Errorf("audit entries %+v, want one whose file is %q", entries, rec)
			}
			if strings.ContainsAny(rec, `/\`) || rec == "" || len(rec) > 100 || !utf8.ValidString(rec) {
				t.Errorf("recorded name %q: want a base name of at most 100 bytes of UTF-8", rec)
			}
			if tc.recorded != "" && rec != tc.recorded {
				t.Errorf("recorded name %q, want %q", rec, tc.recorded)
			}
			if strings.IndexFunc(rec, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) }) >= 0 {
				t.Errorf("recorded name %q keeps a control or bidirectional-formatting character", rec)
			}
			if strings.ContainsAny(got.Body, "\x00\r\n") {
				t.Errorf("the API shows the name with a raw control character: %q", got.Body)
			}
		})
	}
	page := contractCall(t, e.srv, "GET", "/officer/contracts", "", "", "Authorization", "Bearer "+e.officer)
	if page.StatusCode != 200 || strings.Contains(page.Body, "<img src=x") || !strings.Contains(page.Body, "&lt;img src=x onerror=alert(1)&gt;.md") {
		t.Errorf("officers' page: status %d; the markup name is not shown escaped", page.StatusCode)
	}
	dirs := map[string]bool{".": true, "a": true, filepath.Join("a", "b"): true, filepath.Join("a", "b", "c"): true}
	var written []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return nil
		}
		if rel, _ := filepath.Rel(root, p); !d.IsDir() || !dirs[rel] {
			written = append(written, rel)
		}
		return nil
	})
	if len(written) != 0 {
		t.Errorf("uploads wrote %q in the directory tree the server ran in", written)
	}
	if _, err := os.Stat(absolute); err == nil {
		t.Errorf("an upload's file name made the server write %s", absolute)
	}
}

// rawSourceUpload is a multipart body (boundary RATIFYBOUNDARY) with src
// in the field "source" under the file name as given: not escaped as
// mime/multipart would, so that NUL, CR and LF reach the server raw.
func rawSourceUpload(file, src string) string {
	return "--RATIFYBOUNDARY\r\nContent-Disposition: form-data; name=\"source\"; filename=\"" + file + "\"\r\n" +
		"Content-Type: text/markdown\r\n\r\n" + src + "\r\n--RATIFYBOUNDARY--\r\n"
}

// serveOnLoopback serves the app on a loopback port until the test ends
// and returns its base URL.
func serveOnLoopback(t *testing.T, srv *handlers.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App().Listener(ln)
	t.Cleanup(func() { srv.App().Shutdown() })
	return "http://" + ln.Addr().String()
}

// postBearer posts body to target with an officer's token, through a real
// connection.
func postBearer(t *testing.T, target, contentType, body, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
