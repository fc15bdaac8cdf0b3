package handlers

import (
	"fmt"
	"io"
	"path"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/errs"
)

// maxContractSource bounds an uploaded agreement file (the ACE agreement's
// source is 140 KB).
const maxContractSource = 4 << 20

// publishContract publishes an uploaded agreement version: a multipart
// field "source", or the file as a text/markdown or text/plain body. It
// answers 201 with the agreement's summary, 200 when the same text was
// already published, 409 for a different text under a published id, and 422
// naming the line and field of a bad file. A repeat is audited too (marked
// so), so that a retry after a failed audit write leaves a record.
func (s *Server) publishContract(c *fiber.Ctx) error {
	name, src, err := readContractSource(c)
	if err != nil {
		return err
	}
	actor := actorOf(c)
	sum, published, err := s.cfg.ContractVersions.Publish(c.UserContext(), name, src, actor.Email)
	if err != nil {
		return err
	}
	detail := map[string]string{"sha256": sum.SHA256, "file": name, "repeat": fmt.Sprint(!published)}
	if _, err := s.cfg.ContractAudit.Append(c.UserContext(), actor, "contract.publish", sum.ID, detail); err != nil {
		return err
	}
	status := fiber.StatusOK
	if published {
		status = fiber.StatusCreated
		c.Location("/api/v1/contracts/" + sum.ID)
	}
	return c.Status(status).JSON(fiber.Map{"contract": sum, "published": published})
}

// readContractSource returns the uploaded file's name and bytes.
func readContractSource(c *fiber.Ctx) (string, []byte, error) {
	ct := strings.ToLower(string(c.Request().Header.ContentType()))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		fh, err := c.FormFile("source")
		if err != nil {
			return "", nil, errs.Field("source", "attach the agreement file in the multipart field \"source\"")
		}
		if fh.Size > maxContractSource {
			return "", nil, errs.New(errs.TooLarge, "the agreement file is larger than %d bytes", maxContractSource)
		}
		f, err := fh.Open()
		if err != nil {
			return "", nil, errs.Field("source", "the uploaded file cannot be read")
		}
		defer f.Close()
		src, err := io.ReadAll(io.LimitReader(f, maxContractSource))
		if err != nil {
			return "", nil, errs.Field("source", "the uploaded file cannot be read")
		}
		return sourceName(fh.Filename), src, nil
	case strings.HasPrefix(ct, "text/markdown"), strings.HasPrefix(ct, "text/plain"), strings.HasPrefix(ct, "text/x-markdown"):
		return sourceName(c.Query("name")), append([]byte(nil), c.Body()...), nil
	}
	return "", nil, errs.New(errs.Unsupported, "send the agreement as a multipart field \"source\" or as a text/markdown body")
}

// sourceName keeps the base name of an uploaded file, for the record.
func sourceName(n string) string {
	// Control and bidirectional-formatting characters (NUL, CR/LF, the
	// right-to-left override that makes "gpj.md" read "dm.jpg") go, before
	// the base name is taken.
	n = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(n, ""))
	n = path.Base(strings.ReplaceAll(n, `\`, "/"))
	if n == "." || n == ".." || n == "/" || n == "" {
		return "upload.md"
	}
	if len(n) > 100 {
		n = n[:100]
	}
	return strings.Clone(strings.ToValidUTF8(n, "")) // the cut may split a character
}

// statusInput is the body of a status change.
type statusInput struct {
	Status string `json:"status"`
	Date   string `json:"date"`
	Note   string `json:"note"`
	VoteID string `json:"vote_id"`
}

// advanceContract moves an agreement's status forward, with its date. A
// repeat of the last change is a no-op, audited as a repeat.
func (s *Server) advanceContract(c *fiber.Ctx) error {
	var in statusInput
	if err := readJSONBody(c, &in); err != nil {
		return err
	}
	id := utils.CopyString(c.Params("id"))
	ev := contracts.StatusEvent{Status: contracts.Status(in.Status), Date: in.Date, Note: in.Note, VoteID: in.VoteID}
	actor := actorOf(c)
	history, changed, err := s.cfg.ContractVersions.Advance(c.UserContext(), id, ev, actor.Email)
	if err != nil {
		return err
	}
	detail := map[string]string{"status": in.Status, "date": in.Date, "vote_id": in.VoteID, "repeat": fmt.Sprint(!changed)}
	if _, err := s.cfg.ContractAudit.Append(c.UserContext(), actor, "contract.status", id, detail); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": id, "status": history, "changed": changed})
}

// isJSON reports whether a content type is JSON.
func isJSON(ct string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), fiber.MIMEApplicationJSON)
}
