package handlers

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/ratifyhq/ratify/errs"
)

// readJSONBody decodes a JSON request body into v, refusing other content
// types and unknown fields with a clear message.
func readJSONBody(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(string(c.Request().Header.ContentType()))
	if !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return errs.New(errs.Unsupported, "send the request body as application/json")
	}
	dec := json.NewDecoder(strings.NewReader(string(c.Body())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if ok := asType(err, &te); ok {
			return errs.Field(te.Field, "has the wrong type: %s", te.Value)
		}
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return errs.Field(strings.Trim(name, `"`), "is not a field of this request")
		}
		return errs.New(errs.BadRequest, "the request body is not valid JSON: %v", err)
	}
	return nil
}

func asType[T error](err error, target *T) bool {
	t, ok := err.(T)
	if ok {
		*target = t
	}
	return ok
}
